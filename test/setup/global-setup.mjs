// Plain JavaScript: Jest loads global setup with Node's own loader, which cannot resolve the
// TypeScript sources, so this uses the build `npm test` makes first (the code main.ts runs).
import pg from 'pg';
import { DataSource } from 'typeorm';
import { claimDatabase } from './test-database.mjs';
import { claimRedisIndex } from './test-redis.mjs';

const dist = (path) => import(new URL(`../../dist/src/${path}`, import.meta.url).href);

/**
 * Once per run, before any worker starts (workers inherit this environment), for the medium and
 * e2e projects only (unit specs need neither a build nor a database):
 * the run claims a database and a Redis database index of its own (test-database.mjs,
 * test-redis.mjs), never the development ones nor another run's; the database gets a fresh schema
 * built by the real migrations, and every migration is also reverted and re-applied so that each
 * `down` is exercised too. global-teardown.mjs gives both back.
 */
export default async function globalSetup() {
  process.env.NODE_ENV = 'test';
  process.env.AUTH_JWT_SECRET = 'test-secret-at-least-16-chars';
  // A scheduled pass firing mid-run would remove other tests' rows: tests call run(now) instead.
  process.env.CLEANUP_CRON = 'off';

  const claimed = [];
  globalThis.__sessionStoreTestRun = claimed; // read by global-teardown.mjs (same process)
  try {
    const database = await claimDatabase();
    claimed.push(database);
    const redis = await claimRedisIndex();
    claimed.push(redis);
    process.env.DATABASE_URL = database.url;
    process.env.REDIS_URL = redis.url;
    await migrateFresh(database.url);
  } catch (error) {
    // Jest runs no teardown after a failed setup: give back what was claimed so far.
    await Promise.allSettled(claimed.map((resource) => resource.release()));
    throw error;
  }
}

async function migrateFresh(url) {
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
