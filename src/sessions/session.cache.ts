import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { redisConfig } from '../config/app.config.js';
import { type RedisClient, singleServer } from '../redis/redis-client.js';
import { ReplicaWait } from '../redis/replica-wait.js';
import { JsonText } from '../common/json-text.js';
import { KeyInvalidations } from '../redis/key-invalidations.js';
import { RedisKeys, SESSION_KEY_PREFIX, sessionIdOfKey, TOMBSTONE_TTL_SECONDS } from '../redis/keys.js';
import { REDIS_CLIENT } from '../redis/redis.constants.js';
import { SessionNearCache } from './session-near.cache.js';
import { type Session, SESSION_DATE_FIELDS } from './session.columns.js';

const TOMBSTONE = `${2 ** 31 - 1}|null`;
const DROP_RETRY_MS = 100;

/** Another cache holding keys per session (live progress, history tails): purged and listed with the session's own. */
export interface SessionKeyOwner {
  keysOf(id: string): string[];
  purge(ids: string[]): Promise<void>;
}

/** Injection token of the other key owners: the list is put together in src/session-listeners.module.ts. */
export const SESSION_KEY_OWNERS = Symbol('SESSION_KEY_OWNERS');

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

/**
 * The cache's totals, a provider of their own: /metrics reads them without depending on the cache,
 * whose key owners (live progress) count their own failures in /metrics.
 */
@Injectable()
export class SessionCacheStats {
  hits = 0;
  /** of the hits, those answered by the in-process copy */
  nearHits = 0;
  misses = 0;
  errors = 0;
}

/**
 * The sessions' write-through cache. Only this class speaks Redis for sessions. Reads first try
 * an in-process copy that Redis's key-change announcements keep exact (SessionNearCache): a
 * cached GET then costs no round trip, which is most of what it cost (see docs/speed.md).
 */
@Injectable()
export class SessionCache implements OnApplicationShutdown {
  private readonly logger = new Logger(SessionCache.name);
  /*
   * Sessions whose committed write could not reach the cache: the copy Redis holds may be older.
   * They are read from PostgreSQL until a set succeeds (the newer version then wins the CAS),
   * and their keys are dropped as soon as Redis is back.
   */
  private readonly unsynced = new Set<string>();
  private readonly near = new SessionNearCache();
  private readonly invalidations: KeyInvalidations | null;
  private readonly replicas: ReplicaWait | null;
  // On a cluster: its client stays 'ready' while a master is replaced, so drops are retried on a timer.
  private readonly cluster: boolean;
  private dropRetry: NodeJS.Timeout | null = null;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient | null,
    private readonly keys: RedisKeys,
    @Inject(redisConfig.KEY) config: ConfigType<typeof redisConfig>,
    readonly stats: SessionCacheStats,
    // Each purged and listed with the session's key (purge, keysOf).
    @Inject(SESSION_KEY_OWNERS) private readonly others: SessionKeyOwner[],
  ) {
    redis?.on('ready', () => void this.dropUnsynced());
    this.replicas = redis && new ReplicaWait(redis, config.replicaWaitMs);
    // On a cluster there is no in-process copy: tracking would need a subscriber per node, kept
    // through failovers, and a missed announcement would serve a stale session.
    const server = singleServer(redis);
    this.cluster = redis !== null && server === null;
    this.invalidations = server
      ? new KeyInvalidations(server, SESSION_KEY_PREFIX, (keys) => this.near.invalidate(keys && keys.map(sessionIdOfKey)))
      : null;
  }

  onApplicationShutdown(): void {
    if (this.dropRetry) clearTimeout(this.dropRetry);
    this.invalidations?.close();
  }

  /** Every key the service may hold for a session, this cache's first. */
  keysOf(id: string): string[] {
    return [this.keys.session(id), ...this.others.flatMap((owner) => owner.keysOf(id))];
  }

  async get(id: string): Promise<Session | null> {
    if (!this.redis || this.unsynced.has(id)) return null;
    const near = await this.nearCopy(id);
    if (near) {
      this.stats.hits++;
      this.stats.nearHits++;
      return near;
    }
    const ticket = this.near.ticket(id);
    try {
      const raw = await this.redis.get(this.keys.session(id));
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

  async set(session: Session): Promise<void> {
    if (!this.redis) return;
    // At once, not when Redis announces it: this instance's next read must see its own write.
    this.near.invalidate([session.id]);
    try {
      const key = this.keys.session(session.id);
      // Not on a replica (a cluster's master that dies now would take it along): read from PostgreSQL here.
      if (await this.replicas!.evalReplicated(SET_IF_NEWER, key, session.version, this.encode(session), this.keys.ttlSeconds))
        this.unsynced.delete(session.id);
      else this.unsynced.add(session.id);
    } catch (error) {
      this.unsynced.add(session.id);
      this.failed('set', error);
      this.retryDrops();
    }
  }

  /**
   * PostgreSQL may hold newer rows than these copies (a write whose outcome is unknown): they are
   * dropped, and read from PostgreSQL until a set succeeds if Redis cannot drop them now.
   */
  async drop(ids: string[]): Promise<void> {
    if (!this.redis || ids.length === 0) return;
    this.near.invalidate(ids);
    for (const id of ids) this.unsynced.add(id);
    await this.dropUnsynced();
  }

  /**
   * The in-process copy, if announcements are flowing and none for this key is pending. Redis
   * queues the announcement while it runs the writer's command, so it leaves Redis with the
   * writer's reply at the latest, hops before the writer's client can ask this instance; the
   * request yields once so that an announcement already received is handled before answering.
   */
  private async nearCopy(id: string): Promise<Session | undefined> {
    if (!this.invalidations?.active || !this.near.get(id)) return undefined;
    await new Promise((resolve) => setImmediate(resolve));
    return this.invalidations.active ? this.near.get(id) : undefined;
  }

  private async dropUnsynced(): Promise<void> {
    const ids = [...this.unsynced];
    if (ids.length === 0) return;
    try {
      // One DEL per key: each session's key sits in its own slot on a cluster.
      await Promise.all(ids.map((id) => this.redis!.del(this.keys.session(id))));
      for (const id of ids) this.unsynced.delete(id);
    } catch (error) {
      this.failed('delete', error);
      this.retryDrops();
    }
  }

  /**
   * A cluster's master that died with a copy older than PostgreSQL's row may be replaced by its
   * replica holding that copy, which every instance would then read: the drop is retried until it
   * lands on the promoted replica, so the stale copy lives no longer than the promotion plus one retry.
   */
  private retryDrops(): void {
    if (!this.cluster || this.dropRetry) return;
    this.dropRetry = setTimeout(() => {
      this.dropRetry = null;
      void this.dropUnsynced();
    }, DROP_RETRY_MS).unref();
  }

  /**
   * Removes every key of these sessions, for sessions whose rows are gone for good. The session key
   * becomes a short-lived tombstone of the highest version instead of disappearing: a reader that
   * loaded the row just before it was deleted cannot put it back (its set loses the CAS). The
   * other caches then remove their own keys.
   */
  async purge(ids: string[]): Promise<void> {
    if (!this.redis || ids.length === 0) return;
    this.near.invalidate(ids);
    try {
      // One SET per key (sent at once): on a cluster the sessions' keys lie in different slots.
      const redis = this.redis;
      await Promise.all(ids.map((id) => redis.set(this.keys.session(id), TOMBSTONE, 'EX', TOMBSTONE_TTL_SECONDS)));
    } catch (error) {
      this.failed('purge', error);
    }
    for (const owner of this.others) await owner.purge(ids);
  }

  // The free-form values travel as their exact text (a JSON string), never as parsed objects.
  private encode(session: Session): string {
    return JSON.stringify({ ...session, context: session.context.text, metadata: session.metadata.text });
  }

  private decode(json: string): Session {
    const session = JSON.parse(json);
    for (const field of SESSION_DATE_FIELDS) if (session[field]) session[field] = new Date(session[field]);
    // A copy cached before the texts were (objects, from jsonb) is written as JSON.stringify does.
    for (const field of ['context', 'metadata'] as const)
      session[field] = typeof session[field] === 'string' ? new JsonText(session[field]) : JsonText.of(session[field]);
    return session;
  }

  // A cache failure is counted and logged, never returned: PostgreSQL answers instead.
  private failed(operation: string, error: unknown): void {
    this.stats.errors++;
    this.logger.warn(`cache ${operation} failed: ${(error as Error).message}`);
  }
}
