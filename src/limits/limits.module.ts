import { type DynamicModule, Module } from '@nestjs/common';
import type { Env } from '../config/env.validation.js';
import { RateLimitStorage } from './rate-limit.storage.js';

/**
 * Fairness between users: the per-user rate limits of requests and of body bytes (RateLimitStorage,
 * counted by the hooks of rate-limit.hook.ts).
 * The quotas (MAX_SESSIONS_PER_USER, MAX_RUNNING_PER_USER) are checked where the rows are
 * written, in SessionsRepository, under a per-user lock. With both rate limits at 0 nothing is
 * registered at all.
 */
@Module({})
export class LimitsModule {
  static forRoot(env: Env): DynamicModule {
    if (env.RATE_LIMIT_PER_MINUTE === 0 && env.RATE_LIMIT_BODY_MIB_PER_MINUTE === 0) return { module: LimitsModule };
    return { module: LimitsModule, providers: [RateLimitStorage] };
  }
}
