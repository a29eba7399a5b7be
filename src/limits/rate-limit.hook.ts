import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RateLimitedError } from '../common/domain-error.js';
import { type RateLimitRecord, RateLimitStorage } from './rate-limit.storage.js';

// RATE_LIMIT_PER_MINUTE counts in windows of a minute.
const WINDOW_MS = 60_000;
// The policy's name in the headers (draft-ietf-httpapi-ratelimit-headers: `"name";q=quota;w=window`).
const POLICY = '"per-user"';

/**
 * The per-user rate limit, in Fastify's onRequest hook right after authentication (register it
 * after authenticateBeforeBody): a refused request costs no body parsing, and an admitted one
 * pays one in-process count, not a Nest guard's round (a guard cost about a fifth of the cached
 * GET's requests per second in the bench). Keyed by the user, for all routes together: 429
 * RATE_LIMITED with Retry-After, and the IETF draft's RateLimit / RateLimit-Policy headers on
 * every limited response. Requests without a user (health, metrics, docs) pass. Nothing is
 * registered when RATE_LIMIT_PER_MINUTE is 0.
 */
export function limitRequests(app: NestFastifyApplication, perMinute: number): void {
  if (perMinute === 0) return;
  const storage = app.get(RateLimitStorage);
  const policy = `${POLICY};q=${perMinute};w=${WINDOW_MS / 1000}`;
  const answer = (reply: FastifyReply, counted: RateLimitRecord): Error | null => {
    const headers = {
      'RateLimit-Policy': policy,
      RateLimit: `${POLICY};r=${Math.max(0, perMinute - counted.totalHits)};t=${counted.secondsLeft}`,
    };
    if (counted.isBlocked) return new RateLimitedError({ ...headers, 'Retry-After': String(counted.secondsLeft) });
    void reply.headers(headers);
    return null;
  };
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => {
      if (!request.user) return done();
      const counted = storage.increment(request.user.id, WINDOW_MS, perMinute);
      if (!(counted instanceof Promise)) return done(answer(reply, counted) ?? undefined);
      counted.then(
        (record) => done(answer(reply, record) ?? undefined),
        (error: Error) => done(error),
      );
    });
}
