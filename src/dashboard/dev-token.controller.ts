import { Body, Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ApiExcludeController, ApiOkResponse } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators.js';
import { mintToken } from '../auth/token-signer.js';
import { authConfig } from '../config/app.config.js';
import { DevTokenDto, DevTokenResponse } from './dev-token.dto.js';

// Long enough for a working day at the dashboard; a 401 afterwards sends it back to sign-in.
const DEV_TOKEN_SECONDS = 12 * 3600;

/**
 * The dashboard's "sign in as": a token for any user name, signed with the development secret.
 * Registered only when devSignInEnabled (DashboardModule), and answering local clients only
 * (keepDevSignInLocal): everyone else gets 404 on every method.
 */
// Out of the OpenAPI document: the route exists only on a development machine, and the document must not depend on that.
@ApiExcludeController()
@Public()
@Controller('dev/token')
export class DevTokenController {
  constructor(@Inject(authConfig.KEY) private readonly auth: ConfigType<typeof authConfig>) {}

  /** Kept for clients that asked before GET /dashboard/config existed: where it answers, it is available. */
  @Get()
  @ApiOkResponse({ description: '{ available: true }' })
  available(): { available: boolean } {
    return { available: true };
  }

  @Post()
  @HttpCode(200)
  @ApiOkResponse({ type: DevTokenResponse })
  mint(@Body() dto: DevTokenDto): DevTokenResponse {
    const token = mintToken(dto.user, this.auth.jwtSecret!, { expiresIn: DEV_TOKEN_SECONDS });
    return { token, expiresAt: new Date(Date.now() + DEV_TOKEN_SECONDS * 1000).toISOString() };
  }
}
