import 'reflect-metadata';
import { ConsoleLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { AppModule } from '../src/app.module.js';
import { readEnvFile } from '../src/config/env-file.js';
import { validateEnv } from '../src/config/env.validation.js';
import { assertServerDatabase } from '../src/database/database-choice.js';
import { ExportService } from '../src/export/export.service.js';

/*
 * A user's sessions as JSON lines, the same answer as GET /api/v1/export (docs/api.md, "Export"):
 * `npm run export -- --user <id> [--out file]`. Same configuration and same ExportService as the
 * service. With --out the lines go to `<file>.partial`, renamed to `<file>` only once complete.
 */
const USAGE = `Usage: npm run export -- --user <id> [--out <file>]

Writes the user's sessions (not deleted), one JSON line per session with its whole history.
  --user <id>    whose sessions (required)
  --out <file>   write there (complete or not at all) instead of stdout
  --help         this text`;

// Every log line goes to stderr: stdout may be the export itself.
class StderrLogger extends ConsoleLogger {
  protected override printMessages(messages: unknown[], context?: string, logLevel?: 'error', _stream?: 'stdout' | 'stderr'): void {
    super.printMessages(messages, context, logLevel, 'stderr');
  }
}

function options() {
  try {
    return parseArgs({
      options: { user: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
    }).values;
  } catch (error) {
    return fail((error as Error).message);
  }
}

function fail(message: string): never {
  console.error(`export: ${message}\n\n${USAGE}`);
  process.exit(2);
}

async function main(): Promise<void> {
  const values = options();
  if (values.help) return void console.log(USAGE);
  if (!values.user?.trim()) fail('--user is required');
  readEnvFile();
  // No schedule and no workers in this short-lived context: it only reads.
  const env = { ...validateEnv(process.env), CLEANUP_CRON: 'off', WORKER_ENABLED: false };
  assertServerDatabase(env);
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(env), {
    logger: new StderrLogger({ logLevels: ['error', 'warn'] }),
    abortOnError: false,
  });
  try {
    const lines = await app.get(ExportService).open(values.user);
    if (!values.out) return await pipeline(lines, process.stdout);
    const partial = `${values.out}.partial`;
    try {
      await pipeline(lines, createWriteStream(partial));
      await rename(partial, values.out);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  } finally {
    await app.close();
  }
}

main().catch((error: Error) => {
  console.error(`export failed: ${error.message}`);
  process.exit(1);
});
