import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import { AppModule } from '../src/app.module.js';
import { CleanupService } from '../src/cleanup/cleanup.service.js';
import { readEnvFile } from '../src/config/env-file.js';
import { validateEnv } from '../src/config/env.validation.js';
import { assertServerDatabase } from '../src/database/database-choice.js';

/*
 * One cleanup pass from a shell or an external scheduler: `npm run cleanup -- [--dry-run]`.
 * Same configuration and same CleanupService.run() as the service; prints what it did and exits 0, also when
 * another instance held the lock (nothing is wrong then, that instance does the work).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'dry-run': { type: 'boolean', default: false } } });
  const dryRun = values['dry-run'];
  readEnvFile();
  // A line per bad variable, as main.ts does; then no schedule in this short-lived context.
  const env = { ...validateEnv(process.env), CLEANUP_CRON: 'off' };
  assertServerDatabase(env);
  // abortOnError off: a failure to start (PostgreSQL unreachable) is thrown and printed, not an abort().
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(env), { logger: ['error', 'warn'], abortOnError: false });
  try {
    const outcome = await app.get(CleanupService).run(new Date(), { dryRun, trigger: 'cli' });
    if (outcome.skipped) console.log('skipped: another instance is running a cleanup pass');
    else if (dryRun) console.log(`dry run: ${outcome.run.expired} expired sessions would be removed`);
    else console.log(`removed ${outcome.run.expired} expired sessions (${outcome.run.batches} batches)`);
  } finally {
    await app.close();
  }
}

main().catch((error: Error) => {
  console.error(`cleanup failed: ${error.message}`);
  process.exit(1);
});
