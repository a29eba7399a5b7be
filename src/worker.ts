import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { controlConfig } from './config/app.config.js';
import { readEnvFile } from './config/env-file.js';
import { validateEnv } from './config/env.validation.js';
import { checkHandlers } from './control/handlers/deliberation-handlers.js';
import { assertServerDatabase } from './database/database-choice.js';
import { ensureDatabase } from './database/ensure-database.js';
import { maskUrl } from './database/database-url.js';
import { runMigrations } from './database/migrate.js';

/** `npm run worker`: runs deliberations (and the flush and lost-worker sweep), serves no HTTP. */
async function main(): Promise<void> {
  // A worker-only process that does not work would be a mistake, whatever the environment says.
  // Set in process.env, not only in `env`: ControlModule.forRoot() reads controlConfig() itself.
  readEnvFile();
  process.env.WORKER_ENABLED = 'true';
  const env = validateEnv(process.env);
  assertServerDatabase(env);
  if (env.REDIS_URL === '') throw new Error('the worker needs Redis for its queue, but REDIS_URL is empty');
  await checkHandlers(controlConfig.of(env)());
  // The in-process queue lives inside the instance that started the session: nothing to share.
  if (env.WORK_QUEUE === 'in-process')
    throw new Error('a separate worker needs WORK_QUEUE=redis: with in-process, `npm start` runs the work itself');
  await ensureDatabase(env.DATABASE_URL);
  await runMigrations(env.DATABASE_URL);

  const app = await NestFactory.createApplicationContext(AppModule.forRoot(env));
  app.enableShutdownHooks();
  new Logger('Worker').log(
    `worker ready: handler ${env.DELIBERATION_HANDLER}, concurrency ${env.WORKER_CONCURRENCY}, database ${maskUrl(env.DATABASE_URL)}`,
  );
}

main().catch((error: Error) => {
  console.error(`session-store worker failed to start: ${error.message}`);
  process.exit(1);
});
