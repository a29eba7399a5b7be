import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options.js';

// Any constant shared by every instance; it only has to differ from the cleanup's lock (CLEANUP_LOCK).
const MIGRATION_LOCK = 7_420_001;

/**
 * Runs pending migrations, one instance at a time: several instances starting together wait on a
 * PostgreSQL advisory lock instead of racing to create the same tables.
 */
export async function runMigrations(url: string): Promise<string[]> {
  // No timeouts (dataSourceOptions): a migration may rewrite a large table (a column's type); the
  // app's per-statement bound would roll it back on every start once the table is big enough.
  const dataSource = await new DataSource(dataSourceOptions(url)).initialize();
  const lock = dataSource.createQueryRunner();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await lock.release();
    await dataSource.destroy();
  }
}
