import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The size of a message as JSON text (content + metadata), written with the message, so that a
 * page can stop at 8 MiB by summing integers instead of rendering every candidate's content.
 * Not a generated column: that would forbid a later change of the content column's type. Rows
 * written before it (NULL) are measured when read (MessagesRepository), so no backfill is needed.
 */
export class AddMessageTextBytes1764403200000 implements MigrationInterface {
  name = 'AddMessageTextBytes1764403200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages ADD COLUMN text_bytes integer`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages DROP COLUMN text_bytes`);
  }
}
