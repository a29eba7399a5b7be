import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { controlConfig } from './config/app.config.js';
import { validateEnv } from './config/env.validation.js';
import { ensureDatabase } from './database/ensure-database.js';
import { maskUrl } from './database/database-url.js';
import { runMigrations } from './database/migrate.js';

/** `npm run worker`: runs deliberations (and the flush and lost-worker sweep), serves no HTTP. */
async function main(): Promise<void> {
  // A worker-only process that does not work would be a mistake, whatever the environment says.
  process.env.WORKER_ENABLED = 'true';
  validateEnv(process.env);
  if (process.env.REDIS_URL === '') throw new Error('the worker needs Redis for its queue, but REDIS_URL is empty');
  const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/session_store';
  await ensureDatabase(databaseUrl);
  await runMigrations(databaseUrl);

  const app = await NestFactory.createApplicationContext(AppModule.forRoot());
  app.enableShutdownHooks();
  const config = app.get<ConfigType<typeof controlConfig>>(controlConfig.KEY);
  new Logger('Worker').log(`worker ready: handler ${config.handler}, concurrency ${config.workerConcurrency}, database ${maskUrl(databaseUrl)}`);
}

main().catch((error: Error) => {
  console.error(`session-store worker failed to start: ${error.message}`);
  process.exit(1);
});
