import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { createApp } from './bootstrap.js';
import { AppLogger } from './common/app-logger.js';
import { controlConfig } from './config/app.config.js';
import { readEnvFile } from './config/env-file.js';
import { validateEnv } from './config/env.validation.js';
import { checkHandlers } from './control/handlers/deliberation-handlers.js';
import { chooseBacking } from './database/database-choice.js';
import { EMBEDDED_DATA_DIR, type EmbeddedDatabase, startEmbeddedDatabase } from './database/embedded-database.js';
import { ensureDatabase } from './database/ensure-database.js';
import { maskUrl } from './database/database-url.js';
import { runMigrations } from './database/migrate.js';

const SHUTDOWN_TIMEOUT_MS = 10_000;
const logger = new Logger('Bootstrap');

async function main(): Promise<void> {
  Logger.overrideLogger(new AppLogger());
  const fromFile = readEnvFile();
  if (fromFile.length) logger.log(`read from .env: ${fromFile.join(', ')} (the environment wins over the file)`);
  // Fail before Nest starts, a line per bad variable, or one line for an unreachable PostgreSQL.
  // startEmbeddedIfNeeded validates the environment first (a line per bad variable).
  const embedded = await startEmbeddedIfNeeded();
  const env = validateEnv(process.env);
  // After the database choice (the queue's key prefix names the database), before migrating.
  await checkHandlers(controlConfig.of(env)());
  if (!embedded) await ensureDatabase(env.DATABASE_URL);
  const applied = await runMigrations(env.DATABASE_URL);
  if (applied.length) logger.log(`applied migrations: ${applied.join(', ')}`);

  const app = await createApp({ logger: new AppLogger() });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void shutdown(app, signal, embedded));
  try {
    await app.listen({ port: env.PORT, host: '0.0.0.0' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    throw new Error(`port ${env.PORT} is already in use (another instance still running?): stop it, or set PORT to another port`, {
      cause: error,
    });
  }
  // The bound port, not the asked one: PORT=0 picks a free port.
  const { port } = app.getHttpServer().address() as AddressInfo;
  const database = embedded ? `EMBEDDED PGlite in ${embedded.dataDir}` : maskUrl(env.DATABASE_URL);
  logger.log(
    `listening on 0.0.0.0:${port}: dashboard at http://localhost:${port}/, API docs at http://localhost:${port}/docs (database ${database})`,
  );
}

/**
 * No DATABASE_URL and nothing on 127.0.0.1:5432: the embedded database, said loudly (it is for a
 * first run: one instance, a WebAssembly PostgreSQL). With no Redis either, no cache, and the
 * sessions started here run on an in-process queue.
 */
async function startEmbeddedIfNeeded(): Promise<EmbeddedDatabase | null> {
  const backing = await chooseBacking(process.env, validateEnv(process.env));
  if (!backing.embeddedDatabase) return null;
  const why =
    process.env.DATABASE_URL === 'embedded'
      ? 'DATABASE_URL=embedded'
      : 'DATABASE_URL is not set and no PostgreSQL answers on 127.0.0.1:5432';
  const embedded = await startEmbeddedDatabase(EMBEDDED_DATA_DIR);
  process.env.DATABASE_URL = embedded.url;
  logger.warn(`${why}: using the EMBEDDED database (PGlite) in ${embedded.dataDir}`);
  logger.warn('embedded: one instance only, for trying the service; set DATABASE_URL to a PostgreSQL for anything else');
  if (backing.withoutRedis) {
    process.env.REDIS_URL = '';
    process.env.WORK_QUEUE ??= 'in-process';
    logger.warn(
      'no Redis on 127.0.0.1:6379 either: no cache; started sessions run on an in-process queue (this instance only), and its event streams are served from its memory',
    );
  }
  return embedded;
}

/** SIGTERM/SIGINT: the app closes step by step (each logged), then the embedded database; bounded, so an orchestrator's grace period is never exceeded. */
async function shutdown(app: NestFastifyApplication, signal: NodeJS.Signals, embedded: EmbeddedDatabase | null): Promise<void> {
  logger.log(`${signal} received: shutting down (at most ${SHUTDOWN_TIMEOUT_MS / 1000} s; ${signal} again to stop at once)`);
  setTimeout(() => {
    logger.error(`still shutting down after ${SHUTDOWN_TIMEOUT_MS} ms: exiting`);
    process.exit(1);
  }, SHUTDOWN_TIMEOUT_MS).unref();
  try {
    await app.close();
    logger.log('closed: workers, HTTP server, pools');
    if (embedded) {
      await embedded.stop();
      logger.log('embedded database closed');
    }
    logger.log('stopped');
    process.exit(0);
  } catch (error) {
    logger.error(`shutdown failed: ${(error as Error).message}`);
    process.exit(1);
  }
}

main().catch((error: Error) => {
  console.error(`session-store failed to start: ${error.message}`);
  process.exit(1);
});
