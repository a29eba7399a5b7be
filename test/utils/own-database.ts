import { ensureDatabase } from '../../src/database/ensure-database.js';
import { runMigrations } from '../../src/database/migrate.js';
import { withSql } from './sql.js';

/**
 * A migrated database of the suite's own, beside the shared test database. A cleanup pass is
 * global (every deleted or expired session goes), so a spec that runs passes must not share a
 * database with specs whose sessions it would remove under them.
 */
export async function ownDatabase(suffix: string): Promise<string> {
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `${url.pathname}_${suffix}`;
  await ensureDatabase(url.toString());
  await withSql((sql) => sql.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public'), url.toString());
  await runMigrations(url.toString());
  return url.toString();
}
