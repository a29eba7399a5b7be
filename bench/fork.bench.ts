import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { mintToken } from '../src/auth/token-signer.js';
import { createApp } from '../src/bootstrap.js';
import { databaseName } from '../src/database/database-url.js';
import { ensureDatabase } from '../src/database/ensure-database.js';
import { runMigrations } from '../src/database/migrate.js';
import { ms, percentile, summarize } from './latency-samples.js';

/*
 * `npm run bench:fork`: POST /sessions/:id/fork of a 100,000-message history, through a real
 * listening app. First the fork's time at 10k, 50k and 100k messages copied (each several times,
 * nothing else running), to show it linear in the copy; then another user's GETs (a session, its
 * latest 20 messages) before, during and after back-to-back 100k forks, to show the fork does not
 * hold them up. Uses a database of its own, never the development one.
 */
const HISTORY = Number(process.env.BENCH_FORK_HISTORY ?? 100_000);
const SIZES = [10_000, 50_000, 100_000].filter((size) => size <= HISTORY);
const REPEAT = Number(process.env.BENCH_FORK_REPEAT ?? 3);
const LIVE_READ = 200; // the other user's sessions, 20 messages each
const CONCURRENCY = 8;
const WARMUP_MS = 1000;
const WINDOW_MS = Number(process.env.BENCH_FORK_WINDOW_MS ?? 6000);
const url = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/session_store_bench_fork';
if (!databaseName(url).includes('bench')) throw new Error(`Refusing to bench on "${databaseName(url)}": its name must contain "bench"`);

Object.assign(process.env, {
  DATABASE_URL: url,
  REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/12',
  AUTH_JWT_SECRET: process.env.AUTH_JWT_SECRET || 'bench-secret-at-least-16-chars',
  CLEANUP_CRON: 'off',
  WORKER_ENABLED: 'false',
  RATE_LIMIT_PER_MINUTE: '0',
});

/** The source (one user's history of HISTORY messages, agent-SDK-shaped items) and the reader's sessions. */
async function seed(): Promise<{ sourceId: string; readIds: string[] }> {
  await ensureDatabase(url);
  await runMigrations(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('TRUNCATE sessions, cleanup_runs CASCADE');
    const started = performance.now();
    const {
      rows: [source],
    } = await client.query(
      `WITH s AS (INSERT INTO sessions (user_id, title, expires_at, last_seq, message_count)
         VALUES ('bench-forker', 'a long conversation', now() + interval '30 days', $1, $1) RETURNING id),
       m AS (INSERT INTO messages (session_id, seq, role, content, metadata, text_bytes)
         SELECT id, seq, CASE WHEN seq % 2 = 1 THEN 'user' ELSE 'assistant' END, c.content, '{}', octet_length(c.content::text) + 2
         FROM s, generate_series(1, $1) AS seq,
           LATERAL (SELECT json_build_object('role', CASE WHEN seq % 2 = 1 THEN 'user' ELSE 'assistant' END, 'content',
             json_build_array(json_build_object('type', 'input_text', 'text', 'turn ' || seq || ': ' || repeat('lorem ipsum ', 12)))) AS content) c)
       SELECT id FROM s`,
      [HISTORY],
    );
    const { rows } = await client.query(
      `WITH s AS (
         INSERT INTO sessions (user_id, title, expires_at, last_seq, message_count)
         SELECT 'bench-reader', 'read ' || n, now() + interval '30 days', 20, 20 FROM generate_series(1, $1) AS n RETURNING id),
       m AS (INSERT INTO messages (session_id, seq, role, content)
         SELECT id, seq, 'assistant', to_json('a live message ' || seq) FROM s, generate_series(1, 20) AS seq)
       SELECT id FROM s`,
      [LIVE_READ],
    );
    await client.query('ANALYZE sessions; ANALYZE messages');
    console.log(`seeded a history of ${HISTORY} messages and ${LIVE_READ} sessions of another user in ${ms(performance.now() - started)}`);
    return { sourceId: source.id, readIds: rows.map((row) => row.id) };
  } finally {
    await client.end();
  }
}

function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

async function main(): Promise<void> {
  const { sourceId, readIds } = await seed();
  const app = await createApp({ logger: ['error', 'warn'] });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = await app.getUrl();
  const forkerToken = mintToken('bench-forker', process.env.AUTH_JWT_SECRET!);
  const readerToken = mintToken('bench-reader', process.env.AUTH_JWT_SECRET!);

  /** One fork through the API: its round trip, checked to have copied `atSeq` messages. */
  const fork = async (atSeq: number): Promise<number> => {
    const start = performance.now();
    const response = await fetch(`${baseUrl}/api/v1/sessions/${sourceId}/fork`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${forkerToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ atSeq }),
    });
    const body = (await response.json()) as { messageCount?: number };
    const took = performance.now() - start;
    if (response.status !== 201 || body.messageCount !== atSeq)
      throw new Error(`fork at ${atSeq}: ${response.status} ${JSON.stringify(body)}`);
    return took;
  };

  // 1. Time against size, nothing else running (sizes interleaved, so a slow moment of the machine hits each alike).
  await fork(1000); // warm-up: connections, plans, JIT
  const times = new Map<number, number[]>(SIZES.map((size) => [size, []]));
  for (let round = 0; round < REPEAT; round++) for (const size of SIZES) times.get(size)!.push(await fork(size));
  const bySize = SIZES.map((size) => {
    const medianMs = median(times.get(size)!);
    return { messages: size, runsMs: times.get(size)!.map((t) => Math.round(t)), medianMs, usPerMessage: (medianMs * 1000) / size };
  });

  // 2. Another user's reads before, during and after back-to-back forks of the whole history.
  const worker = new Worker(new URL('./get-load.worker.js', import.meta.url), {
    workerData: { baseUrl, token: readerToken, ids: readIds, concurrency: CONCURRENCY },
  });
  const samples = new Promise<Float64Array>((resolve, reject) => worker.once('message', resolve).once('error', reject));
  await sleep(WARMUP_MS);
  const beforeStart = Date.now();
  await sleep(WINDOW_MS);
  const duringStart = Date.now();
  const duringForks: number[] = [];
  while (Date.now() - duringStart < WINDOW_MS || duringForks.length < 2) duringForks.push(await fork(HISTORY));
  const duringEnd = Date.now();
  await sleep(WINDOW_MS);
  const afterEnd = Date.now();
  worker.postMessage('stop');
  const all = await samples;
  await worker.terminate();
  await app.close();

  const before = summarize(all, beforeStart, duringStart);
  const during = summarize(all, duringStart, duringEnd);
  const after = summarize(all, duringEnd, afterEnd);
  const quiet = { p50: (before.p50 + after.p50) / 2, p99: (before.p99 + after.p99) / 2 };
  const result = {
    at: new Date().toISOString(),
    history: HISTORY,
    bySize,
    forksDuringLoadMs: duringForks.map(Math.round),
    reads: { before, during, after, ratioP50: during.p50 / quiet.p50, ratioP99: during.p99 / quiet.p99 },
  };

  console.log(`fork of a ${HISTORY}-message history, POST /sessions/:id/fork round trip, median of ${REPEAT}:`);
  const base = bySize[0];
  for (const row of bySize)
    console.log(
      `  ${String(row.messages).padStart(7)} messages: ${ms(row.medianMs).padStart(10)} (${row.usPerMessage.toFixed(2)} µs/message; ` +
        `${(row.medianMs / base.medianMs).toFixed(2)}x the time for ${(row.messages / base.messages).toFixed(0)}x the messages) runs ${row.runsMs.join(', ')} ms`,
    );
  console.log(`another user's GETs (${CONCURRENCY} clients; a session, or its latest 20 messages):`);
  for (const [name, window] of [
    ['before', before],
    ['during', during],
    ['after', after],
  ] as const)
    console.log(
      `  ${name.padEnd(6)} ${String(window.count).padStart(6)} requests, ${window.errors} errors, p50 ${ms(window.p50)}, p99 ${ms(window.p99)}, max ${ms(window.max)}`,
    );
  console.log(
    `  during ${duringForks.length} forks of ${HISTORY} (${duringForks.map(Math.round).join(', ')} ms): p50 ${result.reads.ratioP50.toFixed(2)}x, p99 ${result.reads.ratioP99.toFixed(2)}x the mean of before and after`,
  );
  const file = new URL(`./results/fork-${result.at.replace(/[:.]/g, '-')}.json`, import.meta.url.replace('/dist/bench/', '/bench/'));
  mkdirSync(new URL('.', file), { recursive: true });
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  if (before.errors + during.errors + after.errors > 0) {
    console.error('bench check failed: a GET failed');
    process.exit(1);
  }
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
