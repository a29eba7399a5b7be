import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a worker took a running session's work (null while it waits in its handler's queue), so a
 * reader can tell "waiting for a worker" from "running". Sessions already running count as taken
 * when they started: none of them is shown waiting for a worker it already has.
 */
export class AddSessionClaimedAt1765100000000 implements MigrationInterface {
  name = 'AddSessionClaimedAt1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sessions ADD COLUMN claimed_at timestamptz`);
    await q.query(`UPDATE sessions SET claimed_at = started_at WHERE status = 'running'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sessions DROP COLUMN claimed_at`);
  }
}
