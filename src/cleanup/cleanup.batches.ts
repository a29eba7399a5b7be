import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
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
    const sweeps = [() => connection.deleteMarkedDeleted(this.batchSize), () => connection.deleteExpired(now, this.batchSize)];
    for (const sweep of sweeps) {
      while (!stopping()) {
        const ids = await sweep();
        if (ids.length > 0) {
          progress.batches++;
          progress.expired += ids.length;
          await this.cache.purge(ids);
        }
        // A short batch means this sweep is done, but for rows that were locked just now (SKIP LOCKED).
        if (ids.length < this.batchSize) break;
      }
    }
  }
}
