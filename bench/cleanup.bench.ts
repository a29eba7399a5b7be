import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { mintToken } from '../src/auth/token-signer.js';
import { createApp } from '../src/bootstrap.js';
import { CleanupBatchRunner } from '../src/cleanup/cleanup-batch.runner.js';
import { CleanupService } from '../src/cleanup/cleanup.service.js';
import { databaseName } from '../src/database/database-url.js';
import { ensureDatabase } from '../src/database/ensure-database.js';
import { runMigrations } from '../src/database/migrate.js';
import { ms, summarize } from './latency-samples.js';

/*
 * `npm run bench:cleanup`: one cleanup pass over 100,000 expired sessions (2 messages each) among
 * live ones, while clients GET live sessions from a real listening app. Prints the pass and the
 * GETs' latency before and during it. Uses a database of its own, never the development one.
 */
const EXPIRED = Number(process.env.BENCH_EXPIRED ?? 100_000);
const LIVE_BACKGROUND = 20_000; // other users' live sessions the pass must look past
const LIVE_READ = 200; // the sessions the clients read, 20 messages each
const CONCURRENCY = 8;
const WARMUP_MS = 1000; // first reads fill the cache and warm the JIT: not counted
const BASELINE_MS = 3000;
const url = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/session_store_bench_cleanup';
if (!databaseName(url).includes('bench')) throw new Error(`Refusing to bench on "${databaseName(url)}": its name must contain "bench"`);

Object.assign(process.env, {
  DATABASE_URL: url,
  REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/12',
  AUTH_JWT_SECRET: process.env.AUTH_JWT_SECRET || 'bench-secret-at-least-16-chars',
  CLEANUP_CRON: 'off',
});

async function seed(): Promise<string[]> {
  await ensureDatabase(url);
  await runMigrations(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('TRUNCATE sessions, cleanup_runs CASCADE');
    const started = performance.now();
    await client.query(
      `WITH s AS (
         INSERT INTO sessions (user_id, title, expires_at, last_activity_at, last_seq, message_count)
         SELECT 'expired-' || (n % 1000), 'old ' || n, now() - interval '1 day', now() - interval '31 days', 2, 2
         FROM generate_series(1, $1) AS n RETURNING id)
       INSERT INTO messages (session_id, seq, role, content)
       SELECT id, seq, 'user', to_jsonb('an old message ' || seq) FROM s, generate_series(1, 2) AS seq`,
      [EXPIRED],
    );
    await client.query(
      `INSERT INTO sessions (user_id, title, expires_at) SELECT 'live-' || (n % 1000), 'live ' || n, now() + interval '30 days'
       FROM generate_series(1, $1) AS n`,
      [LIVE_BACKGROUND],
    );
    const { rows } = await client.query(
      `WITH s AS (
         INSERT INTO sessions (user_id, title, expires_at, last_seq, message_count)
         SELECT 'bench-reader', 'read ' || n, now() + interval '30 days', 20, 20 FROM generate_series(1, $1) AS n RETURNING id),
       m AS (INSERT INTO messages (session_id, seq, role, content)
         SELECT id, seq, 'assistant', to_jsonb('a live message ' || seq) FROM s, generate_series(1, 20) AS seq)
       SELECT id FROM s`,
      [LIVE_READ],
    );
    await client.query('ANALYZE sessions; ANALYZE messages');
    console.log(
      `seeded ${EXPIRED} expired sessions (+${2 * EXPIRED} messages) and ${LIVE_BACKGROUND + LIVE_READ} live ones in ${ms(performance.now() - started)}`,
    );
    return rows.map((row) => row.id);
  } finally {
    await client.end();
  }
}

async function countSessions(): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('SELECT count(*)::int AS n FROM sessions')).rows[0].n;
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const ids = await seed();
  const app = await createApp({ logger: ['error', 'warn'] });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = await app.getUrl();
  const token = mintToken('bench-reader', process.env.AUTH_JWT_SECRET!);
  const job = app.get(CleanupService);

  const worker = new Worker(new URL('./get-load.worker.js', import.meta.url), {
    workerData: { baseUrl, token, ids, concurrency: CONCURRENCY },
  });
  const samples = new Promise<Float64Array>((resolve, reject) => worker.once('message', resolve).once('error', reject));

  await sleep(WARMUP_MS);
  const loadStart = Date.now();
  await sleep(BASELINE_MS);
  const passStart = Date.now();
  const outcome = await job.run(new Date());
  const passEnd = Date.now();
  worker.postMessage('stop');
  const all = await samples;
  await worker.terminate();
  if (outcome.skipped) throw new Error(`the pass skipped (${outcome.reason})`);

  const left = await countSessions();
  const result = {
    at: new Date().toISOString(),
    batchSize: app.get(CleanupBatchRunner).batchSize,
    pass: { durationMs: passEnd - passStart, removed: outcome.run.expired, batches: outcome.run.batches, sessionsLeft: left },
    getsBefore: summarize(all, loadStart, passStart),
    getsDuringPass: summarize(all, passStart, passEnd),
  };
  await app.close();

  const { pass, getsBefore: before, getsDuringPass: during } = result;
  console.log(
    `cleanup pass: removed ${pass.removed} sessions in ${pass.batches} batches of ${result.batchSize} in ${pass.durationMs} ms; ${pass.sessionsLeft} live sessions left`,
  );
  console.log(
    `GETs before the pass (${BASELINE_MS} ms): ${before.count} requests, ${before.errors} errors, p50 ${ms(before.p50)}, p99 ${ms(before.p99)}`,
  );
  console.log(
    `GETs during the pass:       ${during.count} requests, ${during.errors} errors, p50 ${ms(during.p50)}, p99 ${ms(during.p99)}, max ${ms(during.max)}`,
  );
  const file = new URL(`./results/cleanup-${result.at.replace(/[:.]/g, '-')}.json`, import.meta.url.replace('/dist/bench/', '/bench/'));
  mkdirSync(new URL('.', file), { recursive: true });
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  if (pass.removed !== EXPIRED || pass.sessionsLeft !== LIVE_BACKGROUND + LIVE_READ || during.errors > 0) {
    console.error('bench check failed: not every expired session went, a live one went, or a GET failed');
    process.exit(1);
  }
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
