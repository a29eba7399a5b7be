import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddTitleSearchIndex1764835200000 implements MigrationInterface {
  name = 'AddTitleSearchIndex1764835200000';

  // GET /sessions?q= (title contains, case-insensitive) is `title ILIKE '%q%'` within one user's
  // sessions: a b-tree cannot serve a pattern with a leading wildcard, a trigram GIN index can.
  // btree_gin puts user_id in the same index, so the search never reads other users' entries,
  // and a q of one or two characters (no trigram) still narrows to the user. Both extensions are
  // in PostgreSQL's contrib and trusted (a database owner may create them, no superuser needed).
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`CREATE EXTENSION IF NOT EXISTS btree_gin`);
    await q.query(`CREATE INDEX sessions_user_title_trgm_idx ON sessions USING gin (user_id, title gin_trgm_ops)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX sessions_user_title_trgm_idx`);
    // The extensions stay: other schemas in this database may use them.
  }
}
