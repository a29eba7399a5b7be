import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * The text a search matches: every string value inside a message's content (object keys left
 * out: "type", "text", "call_id" are in nearly every item and would match everything), one per
 * line. The common case goes through jsonb's parser and a JSON path, several times faster than a
 * regular expression; content jsonb cannot read (\u0000, a lone surrogate, a number beyond
 * numeric, all kept by the json column) takes the exact path, which tokenizes the text as sent and
 * drops those escapes. Both are IMMUTABLE and parsed once (BEGIN ATOMIC), so an index over them
 * is filled by whichever statement inserts the row.
 */
const EXACT_STRINGS = `
  CREATE OR REPLACE FUNCTION message_strings_exact(content json) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  BEGIN ATOMIC
    SELECT coalesce(string_agg(
      CASE WHEN strpos(token[1], '\\') = 0 THEN token[1]
      ELSE ('"' || regexp_replace(token[1],
             '(\\\\\\\\)|(\\\\u[dD][89abAB][0-9a-fA-F]{2}\\\\u[dD][c-fC-F][0-9a-fA-F]{2})|\\\\u[dD][89a-fA-F][0-9a-fA-F]{2}|\\\\u0000',
             '\\1\\2', 'g') || '"')::json #>> '{}'
      END, E'\\n'), '')
    FROM regexp_matches(content::text, '"((?:[^"\\\\]|\\\\.)*)"(\\s*:)?', 'g') AS token
    WHERE token[2] IS NULL;
  END`;

const SEARCH_TEXT = `
  CREATE OR REPLACE FUNCTION message_search_text(content json) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  BEGIN ATOMIC
    SELECT CASE
      WHEN content::text ~ '\\\\u(0000|[dD][89a-fA-F])|[0-9][eE][-+]?[0-9]{5}|[0-9]{200}' THEN message_strings_exact(content)
      ELSE (SELECT coalesce(string_agg(value #>> '{}', E'\\n'), '')
            FROM jsonb_path_query(content::jsonb, 'strict $.** ? (@.type() == "string")') AS value)
    END;
  END`;

/*
 * The owner of each message, so the search index holds it beside the text and a query reads only
 * its user's entries. A trigger copies it from the session row, so every statement that inserts
 * messages (append, replace, import, fork) fills it without naming it. Only when the session row
 * is not visible to the trigger (a statement that creates the session too) does a user_id the
 * writer gave stand; otherwise the session's owner always wins.
 */
const OWNER_TRIGGER = `
  CREATE OR REPLACE FUNCTION messages_fill_user_id() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE owner varchar(128);
  BEGIN
    SELECT user_id INTO owner FROM sessions WHERE id = NEW.session_id;
    NEW.user_id := coalesce(owner, NEW.user_id);
    RETURN NEW;
  END $$`;

export class AddMessageSearch1765400000000 implements MigrationInterface {
  name = 'AddMessageSearch1765400000000';

  // GET /messages/search: a trigram GIN index (pg_trgm, with btree_gin for user_id) serves
  // `text ILIKE '%q%'` for any substring, which full-text search (words, stems) does not; it
  // finds a rare text at once, but gives its matches unordered. A common text (most matches in
  // the newest few hundred messages) is found faster by walking the user's messages newest first:
  // the b-tree. The planner picks between them from the expression's statistics. Both are built
  // here in one pass over the table; the time per million messages is in docs/search.md. Every
  // step is idempotent, so on a large table an operator may run the steps before the indexes by
  // hand and build the indexes CONCURRENTLY first; the migration then finds them done.
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`CREATE EXTENSION IF NOT EXISTS btree_gin`);
    await q.query(EXACT_STRINGS);
    await q.query(SEARCH_TEXT);
    await q.query(`ALTER TABLE messages ADD COLUMN IF NOT EXISTS user_id varchar(128)`);
    await q.query(OWNER_TRIGGER);
    await q.query(
      `CREATE OR REPLACE TRIGGER messages_fill_user_id BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION messages_fill_user_id()`,
    );
    await q.query(`UPDATE messages m SET user_id = s.user_id FROM sessions s WHERE s.id = m.session_id AND m.user_id IS NULL`);
    await q.query(`ALTER TABLE messages ALTER COLUMN user_id SET NOT NULL`);
    await q.query(
      `CREATE INDEX IF NOT EXISTS messages_user_text_trgm_idx ON messages USING gin (user_id, message_search_text(content) gin_trgm_ops)`,
    );
    await q.query(`CREATE INDEX IF NOT EXISTS messages_user_created_idx ON messages (user_id, created_at DESC, session_id DESC, seq DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX messages_user_created_idx`);
    await q.query(`DROP INDEX messages_user_text_trgm_idx`);
    await q.query(`DROP TRIGGER messages_fill_user_id ON messages`);
    await q.query(`DROP FUNCTION messages_fill_user_id()`);
    await q.query(`ALTER TABLE messages DROP COLUMN user_id`);
    await q.query(`DROP FUNCTION message_search_text(json)`);
    await q.query(`DROP FUNCTION message_strings_exact(json)`);
  }
}
