import { Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { sessionsConfig } from '../config/app.config.js';
import type { MessagesService } from '../messages/messages.service.js';
import type { SessionCache } from '../sessions/session.cache.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import type { CleanupRun } from './cleanup-run.js';
import { CleanupBatchRunner } from './cleanup-batch.runner.js';
import type { CleanupRepository, LockedCleanupConnection, RunEnd, RunStart } from './cleanup.repository.js';
import { CleanupService } from './cleanup.service.js';

/** In-memory stand-ins for the repository and the cache: the loop and its bookkeeping are under test here. */
class FakeStore {
  deleted: string[];
  expired: string[];
  lockFree = true;
  released = 0;
  failOnBatch?: number;
  scheduledDoneBy: string | null = null;
  runs: (RunStart & Partial<RunEnd>)[] = [];
  purged: string[][] = [];
  keysExpiredAt: Date[] = [];
  onBatch?: (call: number) => void;
  private batches = 0;

  constructor(expired: number, deleted: number) {
    this.expired = Array.from({ length: expired }, (_, n) => `expired-${n}`);
    this.deleted = Array.from({ length: deleted }, (_, n) => `deleted-${n}`);
  }

  repository(): CleanupRepository {
    const lock = {
      sessions: {
        countRemovable: async () => this.deleted.length + this.expired.length,
        deleteMarkedDeleted: async (batch: number) => this.take(this.deleted, batch),
        deleteExpired: async (_before: Date, batch: number) => this.take(this.expired, batch),
      },
      release: async () => void this.released++,
    } as unknown as LockedCleanupConnection;
    return {
      tryLock: async () => (this.lockFree ? lock : null),
      findScheduledRun: async () => this.scheduledDoneBy,
      abandonUnfinishedRuns: async () => undefined,
      startRun: async (start: RunStart) => String(this.runs.push({ ...start }) - 1),
      finishRun: async (id: string, end: RunEnd): Promise<CleanupRun> => {
        Object.assign(this.runs[Number(id)], end);
        const now = new Date();
        return { id, error: null, startedAt: now, finishedAt: now, ...this.runs[Number(id)] } as CleanupRun;
      },
    } as unknown as CleanupRepository;
  }

  private take(rows: string[], batch: number): string[] {
    if (++this.batches === this.failOnBatch) throw new Error('connection lost');
    this.onBatch?.(this.batches);
    return rows.splice(0, batch);
  }

  history(): MessagesService {
    return { forgetExpiredKeys: async (now: Date) => (this.keysExpiredAt.push(now), 0) } as unknown as MessagesService;
  }

  cache(): SessionCache {
    return { purge: async (ids: string[]) => void this.purged.push(ids) } as unknown as SessionCache;
  }
}

const config = { cleanupBatchSize: 4 } as ConfigType<typeof sessionsConfig>;
const now = new Date('2025-11-27T03:00:00Z');

describe('CleanupService', () => {
  let store: FakeStore;
  let sut: CleanupService;

  beforeAll(() => Logger.overrideLogger(false));

  const metrics = { counter: () => ({ inc: () => undefined }) } as unknown as MetricsService;
  const build = (expired: number, deleted = 0) => {
    store = new FakeStore(expired, deleted);
    sut = new CleanupService(store.repository(), new CleanupBatchRunner(store.cache(), config), metrics, store.history());
  };

  it('removes deleted sessions, then expired ones, batch after batch until a short one, purging each batch of keys', async () => {
    build(10, 3);
    const outcome = await sut.run(now);
    expect(outcome).toMatchObject({ skipped: false, run: { status: 'completed', expired: 13, batches: 4 } });
    expect(store.purged.map((ids) => ids.length)).toEqual([3, 4, 4, 2]);
    expect(store.purged[0][0]).toBe('deleted-0');
    // And the history writes' Idempotency-Keys expired at the pass's time are forgotten (messages keeps them 24 h).
    expect(store.keysExpiredAt).toEqual([now]);
    expect(store.runs).toEqual([expect.objectContaining({ cutoff: now, trigger: 'direct', dryRun: false, status: 'completed' })]);
    expect(store.released).toBe(1);
  });

  it('stops on an empty batch when the count is a multiple of the batch size', async () => {
    build(8);
    expect(await sut.run(now)).toMatchObject({ run: { expired: 8, batches: 2 } });
  });

  it('counts and deletes nothing on a dry run', async () => {
    build(6, 2);
    expect(await sut.run(now, { dryRun: true })).toMatchObject({ run: { expired: 8, batches: 0, dryRun: true } });
    expect(store.expired).toHaveLength(6);
    expect(store.purged).toEqual([]);
    expect(store.keysExpiredAt).toEqual([]);
  });

  it('skips without recording anything when another instance holds the lock', async () => {
    build(3);
    store.lockFree = false;
    expect(await sut.run(now)).toEqual({ skipped: true, reason: 'locked', instance: sut.instance });
    expect(store.runs).toEqual([]);
  });

  it('skips a scheduled pass that another instance already completed, and lets the lock go', async () => {
    build(3);
    store.scheduledDoneBy = 'other-host:1:abc';
    expect(await sut.run(now, { trigger: 'schedule' })).toMatchObject({ skipped: true, reason: 'already-ran' });
    expect(store.runs).toEqual([]);
    expect(store.released).toBe(1);
  });

  it('records a failed pass with what it removed so far, releases the lock and rethrows', async () => {
    build(10);
    store.failOnBatch = 3; // the (empty) deleted sweep, one expired batch, then the failure
    await expect(sut.run(now)).rejects.toThrow('connection lost');
    expect(store.runs[0]).toMatchObject({ status: 'failed', expired: 4, batches: 1, error: 'connection lost' });
    expect(store.released).toBe(1);
  });

  it('on shutdown, ends the running pass at a batch boundary and records it abandoned', async () => {
    build(20);
    let shutdown: Promise<void> | undefined;
    store.onBatch = (call) => {
      if (call === 2) shutdown = sut.beforeApplicationShutdown();
    };
    const outcome = await sut.run(now);
    await shutdown;
    expect(outcome).toMatchObject({ run: { status: 'abandoned', expired: 4, batches: 1 } });
    expect(store.expired).toHaveLength(16);
    expect(await sut.run(now)).toMatchObject({ skipped: true, reason: 'stopping' });
  });
});
