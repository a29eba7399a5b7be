import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { RedisClient } from '../redis/redis-client.js';
import { OutageLog } from '../common/log-once.js';
import { RedisKeys } from '../redis/keys.js';
import { REDIS_CLIENT } from '../redis/redis.constants.js';

/** One request counted: the user's total in the window, and the seconds until the window ends. */
export interface RateLimitRecord {
  totalHits: number;
  secondsLeft: number;
  isBlocked: boolean;
}

// How often hits counted here are added to the shared counters (one pipeline for all users).
// Every 250 ms: at 100 ms the pipelines of a busy instance (one entry per active user) cost Redis
// and the event loop about a fifth of the cached GET's requests per second in the bench.
export const RATE_SYNC_INTERVAL_MS = 250;
// The last tenth of a user's budget is counted in Redis request by request, so refusals are exact there.
const EXACT_SHARE = 0.1;
// A window's key outlives the window a little, for instances whose clocks run behind.
const KEY_GRACE_MS = 10_000;

interface Counter {
  /** The window's number (epoch ms / ttl) and length. */
  window: number;
  ttl: number;
  /** The user's total in this window as Redis last answered it (every instance's hits); -1 before the first answer. */
  shared: number;
  /** Hits counted here and not yet added in Redis. */
  pending: number;
}

/**
 * One-minute windows per user shared through Redis, counted in process and synced every
 * RATE_SYNC_INTERVAL_MS; a window's first request and the budget's last tenth go to Redis at once,
 * so refusals near the limit are exact (docs/api.md, "Limits"). Redis unreachable: requests pass,
 * since a rate limit must not take the API down with it.
 */
@Injectable()
export class RateLimitStorage implements OnModuleDestroy {
  private readonly counters = new Map<string, Counter>();
  private readonly outage = new OutageLog(
    new Logger('RateLimit'),
    'Rate limit not enforced while Redis is unavailable (requests pass)',
    'Rate limit enforced again',
  );
  private readonly timer: NodeJS.Timeout;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient | null,
    private readonly keys: RedisKeys,
  ) {
    this.timer = setInterval(() => void this.sync(), RATE_SYNC_INTERVAL_MS).unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.sync();
  }

  /**
   * Counts `weight` (one request, or a body's KiB) of `key` in the current window of `ttl` ms.
   * Synchronous on the common path (counted in process); a promise only when it must ask Redis.
   */
  increment(key: string, ttl: number, limit: number, weight = 1): RateLimitRecord | Promise<RateLimitRecord> {
    const now = Date.now();
    const window = Math.floor(now / ttl);
    const secondsLeft = Math.ceil(((window + 1) * ttl - now) / 1000);
    let counter = this.counters.get(key);
    if (counter?.window !== window) this.counters.set(key, (counter = { window, ttl, shared: this.redis ? -1 : 0, pending: 0 }));
    if (counter.shared >= limit) return record(limit + 1, limit, secondsLeft);
    const exactFrom = limit - Math.ceil(limit * EXACT_SHARE);
    if (this.redis && (counter.shared < 0 || counter.shared + counter.pending + weight > exactFrom)) {
      return this.countInRedis(key, counter, limit, secondsLeft, weight);
    }
    counter.pending += weight;
    return record(counter.shared + counter.pending, limit, secondsLeft);
  }

  private async countInRedis(key: string, counter: Counter, limit: number, secondsLeft: number, weight: number): Promise<RateLimitRecord> {
    const redis = this.redis!;
    if (redis.status !== 'ready') return this.failOpen(new Error(`Redis is ${redis.status}`), secondsLeft);
    const hits = this.inFlight(counter, counter.pending + weight);
    try {
      const total = await this.add(redis, counter, key, hits);
      counter.shared = Math.max(counter.shared, total);
      this.outage.recovered();
      return record(total, limit, secondsLeft);
    } catch (error) {
      return this.failOpen(error, secondsLeft);
    }
  }

  /** Adds every counter's pending hits in one pipeline and learns the shared totals; drops past windows. */
  private async sync(): Promise<void> {
    const now = Date.now();
    const due: Array<[string, Counter, number]> = [];
    for (const [key, counter] of this.counters) {
      if ((counter.window + 1) * counter.ttl <= now) this.counters.delete(key);
      else if (counter.pending > 0 && counter.shared >= 0) due.push([key, counter, counter.pending]);
    }
    const redis = this.redis;
    if (!due.length || !redis) return;
    for (const [, counter] of due) this.inFlight(counter, counter.pending);
    if (redis.status !== 'ready') return void this.failOpen(new Error(`Redis is ${redis.status}`));
    const pipeline = redis.pipeline();
    for (const [key, counter, hits] of due) pipeline.hincrby(this.keys.rateLimit(counter.window), key, hits);
    // One expiry per window hash, not one per user.
    for (const window of new Set(due.map(([, counter]) => counter.window))) {
      pipeline.pexpireat(this.keys.rateLimit(window), (window + 1) * due[0][1].ttl + KEY_GRACE_MS);
    }
    try {
      const results = (await pipeline.exec()) ?? [];
      due.forEach(([, counter], n) => {
        const [error, total] = results[n] ?? [new Error('no reply')];
        if (error) throw error;
        counter.shared = Math.max(counter.shared, Number(total));
      });
      this.outage.recovered();
    } catch (error) {
      this.failOpen(error);
    }
  }

  /**
   * Hits on their way to Redis count as shared already, so requests during the round trip see
   * them (Redis's answer can only be higher). An unknown total stays unknown: those requests ask Redis too.
   */
  private inFlight(counter: Counter, hits: number): number {
    counter.pending = 0;
    if (counter.shared >= 0) counter.shared += hits;
    return hits;
  }

  private async add(redis: RedisClient, counter: Counter, key: string, hits: number): Promise<number> {
    const results = (await this.queueAdd(redis.pipeline(), counter, key, hits).exec()) ?? [];
    const [error, total] = results[0] ?? [new Error('no reply')];
    if (error) throw error;
    return Number(total);
  }

  private queueAdd(pipeline: ReturnType<RedisClient['pipeline']>, counter: Counter, key: string, hits: number) {
    const redisKey = this.keys.rateLimit(counter.window);
    return pipeline.hincrby(redisKey, key, hits).pexpireat(redisKey, (counter.window + 1) * counter.ttl + KEY_GRACE_MS);
  }

  /**
   * Redis down: requests pass, uncounted, even a user already over the limit (what this instance
   * knew is forgotten); counting starts again from Redis's total when it is back.
   */
  private failOpen(error: unknown, secondsLeft = 0): RateLimitRecord {
    this.outage.failed(error);
    this.counters.clear();
    return { totalHits: 0, secondsLeft, isBlocked: false };
  }
}

function record(totalHits: number, limit: number, secondsLeft: number): RateLimitRecord {
  return { totalHits, secondsLeft, isBlocked: totalHits > limit };
}
