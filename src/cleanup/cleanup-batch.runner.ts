import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { isRowRefused } from '../common/database-errors.js';
import { SetAside } from '../common/set-aside.js';
import { sessionsConfig } from '../config/app.config.js';
import { SessionCache } from '../sessions/session.cache.js';
import type { LockedCleanupConnection } from './cleanup.repository.js';

/** What a pass has removed so far: kept by the caller, so a failed or stopped pass can record it. */
export interface CleanupProgress {
  expired: number;
  batches: number;
}

/** Runs a pass's batches on the locked connection, purging each batch's Redis keys. */
@Injectable()
export class CleanupBatchRunner {
  readonly batchSize: number;
  // Until the process restarts: a row that cannot be removed is not retried by every pass.
  private readonly setAside = new SetAside(new Logger('Cleanup'), 'cleanup');

  constructor(
    private readonly cache: SessionCache,
    @Inject(sessionsConfig.KEY) config: ConfigType<typeof sessionsConfig>,
  ) {
    this.batchSize = config.cleanupBatchSize;
  }

  /**
   * Sessions marked deleted first, then expired ones, a batch at a time, until both sweeps run
   * dry or `stopping()` says the instance is shutting down (checked between batches). Keys go
   * after each batch commits, as on every write: removed before, a concurrent read could refill
   * them from the row.
   */
  async removeAll(connection: LockedCleanupConnection, now: Date, progress: CleanupProgress, stopping: () => boolean): Promise<void> {
    const sweeps: Sweep[] = [
      {
        remove: (excluding) => connection.sessions.deleteMarkedDeleted(this.batchSize, excluding),
        find: (excluding) => connection.sessions.findMarkedDeleted(this.batchSize, excluding),
      },
      {
        remove: (excluding) => connection.sessions.deleteExpired(now, this.batchSize, excluding),
        find: (excluding) => connection.sessions.findExpired(now, this.batchSize, excluding),
      },
    ];
    for (const sweep of sweeps) {
      while (!stopping()) {
        const { removed, taken } = await this.batch(sweep, connection, now);
        if (removed.length > 0) {
          progress.batches++;
          progress.expired += removed.length;
          await this.cache.purge(removed);
        }
        // A short batch means this sweep is done, but for rows that were locked just now (SKIP LOCKED).
        if (taken < this.batchSize) break;
      }
    }
  }

  /**
   * One batch in one statement; if PostgreSQL refuses it for a row's data (a trigger, a constraint),
   * the same rows one at a time, setting aside the one it refuses so the pass goes on without it.
   * `taken`: how many rows the batch covered, removed or set aside.
   */
  private async batch(sweep: Sweep, connection: LockedCleanupConnection, now: Date): Promise<{ removed: string[]; taken: number }> {
    try {
      const removed = await sweep.remove(this.setAside.list());
      return { removed, taken: removed.length };
    } catch (error) {
      if (!isRowRefused(error)) throw error;
    }
    const ids = await sweep.find(this.setAside.list());
    const removed: string[] = [];
    for (const id of ids) {
      try {
        if (await connection.sessions.deleteOne(id, now)) removed.push(id);
      } catch (error) {
        if (!isRowRefused(error)) throw error;
        this.setAside.add(id, error);
      }
    }
    return { removed, taken: ids.length };
  }
}

interface Sweep {
  remove(excluding: string[]): Promise<string[]>;
  find(excluding: string[]): Promise<string[]>;
}
