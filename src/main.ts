import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { createApp } from './bootstrap.js';
import { controlConfig } from './config/app.config.js';
import { validateEnv } from './config/env.validation.js';
import { checkHandlers } from './control/deliberation/deliberation-handlers.js';
import { ensureDatabase } from './database/ensure-database.js';
import { maskUrl } from './database/database-url.js';
import { runMigrations } from './database/migrate.js';

const SHUTDOWN_TIMEOUT_MS = 10_000;

async function main(): Promise<void> {
  // Fail before Nest starts, a line per bad variable, or one line for an unreachable PostgreSQL.
  const env = validateEnv(process.env);
  await checkHandlers(controlConfig.of(env)());
  await ensureDatabase(env.DATABASE_URL);
  const applied = await runMigrations(env.DATABASE_URL);
  const logger = new Logger('Bootstrap');
  if (applied.length) logger.log(`applied migrations: ${applied.join(', ')}`);

  const app = await createApp();
  // enableShutdownHooks closes the app on SIGTERM (stop accepting, finish in-flight work, close
  // pools); this bounds it, so an orchestrator's grace period is never exceeded.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => setTimeout(() => process.exit(1), SHUTDOWN_TIMEOUT_MS).unref());
  }
  await app.listen({ port: env.PORT, host: '0.0.0.0' });
  // The bound port, not the asked one: PORT=0 picks a free port.
  const { port } = app.getHttpServer().address() as AddressInfo;
  logger.log(`listening on 0.0.0.0:${port} (database ${maskUrl(env.DATABASE_URL)}); API docs at /docs`);
}

main().catch((error: Error) => {
  console.error(`session-store failed to start: ${error.message}`);
  process.exit(1);
});
