-- What each index, key and trigger of `messages` costs per inserted row (docs/speed.md, the
-- import): 50,000 rows shaped like the import bench's, inserted by one INSERT ... SELECT into a
-- fresh table with nothing but that feature, best of two, minus the bare table's time.
-- Run on a migrated bench database: psql <bench url> -f bench/import-index-costs.sql
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
BEGIN;
DELETE FROM sessions WHERE user_id = 'index-costs';
INSERT INTO sessions (id, user_id, key, message_count, last_seq, expires_at)
  SELECT md5('index-costs-' || s)::uuid, 'index-costs', 'index-costs-' || s, 10, 10, now() + interval '1 day' FROM generate_series(0, 4999) AS s;
CREATE TEMP TABLE ic_rows AS
  SELECT md5('index-costs-' || s)::uuid AS session_id, t + 1 AS seq,
    (CASE WHEN t % 2 = 0 THEN 'user' ELSE 'assistant' END)::varchar(64) AS role,
    (CASE WHEN t % 2 = 0
      THEN json_build_object('role', 'user', 'content', format('question %s in conversation %s: what should we do about the pricing tiers?', t, s))::text
      ELSE format('{"id":"msg_%s_%s","type":"message","role":"assistant","status":"completed","content":[{"type":"output_text","text":"Answer %s: launch the middle tier first, then measure.","annotations":[]}]}', s, t, t)
    END)::json AS content,
    '{}'::json AS metadata, 0 AS text_bytes, now() AS created_at, 'index-costs'::varchar(128) AS user_id
  FROM generate_series(0, 4999) AS s, generate_series(0, 9) AS t;
COMMIT;

CREATE FUNCTION pg_temp.cost(setup text) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE started timestamptz; best numeric; took numeric;
BEGIN
  FOR attempt IN 1..2 LOOP
    DROP TABLE IF EXISTS ic_target;
    EXECUTE 'CREATE TABLE ic_target (LIKE ic_rows)';
    IF setup <> '' THEN EXECUTE setup; END IF;
    started := clock_timestamp();
    INSERT INTO ic_target (session_id, seq, role, content, metadata, text_bytes, created_at, user_id) SELECT * FROM ic_rows;
    took := extract(epoch FROM clock_timestamp() - started) * 1000;
    best := least(best, took);
  END LOOP;
  DROP TABLE ic_target;
  RETURN round(best);
END $$;

CREATE TEMP TABLE ic_costs (feature text, ms numeric);
INSERT INTO ic_costs SELECT 'bare', pg_temp.cost('');
INSERT INTO ic_costs SELECT 'primary key (id uuid default gen_random_uuid())', pg_temp.cost('ALTER TABLE ic_target ADD COLUMN id uuid PRIMARY KEY DEFAULT gen_random_uuid()');
INSERT INTO ic_costs SELECT 'unique (session_id, seq)', pg_temp.cost('ALTER TABLE ic_target ADD UNIQUE (session_id, seq)');
INSERT INTO ic_costs SELECT 'foreign key to sessions', pg_temp.cost('ALTER TABLE ic_target ADD FOREIGN KEY (session_id) REFERENCES sessions (id)');
INSERT INTO ic_costs SELECT 'owner trigger, every row', pg_temp.cost('CREATE TRIGGER t BEFORE INSERT ON ic_target FOR EACH ROW EXECUTE FUNCTION messages_fill_user_id()');
INSERT INTO ic_costs SELECT 'owner trigger WHEN user_id IS NULL, user_id named', pg_temp.cost('CREATE TRIGGER t BEFORE INSERT ON ic_target FOR EACH ROW WHEN (NEW.user_id IS NULL) EXECUTE FUNCTION messages_fill_user_id()');
INSERT INTO ic_costs SELECT 'b-tree (user_id, created_at, session_id, seq)', pg_temp.cost('CREATE INDEX ON ic_target (user_id, created_at DESC, session_id DESC, seq DESC)');
INSERT INTO ic_costs SELECT 'trigram GIN over message_search_text(content)', pg_temp.cost('CREATE INDEX ON ic_target USING gin (user_id, message_search_text(content) gin_trgm_ops)');
INSERT INTO ic_costs SELECT 'stored search_text column alone', pg_temp.cost('ALTER TABLE ic_target ADD COLUMN search_text text GENERATED ALWAYS AS (message_search_text(content)) STORED');
INSERT INTO ic_costs SELECT 'stored search_text + trigram GIN over it', pg_temp.cost('ALTER TABLE ic_target ADD COLUMN search_text text GENERATED ALWAYS AS (message_search_text(content)) STORED; CREATE INDEX ON ic_target USING gin (user_id, search_text gin_trgm_ops)');
INSERT INTO ic_costs SELECT 'all of messages (LIKE messages INCLUDING ALL, its key and triggers)', pg_temp.cost(
  'DROP TABLE ic_target; CREATE TABLE ic_target (LIKE messages INCLUDING ALL);
   ALTER TABLE ic_target ADD FOREIGN KEY (session_id) REFERENCES sessions (id); '
  || (SELECT string_agg(regexp_replace(pg_get_triggerdef(oid), ' ON (public\.)?messages ', ' ON ic_target '), '; ')
      FROM pg_trigger WHERE tgrelid = 'messages'::regclass AND NOT tgisinternal));
SELECT feature, ms AS "ms / 50,000 rows",
  round((ms - (SELECT ms FROM ic_costs WHERE feature = 'bare')) * 1000 / 50000, 1) AS "µs / row over bare"
FROM ic_costs;
DELETE FROM sessions WHERE user_id = 'index-costs';
