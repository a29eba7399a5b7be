import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import { AppModule } from '../src/app.module.js';
import { readEnvFile } from '../src/config/env-file.js';
import { validateEnv } from '../src/config/env.validation.js';
import { assertServerDatabase } from '../src/database/database-choice.js';
import { ImportEngine } from '../src/import/import.engine.js';
import { progressFor } from '../src/import/import-progress.js';
import { ImportTimings } from '../src/import/import-timings.js';
import type { ImportSource } from '../src/import/import-source.js';
import { SourceUnavailableError } from '../src/import/import-source.js';
import { openSource } from '../src/import/import-sources.js';
import { DEFAULT_KEY_PREFIX } from '../src/import/sources/agents-redis.source.js';
import { DEFAULT_TABLES } from '../src/import/sources/source-name.js';
import { isUserId } from '../src/import/user-id.js';

const USAGE =
  'usage: npm run import -- <agents-sqlite:<file>|agents-postgres:<url>|agents-redis:<url>|jsonl:<file>|sqlite-conversations:<file>> --user <id> [--dry-run] [--batch-size n] [--writers n] [--timings] [--sessions-table t] [--messages-table t] [--key-prefix p]';

/*
 * Moves existing histories into the store (docs/import.md): the source's sessions in batches of
 * whole sessions, one transaction each, then the verification table on stdout. Exit 0 when every
 * session is in, 1 when some were refused (named in the table), 2 when the source cannot be
 * opened or the command line is wrong.
 */
async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      user: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      'batch-size': { type: 'string', default: '1000' },
      writers: { type: 'string', default: '2' },
      timings: { type: 'boolean', default: false },
      'sessions-table': { type: 'string', default: DEFAULT_TABLES.sessionsTable },
      'messages-table': { type: 'string', default: DEFAULT_TABLES.messagesTable },
      'key-prefix': { type: 'string', default: DEFAULT_KEY_PREFIX },
    },
  });
  const batchSize = Number(values['batch-size']);
  const writers = Number(values.writers);
  if (
    positionals.length !== 1 ||
    !values.user ||
    !isUserId(values.user) ||
    !Number.isInteger(batchSize) ||
    batchSize < 1 ||
    batchSize > 10_000 ||
    !Number.isInteger(writers) ||
    writers < 1 ||
    writers > 8
  ) {
    console.error(USAGE);
    console.error(
      '  --user: 1..128 characters without control characters; --batch-size: 1..10000 sessions per transaction; --writers: 1..8 transactions at once',
    );
    return 2;
  }
  let source: ImportSource;
  try {
    source = await openSource(positionals[0], {
      sessionsTable: values['sessions-table'],
      messagesTable: values['messages-table'],
      keyPrefix: values['key-prefix'],
    });
  } catch (error) {
    if (!(error instanceof SourceUnavailableError)) throw error;
    console.error(`import: ${error.message}`);
    return 2;
  }
  readEnvFile();
  const env = { ...validateEnv(process.env), CLEANUP_CRON: 'off' };
  assertServerDatabase(env);
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(env), { logger: ['error', 'warn'], abortOnError: false });
  try {
    const dryRun = values['dry-run'];
    const timings = new ImportTimings();
    const report = await app.get(ImportEngine).run(source, { userId: values.user, dryRun, batchSize, writers }, progressFor(), timings);
    console.log(`${dryRun ? 'dry run (nothing stored): ' : ''}${source.name} as user ${JSON.stringify(values.user)}`);
    console.log(report.table(dryRun));
    if (values.timings) console.error(`time per phase (reading overlaps the writes):\n${timings.table()}`);
    return report.sessions.refused ? 1 : 0;
  } finally {
    await source.close();
    await app.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`import failed: ${error.message}`);
    process.exit(1);
  },
);
