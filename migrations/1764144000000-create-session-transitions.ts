import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateSessionTransitions1764144000000 implements MigrationInterface {
  name = 'CreateSessionTransitions1764144000000';

  async up(q: QueryRunner): Promise<void> {
    // The audit trail: one row per status change, written in the transaction of the change.
    // ON DELETE CASCADE because the cleanup job removes sessions rows and relies on it.
    await q.query(`
      CREATE TABLE session_transitions (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        from_status varchar(16) NOT NULL,
        to_status varchar(16) NOT NULL,
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        actor varchar(128) NOT NULL,
        reason text
      )`);
    await q.query(`CREATE INDEX session_transitions_session_idx ON session_transitions (session_id, id)`);

    // heartbeat_at: the worker running a session refreshes it; a stale one means the worker was lost.
    // live_rev: the revision of the live progress (Redis) that PostgreSQL last received.
    await q.query(`ALTER TABLE sessions ADD COLUMN heartbeat_at timestamptz, ADD COLUMN live_rev bigint NOT NULL DEFAULT 0`);
    await q.query(`CREATE INDEX sessions_running_heartbeat_idx ON sessions (heartbeat_at) WHERE status = 'running'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX sessions_running_heartbeat_idx`);
    await q.query(`ALTER TABLE sessions DROP COLUMN heartbeat_at, DROP COLUMN live_rev`);
    await q.query(`DROP TABLE session_transitions`);
  }
}
