import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { Redis } from 'ioredis';
import { controlConfig, redisConfig } from '../config/app.config.js';
import { REDIS_CLIENT } from '../redis/redis.constants.js';
import { SessionEntity } from './session.entity.js';

/** The live progress of a running session, as Redis holds it: absolute values and a revision. */
export interface LiveProgress {
  open: boolean;
  phase: string | null;
  roundNumber: number;
  totalCost: number;
  rev: number;
  at: Date;
}

export interface ProgressUpdate {
  phase?: string;
  roundNumber?: number;
  costDelta?: number;
}

/** recorded; closed (the session left running); missing (never opened, or Redis lost it); unavailable. */
export type RecordOutcome = 'recorded' | 'closed' | 'missing' | 'unavailable';

/** The live-progress keys' prefix under a CONTROL_KEY_PREFIX: `<prefix>:live:<session id>`. */
export const liveKeyPrefix = (keyPrefix: string): string => `${keyPrefix}:live:`;

// A closed hash only has to outlive the requests that raced the status change.
const CLOSED_TTL_SECONDS = 60;

// Only an open hash takes progress, so nothing is recorded once a status change has closed it.
const RECORD = `
local open = redis.call('HGET', KEYS[1], 'open')
if open == false then return 0 end
if open ~= '1' then return -1 end
if ARGV[1] ~= '' then redis.call('HSET', KEYS[1], 'phase', ARGV[1]) end
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'roundNumber', ARGV[2]) end
redis.call('HINCRBYFLOAT', KEYS[1], 'totalCost', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'rev', 1)
redis.call('HSET', KEYS[1], 'at', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('SADD', KEYS[2], ARGV[6])
redis.call('EXPIRE', KEYS[2], ARGV[5])
return 1`;

// Seeds from PostgreSQL only when nothing is there: two seeders never reset each other's progress.
const OPEN = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'open', '1', 'phase', ARGV[1], 'roundNumber', ARGV[2], 'totalCost', ARGV[3], 'rev', ARGV[4], 'at', ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[6])
return 1`;

// Returns what an open hash held and closes it in one step, so the snapshot is final.
const CLOSE = `
if redis.call('HGET', KEYS[1], 'open') ~= '1' then return {} end
redis.call('HSET', KEYS[1], 'open', '0')
redis.call('EXPIRE', KEYS[1], ARGV[1])
return redis.call('HGETALL', KEYS[1])`;

// KEYS[1] the dirty set, KEYS[2..] the hashes; ARGV pairs of (id, rev flushed).
const SETTLE = `
for i = 2, #KEYS do
  local rev = tonumber(redis.call('HGET', KEYS[i], 'rev') or '0')
  if rev <= tonumber(ARGV[(i - 1) * 2]) then redis.call('SREM', KEYS[1], ARGV[(i - 1) * 2 - 1]) end
end
return 1`;

const REOPEN = `
if redis.call('HGET', KEYS[1], 'open') ~= '0' then return 0 end
redis.call('HSET', KEYS[1], 'open', '1')
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1`;

/**
 * The live half of a session's cache: progress of running sessions lands here first (an atomic
 * Lua step per update) and reaches PostgreSQL through the control plane's flush. Every key carries
 * a TTL of at most SESSION_CACHE_TTL_SECONDS. Failures are logged, never thrown.
 */
@Injectable()
export class SessionLiveCache {
  private readonly logger = new Logger(SessionLiveCache.name);
  private readonly prefix: string;
  private healthy = true;
  errors = 0;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis | null,
    @Inject(redisConfig.KEY) private readonly config: ConfigType<typeof redisConfig>,
    @Inject(controlConfig.KEY) control: ConfigType<typeof controlConfig>,
  ) {
    this.prefix = liveKeyPrefix(control.keyPrefix);
  }

  get available(): boolean {
    return this.redis !== null;
  }

  key(id: string): string {
    return this.prefix + id;
  }

  async open(session: SessionEntity): Promise<void> {
    const args = [session.phase ?? '', session.roundNumber, session.totalCost, session.liveRev, Date.now(), this.config.cacheTtlSeconds];
    await this.attempt('open', () => this.redis!.eval(OPEN, 1, this.key(session.id), ...args));
  }

  async record(id: string, update: ProgressUpdate): Promise<RecordOutcome> {
    const args = [update.phase ?? '', update.roundNumber ?? '', update.costDelta ?? 0, Date.now(), this.config.cacheTtlSeconds, id];
    const result = await this.attempt('record', () => this.redis!.eval(RECORD, 2, this.key(id), this.dirtyKey(), ...args));
    if (result === undefined) return 'unavailable';
    return result === 1 ? 'recorded' : result === -1 ? 'closed' : 'missing';
  }

  /** Closes an open hash and returns its final state; null when none was open (or Redis is away). */
  async close(id: string): Promise<LiveProgress | null> {
    const ttl = Math.min(CLOSED_TTL_SECONDS, this.config.cacheTtlSeconds);
    const flat = await this.attempt('close', () => this.redis!.eval(CLOSE, 1, this.key(id), ttl));
    return Array.isArray(flat) && flat.length ? decode(toHash(flat as string[])) : null;
  }

  /** Undoes close() when the status change it prepared did not happen after all. */
  async reopen(id: string): Promise<void> {
    await this.attempt('reopen', () => this.redis!.eval(REOPEN, 1, this.key(id), this.config.cacheTtlSeconds));
  }

  /** The live progress of these sessions; null when Redis could not be asked. */
  async getMany(ids: string[]): Promise<Map<string, LiveProgress> | null> {
    const found = new Map<string, LiveProgress>();
    if (!ids.length) return found;
    const results = await this.attempt('get', () => {
      const pipeline = this.redis!.pipeline();
      for (const id of ids) pipeline.hgetall(this.key(id));
      return pipeline.exec();
    });
    if (!results) return null;
    results.forEach(([error, hash], index) => {
      if (!error && hash && Object.keys(hash).length) found.set(ids[index], decode(hash as Record<string, string>));
    });
    return found;
  }


  /** The session with its live progress laid over it, when Redis holds a newer revision. */
  async overlay(sessions: SessionEntity[]): Promise<SessionEntity[]> {
    const running = sessions.filter((session) => session.status === 'running').map((session) => session.id);
    const live = (await this.getMany(running)) ?? new Map<string, LiveProgress>();
    return sessions.map((session) => {
      const progress = live.get(session.id);
      if (!progress || progress.rev <= session.liveRev) return session;
      const lastActivityAt = progress.at > session.lastActivityAt ? progress.at : session.lastActivityAt;
      const { phase, roundNumber, totalCost } = progress;
      return Object.assign(new SessionEntity(), session, { phase, roundNumber, totalCost, lastActivityAt });
    });
  }

  /** Claims up to `count` sessions with unflushed progress; SPOP hands each to one instance only. */
  /**
   * Some sessions with progress not yet in PostgreSQL. Read, not popped: an id leaves the set only
   * through settle(), after its progress was written, so a failed reply or flush loses nothing.
   */
  async peekDirty(count: number): Promise<string[]> {
    return (await this.attempt('peek', () => this.redis!.srandmember(this.dirtyKey(), count))) ?? [];
  }

  /** After a flush: each id leaves the dirty set unless newer progress (a higher rev) arrived meanwhile. */
  async settle(flushed: Array<{ id: string; rev: number }>): Promise<void> {
    if (!flushed.length) return;
    const keys = flushed.map(({ id }) => this.key(id));
    const args = flushed.flatMap(({ id, rev }) => [id, rev]);
    await this.attempt('settle', () => this.redis!.eval(SETTLE, keys.length + 1, this.dirtyKey(), ...keys, ...args));
  }

  private dirtyKey(): string {
    return `${this.prefix}-dirty`;
  }

  private async attempt<T>(operation: string, run: () => Promise<T>): Promise<T | undefined> {
    if (!this.redis) return undefined;
    try {
      const result = await run();
      this.healthy = true;
      return result;
    } catch (error) {
      // Counted every time, logged once per outage: the flush alone would log every 2 s.
      this.errors++;
      if (this.healthy) this.logger.warn(`live progress ${operation} failed: ${(error as Error).message}`);
      this.healthy = false;
      return undefined;
    }
  }
}

function toHash(flat: string[]): Record<string, string> {
  const hash: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) hash[flat[i]] = flat[i + 1];
  return hash;
}

function decode(hash: Record<string, string>): LiveProgress {
  return {
    open: hash.open === '1',
    phase: hash.phase || null,
    roundNumber: Number(hash.roundNumber ?? 0),
    // HINCRBYFLOAT sums binary floats; PostgreSQL keeps six decimals, so does the live view.
    totalCost: Math.round(Number(hash.totalCost ?? 0) * 1e6) / 1e6,
    rev: Number(hash.rev ?? 0),
    at: new Date(Number(hash.at ?? 0)),
  };
}
