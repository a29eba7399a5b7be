import { Body, Controller, Get, HttpCode, Inject, NotFoundException, Post } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators.js';
import { mintToken } from '../auth/token-signer.js';
import { authConfig } from '../config/app.config.js';
import { DevTokenDto, DevTokenResponse } from './dev-token.dto.js';

/** Its full path: authenticateBeforeBody lets it through without a token (bootstrap.ts). */
export const DEV_TOKEN_PATH = '/api/v1/dev/token';
// Long enough for a working day at the dashboard; a 401 afterwards sends it back to sign-in.
const DEV_TOKEN_SECONDS = 12 * 3600;

/**
 * The dashboard's "sign in as": a token for any user name, signed with the HS256 secret. Registered
 * only outside production (DevTokenModule), where that secret may be the development default.
 */
@ApiTags('development')
@Public()
@Controller('dev/token')
export class DevTokenController {
  constructor(@Inject(authConfig.KEY) private readonly auth: ConfigType<typeof authConfig>) {}

  /**
   * Tells the dashboard whether to offer "sign in as": the route is absent (404) in production, and
   * with only an identity provider's keys (AUTH_JWKS_URL) there is no secret to sign with.
   */
  @Get()
  @ApiOkResponse({ description: '{ available: boolean }' })
  available(): { available: boolean } {
    return { available: !!this.auth.jwtSecret };
  }

  @Post()
  @HttpCode(200)
  @ApiOkResponse({ type: DevTokenResponse })
  mint(@Body() dto: DevTokenDto): DevTokenResponse {
    if (!this.auth.jwtSecret) throw new NotFoundException('No HS256 secret to sign development tokens with');
    const token = mintToken(dto.user, this.auth.jwtSecret, { expiresIn: DEV_TOKEN_SECONDS });
    return { token, expiresAt: new Date(Date.now() + DEV_TOKEN_SECONDS * 1000).toISOString() };
  }
}
