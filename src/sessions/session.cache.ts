import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { Redis } from 'ioredis';
import { controlConfig, redisConfig } from '../config/app.config.js';
import { KeyInvalidations } from '../redis/key-invalidations.js';
import { REDIS_CLIENT } from '../redis/redis.constants.js';
import { SessionNearCache } from './session-near-cache.js';
import { liveKeyPrefix } from './session-live.cache.js';
import { SessionEntity } from './session.entity.js';

export const SESSION_KEY_PREFIX = 'session:';
// Outlives any read that could still be refilling a purged session (queries time out at 15 s).
const TOMBSTONE_TTL_SECONDS = 300;
const TOMBSTONE = `${2 ** 31 - 1}|null`;
const DATE_FIELDS = ['createdAt', 'updatedAt', 'startedAt', 'endedAt', 'lastActivityAt', 'expiresAt'] as const;

/*
 * Compare-and-set by version: a copy is stored only if it is at least as new as the cached one.
 * Without it a slow reader refilling the cache with version 3 could overwrite a writer's version 4.
 * Stored as "<version>|<json>" so the script can compare without decoding JSON.
 */
const SET_IF_NEWER = `
local current = redis.call('GET', KEYS[1])
if current then
  local cached = tonumber(string.match(current, '^(%d+)|'))
  if cached and cached > tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'EX', ARGV[3])
return 1`;

export interface CacheStats {
  hits: number;
  /** of the hits, those answered by the in-process copy */
  nearHits: number;
  misses: number;
  errors: number;
}

/**
 * The sessions' write-through cache. Only this class speaks Redis for sessions. Reads first try
 * an in-process copy that Redis's key-change announcements keep exact (SessionNearCache): a
 * cached GET then costs no round trip, which is most of what it cost (see README, Speed).
 */
@Injectable()
export class SessionCache implements OnApplicationShutdown {
  private readonly logger = new Logger(SessionCache.name);
  readonly stats: CacheStats = { hits: 0, nearHits: 0, misses: 0, errors: 0 };
  /*
   * Sessions whose committed write could not reach the cache: the copy Redis holds may be older.
   * They are read from PostgreSQL until a set succeeds (the newer version then wins the CAS),
   * and their keys are dropped as soon as Redis is back.
   */
  private readonly unsynced = new Set<string>();
  private readonly otherPrefixes: string[];
  private readonly near = new SessionNearCache();
  private readonly invalidations: KeyInvalidations | null;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis | null,
    @Inject(redisConfig.KEY) private readonly config: ConfigType<typeof redisConfig>,
    @Inject(controlConfig.KEY) control: ConfigType<typeof controlConfig>,
  ) {
    // Every other per-session key, removed by purge(): a feature adding keys adds its prefix here.
    this.otherPrefixes = [liveKeyPrefix(control.keyPrefix)];
    redis?.on('ready', () => void this.dropUnsynced());
    this.invalidations = redis
      ? new KeyInvalidations(redis, SESSION_KEY_PREFIX, (keys) => this.near.invalidate(keys && keys.map((key) => key.slice(SESSION_KEY_PREFIX.length))))
      : null;
  }

  onApplicationShutdown(): void {
    this.invalidations?.close();
  }

  key(id: string): string {
    return SESSION_KEY_PREFIX + id;
  }

  /** Every key this service may hold for a session. */
  keysOf(id: string): string[] {
    return [this.key(id), ...this.otherPrefixes.map((prefix) => prefix + id)];
  }

  async get(id: string): Promise<SessionEntity | null> {
    if (!this.redis || this.unsynced.has(id)) return null;
    const near = await this.nearCopy(id);
    if (near) {
      this.stats.hits++;
      this.stats.nearHits++;
      return near;
    }
    const ticket = this.near.ticket(id);
    try {
      const raw = await this.redis.get(this.key(id));
      if (!raw) {
        this.stats.misses++;
        return null;
      }
      const json = raw.slice(raw.indexOf('|') + 1);
      if (json === 'null') {
        this.stats.misses++; // a tombstone: the row is gone, PostgreSQL will say so
        return null;
      }
      this.stats.hits++;
      const session = this.decode(json);
      if (this.invalidations?.active) this.near.fill(session, ticket);
      return session;
    } catch (error) {
      this.failed('get', error);
      return null;
    }
  }

  async set(session: SessionEntity): Promise<void> {
    if (!this.redis) return;
    // At once, not when Redis announces it: this instance's next read must see its own write.
    this.near.invalidate([session.id]);
    try {
      await this.redis.eval(SET_IF_NEWER, 1, this.key(session.id), session.version, JSON.stringify(session), this.config.cacheTtlSeconds);
      this.unsynced.delete(session.id);
    } catch (error) {
      this.unsynced.add(session.id);
      this.failed('set', error);
    }
  }

  /**
   * The in-process copy, if announcements are flowing and none for this key is pending. Redis
   * queues the announcement while it runs the writer's command, so it leaves Redis with the
   * writer's reply at the latest, hops before the writer's client can ask this instance; the
   * request yields once so that an announcement already received is handled before answering.
   */
  private async nearCopy(id: string): Promise<SessionEntity | undefined> {
    if (!this.invalidations?.active || !this.near.get(id)) return undefined;
    await new Promise((resolve) => setImmediate(resolve));
    return this.invalidations.active ? this.near.get(id) : undefined;
  }

  private async dropUnsynced(): Promise<void> {
    const ids = [...this.unsynced];
    if (ids.length === 0) return;
    try {
      await this.redis!.del(...ids.map((id) => this.key(id)));
      for (const id of ids) this.unsynced.delete(id);
    } catch (error) {
      this.failed('delete', error);
    }
  }

  /**
   * Removes every key of these sessions, for sessions whose rows are gone for good. The session key
   * becomes a short-lived tombstone of the highest version instead of disappearing: a reader that
   * loaded the row just before it was deleted cannot put it back (its set loses the CAS).
   */
  async purge(ids: string[]): Promise<void> {
    if (!this.redis || ids.length === 0) return;
    this.near.invalidate(ids);
    try {
      const pipeline = this.redis.pipeline();
      for (const id of ids) pipeline.set(this.key(id), TOMBSTONE, 'EX', TOMBSTONE_TTL_SECONDS);
      // UNLINK frees the values off Redis's main thread, so a batch of keys never stalls other clients.
      const others = ids.flatMap((id) => this.otherPrefixes.map((prefix) => prefix + id));
      if (others.length) pipeline.unlink(...others);
      const results = (await pipeline.exec()) ?? [];
      const failure = results.find(([error]) => error)?.[0];
      if (failure) throw failure;
    } catch (error) {
      this.failed('purge', error);
    }
  }

  private decode(json: string): SessionEntity {
    const session = Object.assign(new SessionEntity(), JSON.parse(json));
    for (const field of DATE_FIELDS) if (session[field]) session[field] = new Date(session[field]);
    return session;
  }

  // A cache failure is counted and logged, never returned: PostgreSQL answers instead.
  private failed(operation: string, error: unknown): void {
    this.stats.errors++;
    this.logger.warn(`cache ${operation} failed: ${(error as Error).message}`);
  }
}
