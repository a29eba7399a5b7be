import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RateLimitedError } from '../common/domain-error.js';
import { limitsConfig } from '../config/app.config.js';
import { RateLimitStorage } from './rate-limit.storage.js';

// RATE_LIMIT_PER_MINUTE counts in windows of a minute.
const WINDOW_MS = 60_000;
// The policy's name in the headers (draft-ietf-httpapi-ratelimit-headers: `"name";q=quota;w=window`).
const POLICY = '"per-user"';

/**
 * Global guard keyed by the authenticated user, for all routes together (not per route, not by
 * IP): 429 RATE_LIMITED with Retry-After, and the IETF draft's RateLimit / RateLimit-Policy
 * headers on every limited response. Requests without a user (health, metrics, docs) pass.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly limit: number;
  private readonly policy: string;

  constructor(
    private readonly storage: RateLimitStorage,
    @Inject(limitsConfig.KEY) limits: ConfigType<typeof limitsConfig>,
  ) {
    this.limit = limits.ratePerMinute;
    this.policy = `${POLICY};q=${this.limit};w=${WINDOW_MS / 1000}`;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const user = http.getRequest<FastifyRequest>().user;
    if (!user) return true;
    const { totalHits, secondsLeft, isBlocked } = await this.storage.increment(user.id, WINDOW_MS, this.limit);
    const headers = { 'RateLimit-Policy': this.policy, RateLimit: `${POLICY};r=${Math.max(0, this.limit - totalHits)};t=${secondsLeft}` };
    if (isBlocked) throw new RateLimitedError({ ...headers, 'Retry-After': String(secondsLeft) });
    http.getResponse<FastifyReply>().headers(headers);
    return true;
  }
}
