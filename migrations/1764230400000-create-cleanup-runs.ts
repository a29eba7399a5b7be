import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateCleanupRuns1764230400000 implements MigrationInterface {
  name = 'CreateCleanupRuns1764230400000';

  async up(q: QueryRunner): Promise<void> {
    // One row per cleanup pass that held the lock; instances that skipped only log.
    await q.query(`
      CREATE TABLE cleanup_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        instance varchar(255) NOT NULL,
        trigger varchar(16) NOT NULL CHECK (trigger IN ('schedule', 'api', 'cli', 'direct')),
        dry_run boolean NOT NULL,
        cutoff timestamptz NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'running'
          CHECK (status IN ('running', 'completed', 'failed', 'abandoned')),
        expired integer NOT NULL DEFAULT 0,
        batches integer NOT NULL DEFAULT 0,
        error text,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX cleanup_runs_started_idx ON cleanup_runs (started_at DESC)`);
    // With sessions_expires_at_idx this lets a batch's `status = 'deleted' OR expires_at < $1`
    // be a BitmapOr of two small index scans instead of a scan of every session.
    await q.query(`CREATE INDEX sessions_deleted_idx ON sessions (id) WHERE status = 'deleted'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX sessions_deleted_idx`);
    await q.query(`DROP TABLE cleanup_runs`);
  }
}
