import { Controller, Get, Inject, Req } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Public } from '../auth/auth.decorators.js';
import { DEV_SIGN_IN, isLocalClient } from './dev-sign-in.js';

export class DashboardConfigResponse {
  @ApiProperty({ description: 'whether "sign in as" (POST /api/v1/dev/token) answers this client' })
  devSignIn: boolean;
}

/**
 * What the dashboard's sign-in page offers, asked once per load. Always 200, so the page never
 * probes a route that may not exist (every absent route is a 404 in the browser's console).
 */
@ApiTags('dashboard')
@Public()
@Controller('dashboard/config')
export class DashboardConfigController {
  constructor(@Inject(DEV_SIGN_IN) private readonly devSignIn: boolean) {}

  @Get()
  @ApiOkResponse({ type: DashboardConfigResponse })
  config(@Req() request: FastifyRequest): DashboardConfigResponse {
    return { devSignIn: this.devSignIn && isLocalClient(request) };
  }
}
