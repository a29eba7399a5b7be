// Plain JavaScript: Jest loads global setup with Node's own loader, which cannot resolve the
// TypeScript sources, so this uses the build `npm test` makes first (the code main.ts runs).
import pg from 'pg';
import { DataSource } from 'typeorm';

const dist = (path) => import(new URL(`../../dist/src/${path}`, import.meta.url).href);

/**
 * Once per run, before any worker starts (workers inherit this environment):
 * tests get their own database and Redis database index, never the development ones;
 * the test database gets a fresh schema built by the real migrations, and every migration is
 * also reverted and re-applied so that each `down` is exercised too.
 */
export default async function globalSetup() {
  process.env.NODE_ENV = 'test';
  process.env.DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/session_store_test';
  process.env.REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/15';
  process.env.AUTH_JWT_SECRET = 'test-secret-at-least-16-chars';
  // A scheduled pass firing mid-run would remove other tests' rows: tests call run(now) instead.
  process.env.CLEANUP_CRON = 'off';

  const url = process.env.DATABASE_URL;
  const name = new URL(url).pathname.slice(1);
  if (!name.includes('test')) throw new Error(`Refusing to run tests against database "${name}": its name must contain "test"`);

  const { ensureDatabase } = await dist('database/ensure-database.js');
  const { runMigrations } = await dist('database/migrate.js');
  const { dataSourceOptions } = await dist('database/data-source-options.js');
  await ensureDatabase(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  await client.end();

  await runMigrations(url);
  const dataSource = await new DataSource(dataSourceOptions(url)).initialize();
  while ((await dataSource.query('SELECT count(*)::int AS n FROM migrations'))[0].n > 0) {
    await dataSource.undoLastMigration();
  }
  await dataSource.destroy();
  await runMigrations(url);
}
