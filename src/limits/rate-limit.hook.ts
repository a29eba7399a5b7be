import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bodySourceOf } from '../common/json-body-parser.js';
import { RateLimitedError } from '../common/domain-error.js';
import { type RateLimitRecord, RateLimitStorage } from './rate-limit.storage.js';

// Both limits count in windows of a minute.
const WINDOW_MS = 60_000;
// The policies' names in the headers (draft-ietf-httpapi-ratelimit-headers: `"name";q=quota;w=window`).
const REQUESTS = '"per-user"';
const BODIES = '"per-user-body-kib"';

export interface RateLimits {
  /** Requests per user per minute (RATE_LIMIT_PER_MINUTE); 0: not limited. */
  perMinute: number;
  /** Request bodies per user per minute in MiB (RATE_LIMIT_BODY_MIB_PER_MINUTE); 0: not limited. */
  bodyMibPerMinute: number;
}

type Counted = RateLimitRecord | Promise<RateLimitRecord>;
const then = (counted: Counted, next: (record: RateLimitRecord) => Error | null, done: (error?: Error) => void): void => {
  if (!(counted instanceof Promise)) return done(next(counted) ?? undefined);
  counted.then(
    (record) => done(next(record) ?? undefined),
    (error: Error) => done(error),
  );
};

/**
 * Per-user limits on requests and body KiB, in the onRequest hook after authenticateBeforeBody: a
 * refusal costs no body parsing, and a Nest guard cost a fifth of the cached GET's throughput.
 * Bodies count from Content-Length before they are read (docs/api.md, "Limits").
 */
/** What each item of a batch counts against the body budget at least, in KiB. */
export const ITEM_KIB = 1;

export function limitRequests(app: NestFastifyApplication, limits: RateLimits): void {
  const { perMinute, bodyMibPerMinute } = limits;
  if (perMinute === 0 && bodyMibPerMinute === 0) return;
  const storage = app.get(RateLimitStorage);
  const requestPolicy = `${REQUESTS};q=${perMinute};w=${WINDOW_MS / 1000}`;
  const bodyKib = bodyMibPerMinute * 1024;
  const bodyPolicy = `${BODIES};q=${bodyKib};w=${WINDOW_MS / 1000}`;

  const answerRequests = (reply: FastifyReply, counted: RateLimitRecord): Error | null => {
    const headers = {
      'RateLimit-Policy': requestPolicy,
      RateLimit: `${REQUESTS};r=${Math.max(0, perMinute - counted.totalHits)};t=${counted.secondsLeft}`,
    };
    if (counted.isBlocked) return new RateLimitedError({ ...headers, 'Retry-After': String(counted.secondsLeft) });
    void reply.headers(headers);
    return null;
  };
  const answerBodies = (counted: RateLimitRecord): Error | null =>
    counted.isBlocked
      ? new RateLimitedError(
          { 'RateLimit-Policy': bodyPolicy, 'Retry-After': String(counted.secondsLeft) },
          `Too many request bytes: the per-user budget of ${bodyMibPerMinute} MiB of bodies a minute is reached. Retry after the time in Retry-After.`,
        )
      : null;
  const countBody = (user: string, bytes: number, done: (error?: Error) => void) =>
    then(storage.increment(`body:${user}`, WINDOW_MS, bodyKib, Math.ceil(bytes / 1024)), answerBodies, done);

  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => {
    if (!request.user) return done();
    const user = request.user.id;
    const length = Number(request.headers['content-length'] ?? 0);
    const bodies = (error?: Error) => (error || !bodyKib || !length ? done(error) : countBody(user, length, done));
    if (!perMinute) return bodies();
    then(storage.increment(user, WINDOW_MS, perMinute), (record) => answerRequests(reply, record), bodies);
  });
  if (!bodyKib) return;
  fastify.addHook('preValidation', (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void) => {
    if (!request.user || !request.body || typeof request.body !== 'object') return done();
    const announced = request.headers['content-length'];
    const bytes = announced === undefined ? (bodySourceOf(request.body)?.text.length ?? 0) : 0;
    // Each item to store counts at least ITEM_KIB: a row costs the database (its index entries, the
    // search text) whatever its size, so 10,000 tiny items are not nearly free of the budget.
    const items = (request.body as { items?: unknown }).items;
    const rowsKib = Array.isArray(items) ? items.length * ITEM_KIB : 0;
    const extraKib = Math.max(0, rowsKib - Math.ceil((announced === undefined ? bytes : Number(announced)) / 1024));
    if (!bytes && !extraKib) return done();
    countBody(request.user.id, bytes + extraKib * 1024, done);
  });
}
