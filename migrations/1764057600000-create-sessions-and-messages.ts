import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateSessionsAndMessages1764057600000 implements MigrationInterface {
  name = 'CreateSessionsAndMessages1764057600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id varchar(128) NOT NULL,
        idempotency_key varchar(255),
        title varchar(500),
        problem_statement text,
        context jsonb NOT NULL DEFAULT '{}'::jsonb,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        status varchar(16) NOT NULL DEFAULT 'created'
          CHECK (status IN ('created', 'running', 'completed', 'failed', 'killed', 'deleted')),
        phase varchar(64),
        round_number integer NOT NULL DEFAULT 0,
        total_cost numeric(18, 6) NOT NULL DEFAULT 0,
        synthesis_text text,
        final_recommendation text,
        error text,
        message_count integer NOT NULL DEFAULT 0,
        last_seq integer NOT NULL DEFAULT 0,
        version integer NOT NULL DEFAULT 1,
        ttl_seconds integer,
        -- Milliseconds, so a created_at read into a JS Date is exact and keyset cursors hold.
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        updated_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        ended_at timestamptz,
        last_activity_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    // A user's history, newest first, by keyset; with and without a status filter.
    await q.query(`CREATE INDEX sessions_user_created_idx ON sessions (user_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX sessions_user_status_created_idx ON sessions (user_id, status, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX sessions_expires_at_idx ON sessions (expires_at)`);
    await q.query(`CREATE UNIQUE INDEX sessions_idempotency_idx ON sessions (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL`);

    await q.query(`
      CREATE TABLE messages (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        seq integer NOT NULL,
        role varchar(64) NOT NULL,
        content jsonb NOT NULL,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT messages_session_seq_key UNIQUE (session_id, seq)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE messages`);
    await q.query(`DROP TABLE sessions`);
  }
}
