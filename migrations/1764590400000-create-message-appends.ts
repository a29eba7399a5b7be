import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateMessageAppends1764590400000 implements MigrationInterface {
  name = 'CreateMessageAppends1764590400000';

  /*
   * The Idempotency-Keys of history writes (POST/PUT .../messages), per session: what the first
   * write of a key appended (seqs first_seq .. first_seq + count - 1), written in its transaction.
   * Rows go with their session (cascade), when their messages are removed, and after 24 h at the
   * earliest (the cleanup, by created_at).
   */
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE message_appends (
        session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        key varchar(255) NOT NULL,
        first_seq integer NOT NULL,
        count integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (session_id, key)
      )`);
    await q.query(`CREATE INDEX message_appends_created_at_idx ON message_appends (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE message_appends`);
  }
}
