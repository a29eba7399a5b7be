import { Inject, Injectable, Logger } from '@nestjs/common';
import type { RedisClient } from '../../redis/redis-client.js';
import type { Counter } from 'prom-client';
import { OutageLog } from '../../common/log-once.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { RedisKeys } from '../../redis/keys.js';
import { REDIS_CLIENT } from '../../redis/redis.constants.js';
import type { SessionKeyOwner } from '../../sessions/session.cache.js';
import type { Session } from '../../sessions/session.columns.js';
import { MAX_TOTAL_COST } from '../../sessions/progress-bounds.js';
import { RUNNING } from '../../sessions/session-status.js';
import type { ProgressUpdate } from '../../sessions/session-write.types.js';
import type { SessionOverlay } from '../../sessions/sessions.service.js';
import { CLOSE, OPEN, RECORD, REOPEN, SETTLE } from './live-progress.scripts.js';

/** The live progress of a running session, as Redis holds it: absolute values and a revision. */
export interface LiveProgress {
  open: boolean;
  phase: string | null;
  roundNumber: number;
  totalCost: number;
  rev: number;
  at: Date;
}

/**
 * recorded; closed (the session left running); over-limit (the cost would pass MAX_TOTAL_COST,
 * nothing changed); missing (never opened, or Redis lost it); unavailable.
 */
export type RecordOutcome = 'recorded' | 'closed' | 'over-limit' | 'missing' | 'unavailable';

// HINCRBYFLOAT sums binary floats: a total that rounds to the ceiling at six decimals is at it.
const COST_CEILING = String(MAX_TOTAL_COST + 5e-7);

/**
 * Progress of running sessions lands here first (an atomic Lua step per update) and reaches
 * PostgreSQL through LiveProgressFlusher and every status change. Every key carries a TTL of at
 * most SESSION_CACHE_TTL_SECONDS. Failures are counted in /metrics and logged once per outage,
 * never thrown. Reads of sessions show it (an overlay) and purges remove it (a key owner).
 */
@Injectable()
export class LiveProgressCache implements SessionOverlay, SessionKeyOwner {
  private readonly outage = new OutageLog(new Logger(LiveProgressCache.name), 'live progress unavailable');
  private readonly errors: Counter<string>;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient | null,
    private readonly keys: RedisKeys,
    metrics: MetricsService,
  ) {
    this.errors = metrics.counter('live_progress_errors_total', 'Live-progress operations Redis failed, by operation', ['operation']);
  }

  get available(): boolean {
    return this.redis !== null;
  }

  keysOf(id: string): string[] {
    return [this.keys.live(id)];
  }

  async open(session: Session): Promise<void> {
    const args = [session.phase ?? '', session.roundNumber, session.totalCost, session.liveRev, Date.now(), this.keys.ttlSeconds];
    await this.attempt('open', () => this.redis!.eval(OPEN, 1, this.keys.live(session.id), ...args));
  }

  async record(id: string, update: ProgressUpdate): Promise<RecordOutcome> {
    const args = [update.phase ?? '', update.roundNumber ?? '', update.costDelta ?? 0, Date.now(), this.keys.ttlSeconds, id, COST_CEILING];
    const result = await this.attempt('record', () => this.redis!.eval(RECORD, 2, this.keys.live(id), this.keys.liveDirty(), ...args));
    if (result === undefined) return 'unavailable';
    return result === 1 ? 'recorded' : result === -1 ? 'closed' : result === -2 ? 'over-limit' : 'missing';
  }

  /** Closes an open hash and returns its final state; null when none was open (or Redis is away). */
  async close(id: string): Promise<LiveProgress | null> {
    const flat = await this.attempt('close', () => this.redis!.eval(CLOSE, 1, this.keys.live(id), this.keys.closedLiveTtlSeconds));
    return Array.isArray(flat) && flat.length ? decode(toHash(flat as string[])) : null;
  }

  /** Undoes close() when the status change it prepared did not happen after all. */
  async reopen(id: string): Promise<void> {
    await this.attempt('reopen', () => this.redis!.eval(REOPEN, 1, this.keys.live(id), this.keys.ttlSeconds));
  }

  /** The live progress of these sessions; null when Redis could not be asked. */
  async getMany(ids: string[]): Promise<Map<string, LiveProgress> | null> {
    const found = new Map<string, LiveProgress>();
    if (!ids.length) return found;
    const results = await this.attempt('get', () => {
      const pipeline = this.redis!.pipeline();
      for (const id of ids) pipeline.hgetall(this.keys.live(id));
      return pipeline.exec();
    });
    if (!results) return null;
    results.forEach(([error, hash], index) => {
      if (!error && hash && Object.keys(hash).length) found.set(ids[index], decode(hash as Record<string, string>));
    });
    return found;
  }

  /** The sessions with their live progress laid over them, where Redis holds a newer revision. */
  async overlay(sessions: Session[]): Promise<Session[]> {
    const running = sessions.filter((session) => session.status === RUNNING).map((session) => session.id);
    const live = (await this.getMany(running)) ?? new Map<string, LiveProgress>();
    return sessions.map((session) => {
      const progress = live.get(session.id);
      if (!progress || progress.rev <= session.liveRev) return session;
      const lastActivityAt = progress.at > session.lastActivityAt ? progress.at : session.lastActivityAt;
      const { phase, roundNumber, totalCost } = progress;
      return { ...session, phase, roundNumber, totalCost, lastActivityAt };
    });
  }

  /**
   * Some sessions with progress not yet in PostgreSQL. Read, not popped: an id leaves the set only
   * through settle(), after its progress was written, so a failed reply or flush loses nothing.
   */
  async peekDirty(count: number): Promise<string[]> {
    return (await this.attempt('peek', () => this.redis!.srandmember(this.keys.liveDirty(), count))) ?? [];
  }

  /** After a flush: each id leaves the dirty set unless newer progress (a higher rev) arrived meanwhile. */
  async settle(flushed: Array<{ id: string; rev: number }>): Promise<void> {
    if (!flushed.length) return;
    const keys = flushed.map(({ id }) => this.keys.live(id));
    const args = flushed.flatMap(({ id, rev }) => [id, rev]);
    await this.attempt('settle', () => this.redis!.eval(SETTLE, keys.length + 1, this.keys.liveDirty(), ...keys, ...args));
  }

  /** For removed sessions: their hashes go (a dirty id without a hash is settled by the next flush). */
  async purge(ids: string[]): Promise<void> {
    if (!ids.length) return;
    // UNLINK frees the values off Redis's main thread, so a batch of keys never stalls other clients.
    await this.attempt('purge', () => this.redis!.unlink(...ids.map((id) => this.keys.live(id))));
  }

  private async attempt<T>(operation: string, run: () => Promise<T>): Promise<T | undefined> {
    if (!this.redis) return undefined;
    try {
      const result = await run();
      this.outage.recovered();
      return result;
    } catch (error) {
      this.errors.inc({ operation });
      this.outage.failed(error);
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
