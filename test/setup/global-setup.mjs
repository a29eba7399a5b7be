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
  if (process.env.TEST_EMBEDDED) {
    return useEmbedded(claimed).catch(async (error) => {
      await Promise.allSettled(claimed.map((resource) => resource.release()));
      throw error;
    });
  }
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

/**
 * TEST_EMBEDDED=1 (a CI job): the run as a machine without PostgreSQL and Redis would have it.
 * DATABASE_URL and REDIS_URL stay unset and the machine's servers are pointed at a closed port,
 * so the app's own choice (database-choice.ts) picks the embedded database and no Redis; the
 * embedded database (in memory) is served from this process, which outlives every test worker.
 * The machine's services are never touched.
 */
async function useEmbedded(claimed) {
  const { validateEnv } = await dist('config/env.validation.js');
  const { canConnect, chooseBacking } = await dist('database/database-choice.js');
  const { startEmbeddedDatabase } = await dist('database/embedded-database.js');
  delete process.env.DATABASE_URL;
  delete process.env.REDIS_URL;
  const closed = await closedPort();
  const backing = await chooseBacking(process.env, validateEnv(process.env), (host) => canConnect(host, closed));
  if (!backing.embeddedDatabase || !backing.withoutRedis) throw new Error('TEST_EMBEDDED: expected the embedded database and no Redis');
  const embedded = await startEmbeddedDatabase();
  claimed.push({ release: () => embedded.stop() });
  process.env.DATABASE_URL = embedded.url;
  process.env.REDIS_URL = '';
  process.env.WORK_QUEUE = 'in-process';
  await migrateFresh(embedded.url, { embedded: true });
}

/** A port nothing listens on: bound once by the OS, then let go. */
async function closedPort() {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function migrateFresh(url, { embedded = false } = {}) {
  const { ensureDatabase } = await dist('database/ensure-database.js');
  const { runMigrations } = await dist('database/migrate.js');
  const { dataSourceOptions } = await dist('database/data-source-options.js');
  if (!embedded) await ensureDatabase(url); // the embedded server has one database, whatever the URL names
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
