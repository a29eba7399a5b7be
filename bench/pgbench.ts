import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { EXPIRY_ON_WRITE } from '../src/sessions/session-expiry.sql.js';
import { capGuardSql, capSetSql, uncappedSql } from '../src/sessions/history-cap.sql.js';

/*
 * `pgbench` on the bench database, started by the bench itself: the durable work of one append
 * (the session row's counts, seq, activity and version, and one message with its text_bytes) as
 * the service sends it, at the service's HTTP concurrency, so the service's POST can be read as a
 * share of what its own database commits. Two forms: the four round trips the service makes today
 * (BEGIN, UPDATE ... RETURNING, INSERT ... RETURNING, COMMIT) and one statement (a CTE).
 * `-M prepared` runs each statement as the service now does (src/database/prepared-query.ts: a
 * named statement, parsed and planned once per connection); `-M extended` as node-pg does an
 * unnamed query (parse, bind, execute in one round trip, planned every time). Its sessions are its own (ids built from a number, user
 * `bench-pg-<n>`), so the service's fixtures never see its messages.
 */
export const PGBENCH_SESSIONS = 2000;
const RETENTION_SECONDS = 30 * 86400;

const uuidOf = (n: string) => `('00000000-0000-4000-8000-' || lpad(${n}::text, 12, '0'))::uuid`;
const ID = uuidOf(':n');
const USER = `'bench-pg-' || :n`;
// The expiry as the service moves it (kept while it satisfies the rule: the update can be HOT).
const TOUCH = `last_seq = last_seq + 1, message_count = message_count + 1, version = version + 1, updated_at = now(),
  last_activity_at = now(), ${EXPIRY_ON_WRITE.replaceAll('$1::int', String(RETENTION_SECONDS))}`;
// One item as the service sends it: text arrays unnested, content and metadata cast to json (kept as sent).
const ARRAYS = `unnest(ARRAY['user']::text[], ARRAY['"bench message"']::text[], ARRAY['{}']::text[])`;
const SIZE = `octet_length(m.content) + octet_length(m.metadata)`;

/*
 * The history cap's part of an append (src/sessions/history-cap.sql.ts and its two riders), on
 * pgbench's sessions, which no cap applies to (they set none, the defaults are 0): what its SQL
 * costs when it cuts nothing. A plain append carries only the check that no cap applies.
 */
const literal = (value: unknown) => String(value);
const NO_CAP = { maxMessages: 0, maxBytes: 0 };
const BATCH = { batch: { contentBytes: Buffer.byteLength('"bench message"'), hasUser: true }, remove: () => '', keep: () => '' };
const CAP_SET = capSetSql(literal, 1, BATCH, NO_CAP);
const CAP_GUARD = capGuardSql(NO_CAP).replaceAll('$2', ID);
const UNCAPPED = uncappedSql(NO_CAP);
const TRIM = `DELETE FROM messages m USING touched t WHERE m.session_id = t.id AND m.seq <= t.trimmed_through_seq RETURNING m.*`;
const KEEP = `INSERT INTO message_appends_removed (session_id, key, seq, id, role, content, metadata, created_at)
  SELECT d.session_id, a.key, d.seq, d.id, d.role, d.content, d.metadata, d.created_at
  FROM trimmed d CROSS JOIN LATERAL (
    SELECT key FROM message_appends WHERE session_id = d.session_id AND first_seq <= d.seq AND first_seq + count > d.seq) a`;

export const PGBENCH_SCRIPTS = {
  // What the service sent for a plain append before issue 11 (and still sends for a keyed one, plus its lookups).
  'four round trips': `\\set n random(1, ${PGBENCH_SESSIONS})
BEGIN;
UPDATE sessions SET ${TOUCH} WHERE id = ${ID} AND user_id = ${USER} AND status <> 'deleted' RETURNING last_seq AS seq, *
\\gset
INSERT INTO messages (session_id, seq, role, content, metadata, text_bytes)
  SELECT ${ID}, :seq - 1 + m.n::int, m.role, m.content::json, m.metadata::json, ${SIZE}
  FROM ${ARRAYS} WITH ORDINALITY AS m(role, content, metadata, n) RETURNING *;
COMMIT;
`,
  // What it sends for a plain append now (HistoryWrites.append: SessionsRepository.touchForHistory
  // with the messages' rider, on a row no history cap applies to).
  'one statement': `\\set n random(1, ${PGBENCH_SESSIONS})
WITH touched AS (
  UPDATE sessions SET ${TOUCH} WHERE id = ${ID} AND user_id = ${USER} AND status <> 'deleted' AND ${UNCAPPED} RETURNING *
), rider AS (
  INSERT INTO messages (id, session_id, seq, role, content, metadata, text_bytes, created_at)
  SELECT gen_random_uuid(), t.id, t.last_seq - 1 + m.n::int, m.role, m.content::json, m.metadata::json, ${SIZE}, t.last_activity_at
  FROM touched t, ${ARRAYS} WITH ORDINALITY AS m(role, content, metadata, n)
) SELECT * FROM touched;
`,
  // The same before the history cap (without its check that no cap applies), for the side by side.
  'one statement, before the history cap': `\\set n random(1, ${PGBENCH_SESSIONS})
WITH touched AS (
  UPDATE sessions SET ${TOUCH} WHERE id = ${ID} AND user_id = ${USER} AND status <> 'deleted' RETURNING *
), rider AS (
  INSERT INTO messages (id, session_id, seq, role, content, metadata, text_bytes, created_at)
  SELECT gen_random_uuid(), t.id, t.last_seq - 1 + m.n::int, m.role, m.content::json, m.metadata::json, ${SIZE}, t.last_activity_at
  FROM touched t, ${ARRAYS} WITH ORDINALITY AS m(role, content, metadata, n)
) SELECT * FROM touched;
`,
  // An append carrying the history cap's SQL (HistoryWrites.append with its HistoryCap), on a row it trims nothing of.
  'one statement, history cap': `\\set n random(1, ${PGBENCH_SESSIONS})
WITH touched AS (
  UPDATE sessions SET ${TOUCH.replace('message_count = message_count + 1, ', '')}, ${CAP_SET}
  WHERE id = ${ID} AND user_id = ${USER} AND status <> 'deleted' AND ${CAP_GUARD} RETURNING *
), rider AS (
  INSERT INTO messages (id, session_id, seq, role, content, metadata, text_bytes, created_at)
  SELECT gen_random_uuid(), t.id, t.last_seq - 1 + m.n::int, m.role, m.content::json, m.metadata::json, ${SIZE}, t.last_activity_at
  FROM touched t, ${ARRAYS} WITH ORDINALITY AS m(role, content, metadata, n)
), trimmed AS (${TRIM}), trimmed_kept AS (${KEEP})
SELECT touched.*, (SELECT count(*) FROM trimmed)::int AS trimmed_count FROM touched;
`,
};
export type PgbenchForm = keyof typeof PGBENCH_SCRIPTS;

export interface PgbenchResult {
  tps: number;
  p50: number;
  p99: number;
  failed: number;
}

/** Its sessions, once: plain rows like the service's, each with its own user. */
export async function seedPgbench(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO sessions (id, user_id, title, expires_at)
       SELECT ${uuidOf('g')}, 'bench-pg-' || g, 'pgbench', now() + interval '3650 days' FROM generate_series(1, $1) AS g
       ON CONFLICT (id) DO NOTHING`,
      [PGBENCH_SESSIONS],
    );
  } finally {
    await client.end();
  }
}

/**
 * Runs one form for `seconds` with `clients` connections (2 threads). Each transaction's latency
 * comes from pgbench's own log (-l), so p50/p99 are exact. `settings` are session settings
 * applied per connection (e.g. synchronous_commit), never the server's configuration.
 */
export async function runPgbench(
  url: string,
  form: PgbenchForm,
  options: { clients: number; seconds: number; settings?: Record<string, string>; protocol?: 'prepared' | 'extended' },
): Promise<PgbenchResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pgbench-'));
  try {
    const script = path.join(dir, 'append.sql');
    // A SET per transaction is one more round trip: settings ride on the connection (PGOPTIONS) instead.
    writeFileSync(script, PGBENCH_SCRIPTS[form]);
    const pgOptions = Object.entries(options.settings ?? {})
      .map(([name, value]) => `-c ${name}=${value}`)
      .join(' ');
    const args = ['-n', '-M', options.protocol ?? 'prepared', '-c', String(options.clients), '-j', '2', '-T', String(options.seconds)];
    args.push('-f', script, '-l', '--log-prefix', path.join(dir, 'log'), url);
    const output = await exec('pgbench', args, pgOptions ? { PGOPTIONS: pgOptions } : {});
    const tps = Number(/tps = ([\d.]+)/.exec(output)?.[1] ?? NaN);
    const failed = Number(/number of failed transactions: (\d+)/.exec(output)?.[1] ?? 0);
    const latencies: number[] = [];
    for (const file of readdirSync(dir).filter((name) => name.startsWith('log'))) {
      for (const line of readFileSync(path.join(dir, file), 'utf8').split('\n')) {
        const fields = line.split(' ');
        if (fields.length >= 3) latencies.push(Number(fields[2]) / 1000);
      }
    }
    latencies.sort((a, b) => a - b);
    const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN);
    return { tps: Math.round(tps), p50: at(0.5), p99: at(0.99), failed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function exec(command: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} exited ${code}:\n${output.slice(-2000)}`))));
  });
}
