import type pg from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';

// How long the backend of an unanswered statement may take to go once terminated.
const END_WAIT_MS = 5000;
const END_POLL_MS = 20;

/**
 * The client stopped waiting for a statement's answer (DATABASE_QUERY_TIMEOUT_MS). Unlike a
 * statement PostgreSQL cancelled (statement_timeout), which rolled back, this one may still run
 * in PostgreSQL, and commit: its outcome is unknown until the backend has been ended.
 */
export function isUnanswered(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { message, driverError } = error as { message?: unknown; driverError?: unknown };
  return message === 'Query read timeout' || (!!driverError && isUnanswered(driverError));
}

/**
 * Ends the backend of an unanswered statement and waits until it is gone, so what PostgreSQL holds
 * is final; false when that cannot be made sure (docs/statement-timeouts.md). The embedded
 * database's single backend is spared: there the statement has finished by now.
 */
export async function endBackend(db: DataSource, runner: QueryRunner, unanswered: Error): Promise<boolean> {
  const pid = (runner as unknown as { databaseConnection?: pg.PoolClient & { processID?: number } }).databaseConnection?.processID;
  await releaseRunner(runner, unanswered);
  if (!pid) return true; // never connected: nothing was sent
  const others = 'FROM pg_stat_activity WHERE pid = $1 AND pid <> pg_backend_pid()';
  try {
    await db.query(`SELECT pg_terminate_backend(pid) ${others}`, [pid]);
    for (const deadline = Date.now() + END_WAIT_MS; Date.now() < deadline;) {
      const alive: unknown[] = await db.query(`SELECT 1 ${others}`, [pid]);
      if (!alive.length) return true;
      await new Promise((resolve) => setTimeout(resolve, END_POLL_MS));
    }
  } catch {
    // PostgreSQL cannot be asked: the outcome stays unknown.
  }
  return false;
}

/** Whether the runner holds a connection: a statement that failed on it may have been sent. */
export function hasConnection(runner: QueryRunner): boolean {
  return !!(runner as unknown as { databaseConnection?: unknown }).databaseConnection;
}

/**
 * Gives the runner's connection back, or drops it from the pool when its statement went
 * unanswered (pg-pool's release(error), which TypeORM's runner keeps private): the pg client
 * still waits for that answer, and the next user's statements would queue behind it. A runner
 * already released is left alone.
 */
export async function releaseRunner(runner: QueryRunner, unanswered: unknown): Promise<void> {
  const postgres = runner as unknown as { releasePostgresConnection?: (error: Error) => Promise<void> };
  if (isUnanswered(unanswered) && postgres.releasePostgresConnection) await postgres.releasePostgresConnection(unanswered as Error);
  else await runner.release();
}
