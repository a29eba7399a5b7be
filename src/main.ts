import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createApp } from './bootstrap.js';
import { validateEnv } from './config/env.validation.js';
import { ensureDatabase } from './database/ensure-database.js';
import { maskUrl } from './database/database-url.js';
import { runMigrations } from './database/migrate.js';

const SHUTDOWN_TIMEOUT_MS = 10_000;

async function main(): Promise<void> {
  // Fail before Nest starts, with one line, on a bad variable or an unreachable PostgreSQL.
  validateEnv(process.env);
  const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/session_store';
  await ensureDatabase(databaseUrl);
  const applied = await runMigrations(databaseUrl);
  const logger = new Logger('Bootstrap');
  if (applied.length) logger.log(`applied migrations: ${applied.join(', ')}`);

  const app = await createApp();
  // enableShutdownHooks closes the app on SIGTERM (stop accepting, finish in-flight work, close
  // pools); this bounds it, so an orchestrator's grace period is never exceeded.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => setTimeout(() => process.exit(1), SHUTDOWN_TIMEOUT_MS).unref());
  }
  const port = app.get(ConfigService).getOrThrow<number>('app.port');
  await app.listen({ port, host: '0.0.0.0' });
  logger.log(`listening on 0.0.0.0:${port} (database ${maskUrl(databaseUrl)}); docs at /docs`);
}

main().catch((error: Error) => {
  console.error(`session-store failed to start: ${error.message}`);
  process.exit(1);
});
