import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type QueryRunner } from 'typeorm';
import type { CleanupRun, CleanupRunStatus, CleanupTrigger } from './cleanup-run.js';

// Any constant shared by every instance; it only has to differ from the migration lock (7_420_001).
export const CLEANUP_LOCK = 7_420_002;

// What a pass removes: deleted sessions, and expired ones (expiresAt reached) unless still running.
// Counted as one predicate; removed in two sweeps, each of which an index serves.
const EXPIRED = `(status = 'deleted' OR (expires_at <= $1 AND status <> 'running'))`;
// The two sweeps' rows: $1 the batch size, $2 the ids set aside (see CleanupBatchRunner), $3 the cutoff.
const MARKED_DELETED = `SELECT id FROM sessions WHERE status = 'deleted' AND id <> ALL($2::uuid[])`;
const EXPIRED_NOT_RUNNING = `SELECT id FROM sessions WHERE expires_at <= $3 AND status <> 'running' AND id <> ALL($2::uuid[])`;

type PooledRunner = QueryRunner & { releasePostgresConnection?(error?: Error): Promise<void> };

/**
 * The pooled connection that holds the cleanup lock, and the pass's statements that run on it.
 * pg_try_advisory_lock belongs to the connection that took it, so the pass's statements and the
 * unlock all run on this one connection; that also means a pass uses one connection of the pool,
 * never the ones API requests wait for.
 */
export class LockedCleanupConnection {
  constructor(private readonly runner: QueryRunner) {}

  async countExpired(before: Date): Promise<number> {
    const [row] = await this.runner.query(`SELECT count(*)::int AS n FROM sessions WHERE ${EXPIRED}`, [before]);
    return row.n;
  }

  /** Removes up to `batch` sessions marked deleted, but those `excluding`; their ids. See deleteExpired for the rest. */
  async deleteMarkedDeleted(batch: number, excluding: string[] = []): Promise<string[]> {
    return this.deleteBatch(`${MARKED_DELETED} LIMIT $1 FOR UPDATE SKIP LOCKED`, [batch, excluding]);
  }

  /** Removes up to `batch` sessions expired by `before` that are not running, oldest expiry first. */
  async deleteExpired(before: Date, batch: number, excluding: string[] = []): Promise<string[]> {
    // Ordered by expires_at so that the expiry index serves the batch and the scan stops after it.
    return this.deleteBatch(`${EXPIRED_NOT_RUNNING} ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED`, [batch, excluding, before]);
  }

  /** The ids deleteMarkedDeleted would take, left in place: to remove them one at a time. */
  async findMarkedDeleted(batch: number, excluding: string[] = []): Promise<string[]> {
    return this.ids(`${MARKED_DELETED} LIMIT $1`, [batch, excluding]);
  }

  /** The ids deleteExpired would take, left in place. */
  async findExpired(before: Date, batch: number, excluding: string[] = []): Promise<string[]> {
    return this.ids(`${EXPIRED_NOT_RUNNING} ORDER BY expires_at LIMIT $1`, [batch, excluding, before]);
  }

  /** Removes one session if a pass as of `before` still would; false when it would not (or a request holds it). */
  async deleteOne(id: string, before: Date): Promise<boolean> {
    const removed = await this.deleteBatch(
      `SELECT id FROM sessions WHERE id = $1 AND (status = 'deleted' OR (expires_at <= $2 AND status <> 'running')) FOR UPDATE SKIP LOCKED`,
      [id, before],
    );
    return removed.length > 0;
  }

  private async ids(select: string, params: unknown[]): Promise<string[]> {
    const rows = await this.runner.query(select, params);
    return rows.map((row: { id: string }) => row.id);
  }

  /**
   * One batch is one statement, so one short transaction; messages and other child rows go with
   * the sessions by ON DELETE CASCADE. SKIP LOCKED passes over rows an API request is writing, so
   * the pass never waits behind traffic, nor traffic behind it for longer than one batch; a row
   * skipped now goes in a later batch or pass.
   */
  private async deleteBatch(select: string, params: unknown[]): Promise<string[]> {
    const [rows] = await this.runner.query(
      `WITH doomed AS (${select}) DELETE FROM sessions s USING doomed WHERE s.id = doomed.id RETURNING s.id`,
      params,
    );
    return rows.map((row: { id: string }) => row.id);
  }

  /** Unlocks and gives the connection back to the pool. */
  async release(): Promise<void> {
    try {
      await this.runner.query('SELECT pg_advisory_unlock($1)', [CLEANUP_LOCK]);
      await this.runner.release();
    } catch (error) {
      // A connection back in the pool still holding the lock would make every later pass skip:
      // releasing with the error makes the pool close it, and closing drops the lock.
      await (this.runner as PooledRunner).releasePostgresConnection?.(error as Error);
    }
  }
}

export interface RunStart {
  instance: string;
  trigger: CleanupTrigger;
  dryRun: boolean;
  cutoff: Date;
}

export interface RunEnd {
  status: Exclude<CleanupRunStatus, 'running'>;
  expired: number;
  batches: number;
  error?: string;
}

/** The cleanup's SQL: the lock, the batches (through LockedCleanupConnection) and the record of passes. */
@Injectable()
export class CleanupRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The lock on a dedicated connection, or null when another instance holds it. */
  async tryLock(): Promise<LockedCleanupConnection | null> {
    const runner = this.db.createQueryRunner();
    try {
      await runner.connect();
      const [row] = await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [CLEANUP_LOCK]);
      if (row.locked) return new LockedCleanupConnection(runner);
    } catch (error) {
      await runner.release();
      throw error;
    }
    await runner.release();
    return null;
  }

  /**
   * Called while holding the lock: a run still marked running was started by a holder that is
   * gone (its connection closed and freed the lock), so it never finished.
   */
  async abandonUnfinishedRuns(): Promise<void> {
    await this.db.query(`UPDATE cleanup_runs SET status = 'abandoned', finished_at = now() WHERE status = 'running'`);
  }

  /** The instance that completed the scheduled pass for this cutoff, if one did. */
  async findScheduledRun(cutoff: Date): Promise<string | null> {
    const [row] = await this.db.query(
      `SELECT instance FROM cleanup_runs WHERE trigger = 'schedule' AND cutoff = $1 AND status = 'completed' LIMIT 1`,
      [cutoff],
    );
    return row?.instance ?? null;
  }

  async startRun(run: RunStart): Promise<string> {
    const [row] = await this.db.query(
      `INSERT INTO cleanup_runs (instance, trigger, dry_run, cutoff) VALUES ($1, $2, $3, $4) RETURNING id`,
      [run.instance, run.trigger, run.dryRun, run.cutoff],
    );
    return row.id;
  }

  async finishRun(id: string, end: RunEnd): Promise<CleanupRun> {
    const [rows] = await this.db.query(
      `UPDATE cleanup_runs SET status = $2, expired = $3, batches = $4, error = $5, finished_at = now()
       WHERE id = $1 RETURNING *`,
      [id, end.status, end.expired, end.batches, end.error ?? null],
    );
    return runFromRow(rows[0]);
  }

  /** The latest passes, newest first. */
  async listRecentRuns(limit: number): Promise<CleanupRun[]> {
    const rows = await this.db.query(`SELECT * FROM cleanup_runs ORDER BY started_at DESC, id DESC LIMIT $1`, [limit]);
    return rows.map(runFromRow);
  }
}

function runFromRow(row: Record<string, any>): CleanupRun {
  return {
    id: row.id,
    instance: row.instance,
    trigger: row.trigger,
    dryRun: row.dry_run,
    cutoff: row.cutoff,
    status: row.status,
    expired: row.expired,
    batches: row.batches,
    error: row.error,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
