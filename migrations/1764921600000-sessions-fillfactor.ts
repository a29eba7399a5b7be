import type { MigrationInterface, QueryRunner } from 'typeorm';

export class SessionsFillfactor1764921600000 implements MigrationInterface {
  name = 'SessionsFillfactor1764921600000';

  // A write that leaves every indexed column as it was (an append usually does: see
  // src/sessions/session-expiry.sql.ts) is a HOT update only if the new row version fits on the
  // old one's page. Pages filled to 90 % keep that room; existing pages get it as they are rewritten.
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sessions SET (fillfactor = 90)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sessions SET (fillfactor = 100)`);
  }
}
