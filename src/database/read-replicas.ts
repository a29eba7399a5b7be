import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { OutageLog } from '../common/log-once.js';
import { databaseConfig } from '../config/app.config.js';
import { RedisKeys } from '../redis/keys.js';
import { REDIS_CLIENT } from '../redis/redis.constants.js';
import { streamPoolOptions } from './data-source-options.js';
import { maskUrl } from './database-url.js';

// How often each instance asks the primary for its WAL position and each replica for its replay position.
const PROBE_MS = 200;
// A replica not heard from for this long is skipped (it is down, or too slow to answer).
const SILENT_MS = 2000;

/*
 * A user's last write is remembered as the primary's WAL position after its commit, for at least
 * this long; a replica within READ_REPLICA_MAX_LAG_MS has replayed anything older (the TTL is
 * far above any lag bound that is used), so a forgotten position cannot let a stale read through.
 */
const MIN_REMEMBER_MS = 60_000;

// Keeps the greater of two positions (16 hex digits each, so strings compare as numbers).
const KEEP_GREATER = `
local current = redis.call('GET', KEYS[1])
if current and current >= ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

/** A WAL position ("16/B374D848") as 16 hex digits, comparable as a string. */
export function lsnKey(lsn: string): string {
  const [high, low] = lsn.split('/');
  return high.padStart(8, '0').toUpperCase() + low.padStart(8, '0').toUpperCase();
}

interface Replica {
  readonly name: string;
  readonly pool: pg.Pool;
  /** its replay position at the last probe (only moves forward), as lsnKey; null until known */
  replayed: string | null;
  /** when the last probe answered (ms) */
  heardAt: number;
}

/**
 * Read replicas (DATABASE_READ_URL) for lists, history pages and searches. A user's reads go to a
 * replica only once it has replayed past the WAL position of their last write (read-your-writes);
 * a lagging, silent or failing replica is skipped. docs/operations.md, "Read replicas".
 */
@Injectable()
export class ReadReplicas implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ReadReplicas.name);
  private readonly outage = new OutageLog(this.logger, 'read replica unavailable', 'read replicas answer again');
  private readonly replicas: Replica[];
  private readonly maxLagMs: number;
  private readonly rememberMs: number;
  /** The primary's positions as probed, oldest first, for the last maxLag + a few seconds. */
  private readonly primary: Array<{ at: number; lsn: string }> = [];
  /** This instance's own users' last positions, for while Redis cannot be asked. */
  private readonly recent = new Map<string, string>();
  /** Until when this instance reads only from the primary (a position it could not record). */
  private primaryOnlyUntil = 0;
  private timer: NodeJS.Timeout | null = null;
  private next = 0;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(REDIS_CLIENT) private readonly redis: Redis | null,
    private readonly keys: RedisKeys,
    @Inject(databaseConfig.KEY) database: ConfigType<typeof databaseConfig>,
  ) {
    this.maxLagMs = database.replicaMaxLagMs;
    this.rememberMs = Math.max(MIN_REMEMBER_MS, 10 * database.replicaMaxLagMs);
    const size = Math.max(1, Math.floor(database.poolSize / 2));
    this.replicas = (redis ? database.readUrls : []).map((url) => {
      const pool = new pg.Pool(streamPoolOptions(url, size, database.timeouts));
      pool.on('error', () => undefined); // a broken idle connection: the next checkout opens another
      return { name: maskUrl(url), pool, replayed: null, heardAt: 0 };
    });
    if (database.readUrls.length && !redis) this.logger.warn('DATABASE_READ_URL is ignored without Redis: every read goes to the primary');
  }

  get enabled(): boolean {
    return this.replicas.length > 0;
  }

  onModuleInit(): void {
    if (!this.enabled) return;
    this.timer = setInterval(() => void this.probe(), PROBE_MS);
    this.timer.unref();
    void this.probe();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all(this.replicas.map((replica) => replica.pool.end().catch(() => undefined)));
  }

  /**
   * After a commit, before it is answered: these users' reads must see it. Costs one statement on
   * the primary and one Redis command per user, only when replicas are configured.
   */
  async wrote(userIds: string[]): Promise<void> {
    if (!this.enabled || userIds.length === 0) return;
    const users = [...new Set(userIds)];
    try {
      const position = await this.primaryPosition();
      for (const user of users) this.remember(user, position);
      const pipeline = this.redis!.pipeline();
      for (const user of users) pipeline.eval(KEEP_GREATER, 1, this.keys.writtenLsn(user), position, this.rememberMs);
      const results = (await pipeline.exec()) ?? [];
      const failure = results.find(([error]) => error)?.[0];
      if (failure) throw failure;
    } catch (error) {
      // Another instance could not know of this write: none reads from a replica here for a while,
      // and the others' reads of these users are covered only once Redis has the position.
      this.primaryOnlyUntil = Date.now() + this.rememberMs;
      this.logger.warn(
        `a write's position was not recorded (${(error as Error).message}): reads go to the primary for ${this.rememberMs} ms`,
      );
    }
  }

  /**
   * Runs `read` on a replica that may serve `userId` (with its pool), or on the primary (no pool).
   * A replica that fails the read is skipped and the primary answers.
   */
  async read<T>(userId: string, read: (pool?: pg.Pool) => Promise<T>): Promise<{ result: T; fromReplica: boolean }> {
    const replica = await this.pick(userId);
    if (replica) {
      try {
        return { result: await read(replica.pool), fromReplica: true };
      } catch (error) {
        replica.heardAt = 0;
        this.outage.failed(error);
      }
    }
    return { result: await read(), fromReplica: false };
  }

  private async pick(userId: string): Promise<Replica | null> {
    if (!this.enabled || Date.now() < this.primaryOnlyUntil) return null;
    const now = Date.now();
    const fresh = this.replicas.filter((replica) => replica.replayed !== null && now - replica.heardAt <= SILENT_MS);
    const within = fresh.filter((replica) => this.lagMs(replica.replayed!, now) <= this.maxLagMs);
    if (!within.length) return null;
    let written: string | null;
    try {
      written = await this.redis!.get(this.keys.writtenLsn(userId));
    } catch {
      return null; // the user's last write cannot be known
    }
    const mine = this.recent.get(userId);
    if (mine && (!written || mine > written)) written = mine;
    const caughtUp = written ? within.filter((replica) => replica.replayed! >= written) : within;
    if (!caughtUp.length) return null;
    return caughtUp[this.next++ % caughtUp.length];
  }

  /**
   * How far behind the primary a replay position is: 0 when it has what the primary had at the
   * last probe, else the time since the primary first held a position past it (its probe's start,
   * so the figure errs high).
   */
  private lagMs(replayed: string, now: number): number {
    const passed = this.primary.find((sample) => sample.lsn > replayed);
    return passed ? now - passed.at : 0;
  }

  /** The primary's WAL position now (after every commit answered so far), as lsnKey. */
  private async primaryPosition(): Promise<string> {
    const [{ lsn }] = await this.db.query<Array<{ lsn: string }>>(`SELECT pg_current_wal_lsn()::text AS lsn`);
    return lsnKey(lsn);
  }

  private remember(userId: string, position: string): void {
    const known = this.recent.get(userId);
    if (!known || known < position) this.recent.set(userId, position);
  }

  private async probe(): Promise<void> {
    const at = Date.now();
    try {
      this.primary.push({ at, lsn: await this.primaryPosition() });
    } catch {
      // The primary is away: its last positions still bound the replicas' lag.
    }
    const keepFrom = at - this.maxLagMs - 5000;
    while (this.primary.length > 1 && this.primary[0].at < keepFrom) this.primary.shift();
    if (this.recent.size > 100_000) this.recent.clear(); // bounded; Redis holds the positions too
    await Promise.all(
      this.replicas.map(async (replica) => {
        try {
          const { rows } = await replica.pool.query<{ standby: boolean; replayed: string | null }>(
            `SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn()::text AS replayed`,
          );
          // A server that is not (or no longer) a standby is no replica of this primary.
          if (!rows[0].standby || !rows[0].replayed) throw new Error(`${replica.name} is not a standby`);
          const replayed = lsnKey(rows[0].replayed);
          if (!replica.replayed || replayed > replica.replayed) replica.replayed = replayed;
          replica.heardAt = Date.now();
          this.outage.recovered();
        } catch (error) {
          replica.heardAt = 0;
          this.outage.failed(error);
        }
      }),
    );
  }
}
