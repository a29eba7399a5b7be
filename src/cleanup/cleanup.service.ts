import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { MessagesService } from '../messages/messages.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { CleanupOutcome, CleanupRun, CleanupTrigger, SkipReason } from './cleanup-run.js';
import { CleanupBatchRunner, type CleanupProgress } from './cleanup-batch.runner.js';
import { CleanupRepository, type LockedCleanupConnection, type RunEnd } from './cleanup.repository.js';

export interface CleanupOptions {
  dryRun?: boolean;
  trigger?: CleanupTrigger;
}

/**
 * The cleanup: a pass removes deleted sessions and expired ones that are not running, with their
 * child rows and Redis keys, and forgets the history writes' Idempotency-Keys older than 24 h. Safe to start on every instance at once: the PostgreSQL advisory
 * lock lets one pass run and the others skip. The schedule, the admin route and `npm run cleanup`
 * all call run().
 */
@Injectable()
export class CleanupService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Cleanup');
  // Host and pid name the process; the suffix tells apart two apps in one process (tests do that).
  readonly instance = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private stopping = false;
  private current: Promise<CleanupOutcome> | null = null;
  private readonly passes: ReturnType<MetricsService['counter']>;

  constructor(
    private readonly repository: CleanupRepository,
    private readonly batches: CleanupBatchRunner,
    metrics: MetricsService,
    private readonly history: MessagesService,
  ) {
    this.passes = metrics.counter('cleanup_passes_total', 'Cleanup passes by outcome (completed, failed, abandoned, skipped)', ['outcome']);
  }

  /**
   * Runs a pass as of `now`: sessions whose expiresAt is at or before it are expired. Skips when another
   * instance holds the lock or, for the schedule, has already run the pass of this `now`.
   */
  async run(now: Date = new Date(), options: CleanupOptions = {}): Promise<CleanupOutcome> {
    const trigger = options.trigger ?? 'direct';
    if (this.stopping) return this.skip('stopping', 'the instance is shutting down');
    const connection = await this.repository.tryLock();
    if (!connection) return this.skip('locked', 'another instance holds the lock');
    this.current = this.pass(connection, now, options.dryRun ?? false, trigger);
    try {
      return await this.current;
    } finally {
      this.current = null;
    }
  }

  /** The latest passes, newest first. */
  recentRuns(limit: number): Promise<CleanupRun[]> {
    return this.repository.listRecentRuns(limit);
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

  private async pass(connection: LockedCleanupConnection, now: Date, dryRun: boolean, trigger: CleanupTrigger): Promise<CleanupOutcome> {
    try {
      // Checked under the lock, so two instances cannot both find the scheduled pass not yet done.
      const doneBy = trigger === 'schedule' ? await this.repository.findScheduledRun(now) : null;
      if (doneBy) return this.skip('already-ran', `the pass scheduled for ${now.toISOString()} already ran on ${doneBy}`);
      await this.repository.abandonUnfinishedRuns();
      const id = await this.repository.startRun({ instance: this.instance, trigger, dryRun, cutoff: now });
      const progress: CleanupProgress = { expired: 0, batches: 0 };
      let end: RunEnd;
      try {
        if (dryRun) progress.expired = await connection.sessions.countRemovable(now);
        else {
          await this.batches.removeAll(connection, now, progress, () => this.stopping);
          if (!this.stopping) await this.history.forgetExpiredKeys(now);
        }
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
      await connection.release();
    }
  }

  private async record(id: string, end: RunEnd): Promise<CleanupRun> {
    const run = await this.repository.finishRun(id, end);
    this.passes.inc({ outcome: run.status });
    const took = run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : 0;
    const what = run.dryRun
      ? `would remove ${run.expired} sessions (dry run)`
      : `removed ${run.expired} sessions in ${run.batches} batches`;
    const line = `cleanup ${run.status} on ${run.instance} (${run.trigger}, before ${run.cutoff.toISOString()}): ${what} in ${took} ms`;
    if (run.status === 'completed') this.logger.log(line);
    else this.logger.warn(`${line}: ${run.error}`);
    return run;
  }
}
