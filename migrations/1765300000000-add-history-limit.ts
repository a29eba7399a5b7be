import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A session's own cap on its history (null: the server's HISTORY_MAX_MESSAGES / HISTORY_MAX_BYTES,
 * 0: none; trim null: "user") and the seq through which a cap has trimmed it. Nullable columns
 * and a constant default: PostgreSQL adds them without rewriting the table.
 */
export class AddHistoryLimit1765300000000 implements MigrationInterface {
  name = 'AddHistoryLimit1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE sessions
        ADD COLUMN history_max_messages integer,
        ADD COLUMN history_max_bytes bigint,
        ADD COLUMN history_trim varchar(8),
        ADD COLUMN trimmed_through_seq integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE sessions
        DROP COLUMN history_max_messages,
        DROP COLUMN history_max_bytes,
        DROP COLUMN history_trim,
        DROP COLUMN trimmed_through_seq`);
  }
}
