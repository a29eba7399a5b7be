import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { sessionsConfig } from '../config/app.config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { SessionCache } from '../sessions/session.cache.js';
import type { CleanupOutcome, CleanupRun, CleanupTrigger, SkipReason } from './cleanup-run.js';
import { type CleanupLock, CleanupRepository, type RunEnd } from './cleanup.repository.js';

export interface CleanupOptions {
  dryRun?: boolean;
  trigger?: CleanupTrigger;
}

/**
 * One cleanup pass: removes deleted sessions and expired ones that are not running, with their
 * child rows and Redis keys. Safe to start on every instance at once: the PostgreSQL advisory
 * lock lets one pass run and the others skip. The schedule, the API and the CLI all call run().
 */
@Injectable()
export class CleanupJob implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Cleanup');
  // Host and pid name the process; the suffix tells apart two apps in one process (tests do that).
  readonly instance = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  readonly batchSize: number;
  private stopping = false;
  private current: Promise<CleanupOutcome> | null = null;
  private readonly passes: ReturnType<MetricsService['counter']>;

  constructor(
    private readonly repository: CleanupRepository,
    private readonly cache: SessionCache,
    @Inject(sessionsConfig.KEY) config: ConfigType<typeof sessionsConfig>,
    metrics: MetricsService,
  ) {
    this.batchSize = config.cleanupBatchSize;
    this.passes = metrics.counter('cleanup_passes_total', 'Cleanup passes by outcome (completed, failed, abandoned, skipped)', ['outcome']);
  }

  /**
   * Runs a pass as of `now`: sessions whose expiresAt is at or before it are expired. Skips when another
   * instance holds the lock or, for the schedule, has already run the pass of this `now`.
   */
  async run(now: Date = new Date(), options: CleanupOptions = {}): Promise<CleanupOutcome> {
    const trigger = options.trigger ?? 'direct';
    if (this.stopping) return this.skip('stopping', 'the instance is shutting down');
    const lock = await this.repository.tryLock();
    if (!lock) return this.skip('locked', 'another instance holds the lock');
    this.current = this.pass(lock, now, options.dryRun ?? false, trigger);
    try {
      return await this.current;
    } finally {
      this.current = null;
    }
  }

  /** Lets a pass end at a batch boundary before the database connection is closed under it. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.current?.catch(() => undefined);
  }

  private skip(reason: SkipReason, why: string): CleanupOutcome {
    this.passes.inc({ outcome: 'skipped' });
    this.logger.log(`cleanup skipped on ${this.instance}: ${why}`);
    return { skipped: true, reason, instance: this.instance };
  }

  private async pass(lock: CleanupLock, now: Date, dryRun: boolean, trigger: CleanupTrigger): Promise<CleanupOutcome> {
    try {
      // Checked under the lock, so two instances cannot both find the scheduled pass not yet done.
      const doneBy = trigger === 'schedule' ? await this.repository.findScheduledRun(now) : null;
      if (doneBy) return this.skip('already-ran', `the pass scheduled for ${now.toISOString()} already ran on ${doneBy}`);
      await this.repository.abandonUnfinishedRuns();
      const id = await this.repository.startRun({ instance: this.instance, trigger, dryRun, cutoff: now });
      const progress = { expired: 0, batches: 0 };
      let end: RunEnd;
      try {
        if (dryRun) progress.expired = await lock.countExpired(now);
        else await this.removeInBatches(lock, now, progress);
        end = this.stopping
          ? { status: 'abandoned', ...progress, error: 'the instance shut down mid-pass; the next pass removes the rest' }
          : { status: 'completed', ...progress };
      } catch (error) {
        // Recorded when the database still answers; the pass's own error is the one to report.
        await this.record(id, { status: 'failed', ...progress, error: (error as Error).message }).catch(() => undefined);
        throw error;
      }
      return { skipped: false, run: await this.record(id, end) };
    } finally {
      await lock.release();
    }
  }

  /**
   * Sessions marked deleted first, then expired ones, a batch at a time. Keys go after each batch
   * commits, as on every write: removed before, a concurrent read could refill them from the row.
   */
  private async removeInBatches(lock: CleanupLock, now: Date, progress: { expired: number; batches: number }): Promise<void> {
    const sweeps = [() => lock.deleteMarkedDeleted(this.batchSize), () => lock.deleteExpired(now, this.batchSize)];
    for (const sweep of sweeps) {
      while (!this.stopping) {
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

  private async record(id: string, end: RunEnd): Promise<CleanupRun> {
    const run = await this.repository.finishRun(id, end);
    this.passes.inc({ outcome: run.status });
    const took = run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : 0;
    const what = run.dryRun ? `would remove ${run.expired} sessions (dry run)` : `removed ${run.expired} sessions in ${run.batches} batches`;
    const line = `cleanup ${run.status} on ${run.instance} (${run.trigger}, before ${run.cutoff.toISOString()}): ${what} in ${took} ms`;
    if (run.status === 'completed') this.logger.log(line);
    else this.logger.warn(`${line}: ${run.error}`);
    return run;
  }
}
