import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { RedisClient } from '../redis/redis-client.js';
import { TooManyStreamsError } from '../common/domain-error.js';
import { OutageLog } from '../common/log-once.js';
import { PeriodicSweep } from '../common/periodic-sweep.js';
import { eventsConfig } from '../config/app.config.js';
import { RedisKeys } from '../redis/keys.js';
import { REDIS_CLIENT } from '../redis/redis.constants.js';

// An entry not renewed within this is gone: an instance that died frees its users' slots by then.
export const STREAM_ENTRY_TTL_MS = 30_000;
const RENEW_EVERY_MS = 10_000;

/*
 * Redis's clock for every expiry, so instances' clocks do not matter. TAKE drops the entries past
 * their time, then adds one if fewer than the limit remain (1), else nothing (0). RENEW pushes the
 * given entries' time on (adding any Redis lost, e.g. taken while it was away).
 * KEYS: the user's set. ARGV: entry ttl ms, then the limit and the entry (TAKE) or the entries (RENEW).
 */
const NOW_MS = `local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local ttl = tonumber(ARGV[1])`;
const TAKE = `${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ms + ttl, ARGV[3])
redis.call('PEXPIRE', KEYS[1], ttl)
return 1`;
const RENEW = `${NOW_MS}
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], ms + ttl, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ttl)
return 0`;

type Scripts = Record<'takeStreamSlot' | 'renewStreamSlots', (key: string, ...args: (string | number)[]) => Promise<number>>;

/** Frees a slot; calling it again does nothing. */
export type ReleaseSlot = () => void;

/**
 * MAX_STREAMS_PER_USER, counted over every instance: each open stream is an entry in its user's
 * sorted set in Redis, scored with the time it lapses and renewed by its instance while it is open,
 * so a crashed instance's entries lapse on their own. Each instance also counts its own streams,
 * which is all that holds while Redis cannot be reached. The only class that touches those keys.
 */
@Injectable()
export class StreamSlots implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(StreamSlots.name);
  private readonly outage = new OutageLog(this.logger, 'stream slots counted per instance only', 'stream slots counted in Redis again');
  private readonly renewal = new PeriodicSweep<never>(this.logger, 'stream slot renewal', () => this.renew());
  /** This instance's open streams: user → entry ids. */
  private readonly mine = new Map<string, Set<string>>();
  /** Entries whose TAKE has not answered: not renewed, or a refused one could come back. */
  private readonly pending = new Set<string>();
  private readonly limit: number;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient | null,
    private readonly keys: RedisKeys,
    @Inject(eventsConfig.KEY) config: ConfigType<typeof eventsConfig>,
  ) {
    this.limit = config.maxStreamsPerUser;
    this.redis?.defineCommand('takeStreamSlot', { numberOfKeys: 1, lua: TAKE });
    this.redis?.defineCommand('renewStreamSlots', { numberOfKeys: 1, lua: RENEW });
  }

  onModuleInit(): void {
    this.renewal.start(RENEW_EVERY_MS);
  }

  onModuleDestroy(): void {
    this.renewal.stop();
  }

  /** A slot for one more stream of the user, or TOO_MANY_STREAMS. */
  async acquire(userId: string): Promise<ReleaseSlot> {
    const entries = this.mine.get(userId) ?? new Set<string>();
    if (entries.size >= this.limit) throw new TooManyStreamsError(this.limit);
    // Counted here before Redis answers: two requests at once on this instance cannot both pass.
    const entry = randomUUID();
    this.mine.set(userId, entries.add(entry));
    this.pending.add(entry);
    let taken = true;
    try {
      if (this.redis)
        taken = (await this.scripts.takeStreamSlot(this.keys.eventStreams(userId), STREAM_ENTRY_TTL_MS, this.limit, entry)) === 1;
      this.outage.recovered();
    } catch (error) {
      this.outage.failed(error); // per instance only, until Redis answers again
    } finally {
      this.pending.delete(entry);
    }
    if (!taken) {
      this.forget(userId, entry);
      throw new TooManyStreamsError(this.limit);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.forget(userId, entry);
      // Not removed (Redis away): the entry lapses within STREAM_ENTRY_TTL_MS, no longer renewed.
      this.redis?.zrem(this.keys.eventStreams(userId), entry).catch((error: unknown) => this.outage.failed(error));
    };
  }

  private get scripts(): Scripts {
    return this.redis as unknown as Scripts;
  }

  private forget(userId: string, entry: string): void {
    const entries = this.mine.get(userId);
    entries?.delete(entry);
    if (entries?.size === 0) this.mine.delete(userId);
  }

  private async renew(): Promise<void> {
    if (!this.redis || this.mine.size === 0) return;
    const renewals: Promise<number>[] = [];
    for (const [userId, entries] of this.mine) {
      const held = [...entries].filter((entry) => !this.pending.has(entry));
      if (held.length) renewals.push(this.scripts.renewStreamSlots(this.keys.eventStreams(userId), STREAM_ENTRY_TTL_MS, ...held));
    }
    const failed = (await Promise.allSettled(renewals)).find((result) => result.status === 'rejected');
    if (failed) this.outage.failed(failed.reason);
    else this.outage.recovered();
  }
}
