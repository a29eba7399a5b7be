import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type QueryRunner } from 'typeorm';
import { SessionRemoval } from '../sessions/session-removal.js';
import type { CleanupRun, CleanupRunStatus, CleanupTrigger } from './cleanup-run.js';

// Any constant shared by every instance; it only has to differ from the migration lock (7_420_001).
export const CLEANUP_LOCK = 7_420_002;

type PooledRunner = QueryRunner & { releasePostgresConnection?(error?: Error): Promise<void> };

/**
 * The pooled connection that holds the cleanup lock, and the pass's statements that run on it.
 * pg_try_advisory_lock belongs to the connection that took it, so the pass's statements and the
 * unlock all run on this one connection; that also means a pass uses one connection of the pool,
 * never the ones API requests wait for.
 */
export class LockedCleanupConnection {
  /** The pass's statements on `sessions`, owned by the sessions feature, run on this connection. */
  readonly sessions: SessionRemoval;

  constructor(private readonly runner: QueryRunner) {
    this.sessions = new SessionRemoval((sql, params) => runner.query(sql, params));
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
