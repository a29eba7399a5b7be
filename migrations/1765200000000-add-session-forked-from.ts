import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where a fork came from: the source session and the last seq it copied. No foreign key: the
 * cleanup may remove the source, and the fork keeps naming where it began (a record, not a link
 * the database must keep valid).
 */
export class AddSessionForkedFrom1765200000000 implements MigrationInterface {
  name = 'AddSessionForkedFrom1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sessions ADD COLUMN forked_from_session_id uuid, ADD COLUMN forked_from_seq integer`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sessions DROP COLUMN forked_from_session_id, DROP COLUMN forked_from_seq`);
  }
}
