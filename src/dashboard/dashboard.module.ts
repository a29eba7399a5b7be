import { type DynamicModule, Module } from '@nestjs/common';
import type { Env } from '../config/env.validation.js';
import { DashboardConfigController } from './dashboard-config.controller.js';
import { DevTokenController } from './dev-token.controller.js';
import { DEV_SIGN_IN, devSignInEnabled } from './dev-sign-in.js';

@Module({})
export class DashboardModule {
  /** What the dashboard's page reads, and the development sign-in, whose route exists only when enabled. */
  static forRoot(env: Env): DynamicModule {
    const devSignIn = devSignInEnabled(env);
    return {
      module: DashboardModule,
      controllers: devSignIn ? [DashboardConfigController, DevTokenController] : [DashboardConfigController],
      providers: [{ provide: DEV_SIGN_IN, useValue: devSignIn }],
      exports: [DEV_SIGN_IN],
    };
  }
}
