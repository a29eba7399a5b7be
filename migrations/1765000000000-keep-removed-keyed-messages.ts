import type { MigrationInterface, QueryRunner } from 'typeorm';

export class KeepRemovedKeyedMessages1765000000000 implements MigrationInterface {
  name = 'KeepRemovedKeyedMessages1765000000000';

  /*
   * The messages of an Idempotency-Key's write that a pop or a replaceFromSeq removed, as they
   * were: a repeat of the key is still answered with the first answer's items. They go with their
   * key (cascade): when the history is cleared or replaced, with the session, after 24 h.
   */
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE message_appends_removed (
        session_id uuid NOT NULL,
        key varchar(255) NOT NULL,
        seq integer NOT NULL,
        id uuid NOT NULL,
        role varchar(64) NOT NULL,
        content json NOT NULL,
        metadata json NOT NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (session_id, key, seq),
        FOREIGN KEY (session_id, key) REFERENCES message_appends (session_id, key) ON DELETE CASCADE
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE message_appends_removed`);
  }
}
