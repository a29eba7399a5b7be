import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * The search text stored beside the content (a generated column: every statement that inserts a
 * message fills it, none names it), and the trigram index over the column instead of over the
 * expression. A candidate of the index is then checked by a plain ILIKE on the stored text, not by
 * computing message_search_text again: the phrase of common words, whose trigrams give thousands
 * of candidates, went from seconds to tens of milliseconds (docs/search.md).
 * The owner trigger now runs only for rows whose statement did not name user_id: the append names
 * it from the session row it touches, which saves the trigger's look-up on the hot path.
 * Every step is idempotent: on a large table an operator may build the index CONCURRENTLY first.
 */
export class StoreMessageSearchText1765500000000 implements MigrationInterface {
  name = 'StoreMessageSearchText1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE messages ADD COLUMN IF NOT EXISTS search_text text GENERATED ALWAYS AS (message_search_text(content)) STORED`,
    );
    await q.query(`CREATE INDEX IF NOT EXISTS messages_user_search_text_idx ON messages USING gin (user_id, search_text gin_trgm_ops)`);
    await q.query(`DROP INDEX IF EXISTS messages_user_text_trgm_idx`);
    await q.query(
      `CREATE OR REPLACE TRIGGER messages_fill_user_id BEFORE INSERT ON messages
       FOR EACH ROW WHEN (NEW.user_id IS NULL) EXECUTE FUNCTION messages_fill_user_id()`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE OR REPLACE TRIGGER messages_fill_user_id BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION messages_fill_user_id()`,
    );
    await q.query(
      `CREATE INDEX IF NOT EXISTS messages_user_text_trgm_idx ON messages USING gin (user_id, message_search_text(content) gin_trgm_ops)`,
    );
    await q.query(`DROP INDEX IF EXISTS messages_user_search_text_idx`);
    await q.query(`ALTER TABLE messages DROP COLUMN IF EXISTS search_text`);
  }
}
