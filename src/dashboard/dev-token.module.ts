import { type DynamicModule, Module } from '@nestjs/common';
import type { Env } from '../config/env.validation.js';
import { DevTokenController } from './dev-token.controller.js';

@Module({})
export class DevTokenModule {
  /** The development sign-in: its route does not exist at all when NODE_ENV is production. */
  static forRoot(env: Env): DynamicModule {
    return { module: DevTokenModule, controllers: env.NODE_ENV === 'production' ? [] : [DevTokenController] };
  }
}
