import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { mintToken } from '../src/auth/token-signer.js';
import { createApp } from '../src/bootstrap.js';
import { databaseName } from '../src/database/database-url.js';
import { ensureDatabase } from '../src/database/ensure-database.js';
import { runMigrations } from '../src/database/migrate.js';
import { searchQuery } from '../src/search/messages-search.repository.js';

/*
 * `npm run bench:search`: GET /messages/search for one user holding BENCH_SEARCH_USER_MESSAGES
 * (1,000,000) of BENCH_SEARCH_MESSAGES (5,000,000) messages, through a real listening app; p50/p99
 * per kind of term, and the plans. Loads its own database once (generate_series, the search index
 * dropped during the load and built after it, timed: what the migration costs per million rows).
 * Never the development database; no Redis (the search does not use the cache).
 */
const TOTAL = Number(process.env.BENCH_SEARCH_MESSAGES ?? 5_000_000);
const HEAVY = Number(process.env.BENCH_SEARCH_USER_MESSAGES ?? 1_000_000);
const REQUESTS = Number(process.env.BENCH_SEARCH_REQUESTS ?? 100);
const PER_SESSION = 100;
const CHUNK_SESSIONS = 2000; // 200,000 messages a statement
const HEAVY_USER = 'search-heavy';
const url = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/session_store_bench_search';
if (!databaseName(url).includes('bench')) throw new Error(`Refusing to bench on "${databaseName(url)}": its name must contain "bench"`);

Object.assign(process.env, {
  DATABASE_URL: url,
  REDIS_URL: '',
  AUTH_JWT_SECRET: process.env.AUTH_JWT_SECRET || 'bench-secret-at-least-16-chars',
  CLEANUP_CRON: 'off',
  WORKER_ENABLED: 'false',
});

/*
 * Each message: 24 words of a 256-word vocabulary (each word in about 9 % of messages), picked by
 * a hash of its position; 1 % also say "invoice"; 1 in 10,000 a rare animal (5 of them); every
 * tenth is a tool call whose arguments are a JSON string. Shaped as the Agents SDK's items.
 */
const VOCABULARY = `time person year way day thing man world life hand part child eye woman place work week case point
government company number group problem fact be have do say get make go know take see come think look want give use find tell
ask seem feel try leave call good new first last long great little own other old right big high different small large next
early young important few public bad same able to of in for on with at by from up about into over after beneath under above
the and a that I it not he as you this but his they her she or an will my one all would there their what so out if who which
me when can like no just him people your some could them than then now only its also back two how our well even because any
these us most day price market tier launch plan report budget team sprint customer order ship weather city trip flight hotel
train ticket refund account login password email phone address payment card bank loan rate tax fee cost sale offer discount
coupon cart checkout delivery package return exchange warranty repair support agent model prompt token context memory tool
call result error retry timeout server client request response cache queue worker job task status update delete create read
write search index table row column query join filter sort page cursor limit offset schema migration backup restore deploy
release version branch merge commit review test build lint format`
  .split(/\s+/)
  .slice(0, 256);
const RARE = ['pelican', 'quokka', 'narwhal', 'axolotl', 'wombat'];

const INDEXES = {
  trigram: `CREATE INDEX messages_user_search_text_idx ON messages USING gin (user_id, search_text gin_trgm_ops)`,
  newestFirst: `CREATE INDEX messages_user_created_idx ON messages (user_id, created_at DESC, session_id DESC, seq DESC)`,
};

async function seed(client: pg.Client): Promise<{ loadMs: number; trigramIndexMs: number; newestFirstIndexMs: number } | null> {
  const { rows } = await client.query(`SELECT count(*)::int AS n FROM messages`);
  if (rows[0].n === TOTAL) return null;
  await client.query(`SET maintenance_work_mem = '512MB'`);
  await client.query(`DROP INDEX IF EXISTS messages_user_search_text_idx`);
  await client.query(`DROP INDEX IF EXISTS messages_user_created_idx`);
  await client.query(`TRUNCATE sessions CASCADE`);
  // The trigger's look-up is not what is measured: the load names each message's owner itself.
  await client.query(`ALTER TABLE messages DISABLE TRIGGER messages_fill_user_id`);
  const sessions = TOTAL / PER_SESSION;
  const every = Math.round(TOTAL / HEAVY); // every n-th session is the heavy user's
  const started = performance.now();
  for (let from = 1; from <= sessions; from += CHUNK_SESSIONS) {
    await client.query(
      `WITH s AS (
         INSERT INTO sessions (user_id, title, created_at, expires_at, last_seq, message_count)
         SELECT CASE WHEN g % $3 = 0 THEN $4 ELSE 'search-' || lpad((g % 997)::text, 3, '0') END, 'session ' || g,
                timestamptz '2026-01-01' + g * interval '1 second', now() + interval '3650 days', ${PER_SESSION}, ${PER_SESSION}
         FROM generate_series($1::int, $2::int) AS g RETURNING id, user_id, created_at, substr(title, 9)::bigint AS g)
       INSERT INTO messages (session_id, user_id, seq, role, content, created_at)
       SELECT s.id, s.user_id, n, CASE WHEN n % 2 = 1 THEN 'user' ELSE 'assistant' END,
              CASE WHEN n % 10 = 0
                THEN json_build_array(json_build_object('type', 'function_call', 'name', 'lookup', 'call_id', 'call_' || h,
                       'arguments', json_build_object('query', words)::text))
                ELSE json_build_array(json_build_object('type', CASE WHEN n % 2 = 1 THEN 'input_text' ELSE 'output_text' END, 'text', words))
              END,
              s.created_at + n * interval '1 millisecond'
       FROM s, generate_series(1, ${PER_SESSION}) AS n,
         LATERAL (SELECT (s.g * ${PER_SESSION} + n) * 2654435761 % 4294967291 AS h) AS k,
         LATERAL (SELECT (SELECT string_agg(($5::text[])[1 + (k.h * (i + 7) * 40503 / 97 % 256)::int], ' ') FROM generate_series(1, 24) AS i)
                  || CASE WHEN k.h % 100 = 0 THEN ' invoice' ELSE '' END
                  || CASE WHEN k.h % 10000 = 1 THEN ' ' || ($6::text[])[1 + (k.h / 10000 % 5)::int] ELSE '' END AS words) AS w`,
      [from, Math.min(from + CHUNK_SESSIONS - 1, sessions), every, HEAVY_USER, VOCABULARY, RARE],
    );
    const done = (Math.min(from + CHUNK_SESSIONS - 1, sessions) * PER_SESSION).toLocaleString('en-US');
    console.log(`load: ${done} messages, ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  await client.query(`ALTER TABLE messages ENABLE TRIGGER messages_fill_user_id`);
  const loadMs = performance.now() - started;
  let mark = performance.now();
  await client.query(INDEXES.trigram);
  const trigramIndexMs = performance.now() - mark;
  console.log(`trigram index: built in ${(trigramIndexMs / 1000).toFixed(0)} s`);
  mark = performance.now();
  await client.query(INDEXES.newestFirst);
  const newestFirstIndexMs = performance.now() - mark;
  await client.query(`VACUUM ANALYZE sessions`);
  await client.query(`VACUUM ANALYZE messages`);
  return { loadMs, trigramIndexMs, newestFirstIndexMs };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main(): Promise<void> {
  await ensureDatabase(url);
  await runMigrations(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const load = await seed(client);
  const [{ heavy, size }] = (
    await client.query(
      `SELECT (SELECT count(*)::int FROM messages WHERE user_id = $1) AS heavy, pg_size_pretty(pg_relation_size('messages_user_search_text_idx')) || ' (trigram), '
              || pg_size_pretty(pg_relation_size('messages_user_created_idx')) || ' (newest first)' AS size`,
      [HEAVY_USER],
    )
  ).rows;
  console.log(`${heavy.toLocaleString('en-US')} messages of ${HEAVY_USER} among ${TOTAL.toLocaleString('en-US')}; indexes ${size}`);

  const app = await createApp({ logger: ['error', 'warn'] });
  await app.listen({ port: Number(process.env.BENCH_SEARCH_PORT ?? 0), host: '127.0.0.1' });
  const base = `${await app.getUrl()}/api/v1/messages/search`;
  const headers = { Authorization: `Bearer ${mintToken(HEAVY_USER, process.env.AUTH_JWT_SECRET!)}` };
  const kinds: Array<[string, (i: number) => string]> = [
    ['rare word (1 in 10,000 messages)', (i) => RARE[i % RARE.length]],
    ['1 % of messages ("invoice")', () => 'invoice'],
    ['common word (~9 %)', (i) => VOCABULARY[100 + (i % 50)]],
    ['two words in a row', (i) => `${VOCABULARY[(i * 7) % 256]} ${VOCABULARY[(i * 13) % 256]}`],
    ['no match', (i) => `xylophone${i}`],
  ];
  const rows = [];
  for (const [kind, term] of kinds) {
    for (let i = 0; i < 5; i++) await fetch(`${base}?q=${encodeURIComponent(term(i))}`, { headers }); // warm-up
    const times: number[] = [];
    let hits = 0;
    let refused = 0; // 503: the statement passed DATABASE_STATEMENT_TIMEOUT_MS
    for (let i = 0; i < REQUESTS; i++) {
      const started = performance.now();
      const response = await fetch(`${base}?q=${encodeURIComponent(term(i))}&limit=20`, { headers });
      const body = (await response.json()) as { items: unknown[] };
      times.push(performance.now() - started);
      if (response.status === 503) refused++;
      else if (response.status !== 200) throw new Error(`${kind}: ${response.status} ${JSON.stringify(body)}`);
      else hits += body.items.length;
    }
    times.sort((a, b) => a - b);
    const row = { kind, p50: percentile(times, 50), p99: percentile(times, 99), avgHitsPerPage: hits / (REQUESTS - refused || 1), refused };
    console.log(`${kind}: p50 ${row.p50.toFixed(1)} ms, p99 ${row.p99.toFixed(1)} ms, ${refused} of ${REQUESTS} refused (503)`);
    rows.push(row);
  }
  await app.close();

  const plans: Record<string, string> = {};
  await client.query(`SET work_mem = '64MB'`); // as the service sets it for a search
  for (const term of ['quokka', 'invoice', VOCABULARY[120], `${VOCABULARY[7]} ${VOCABULARY[13]}`]) {
    const { text, values } = searchQuery(HEAVY_USER, { text: term, limit: 21 });
    const plan = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, values);
    plans[term] = plan.rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');
  }
  await client.end();

  console.log(
    `\nGET /messages/search?q=...&limit=20, ${REQUESTS} sequential requests per kind (load average ${os.loadavg()[0].toFixed(1)}):`,
  );
  console.log('| term | p50 | p99 | hits per page |\n| --- | --- | --- | --- |');
  for (const row of rows)
    console.log(`| ${row.kind} | ${row.p50.toFixed(1)} ms | ${row.p99.toFixed(1)} ms | ${row.avgHitsPerPage.toFixed(1)} |`);
  if (load) {
    const perMillion = (ms: number) => `${((ms / 1000) * (1_000_000 / TOTAL)).toFixed(0)} s per million messages`;
    console.log(
      `\nload ${(load.loadMs / 1000).toFixed(0)} s; trigram index ${perMillion(load.trigramIndexMs)}, newest-first index ${perMillion(load.newestFirstIndexMs)}`,
    );
  }
  for (const [term, plan] of Object.entries(plans)) console.log(`\nEXPLAIN (ANALYZE, BUFFERS) q=${term}:\n${plan}`);

  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/search-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), total: TOTAL, heavy, indexSize: size, load, rows, plans }, null, 2));
  console.log(`\nwritten to ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
