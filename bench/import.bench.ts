import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { databaseName } from '../src/database/database-url.js';
import { ensureDatabase } from '../src/database/ensure-database.js';
import { runMigrations } from '../src/database/migrate.js';
import pg from 'pg';
import { AnchorRows } from './import-anchors.js';
import { Instance } from '../faults/service-instance.js';
import { OtherUsers, type ProbeResult } from './import-probe.js';

/*
 * `npm run bench:import`: `npm run import` of an SDK-shaped SQLite file (100,000 sessions,
 * 1,000,000 messages) into a database of its own (made anew each run, so runs compare), beside
 * two physical anchors (import-anchors.ts): psql's `\copy` of the same rows into a bare scratch
 * table on the same server, and into a copy of `messages` with all its indexes, keys and
 * triggers. Prints messages/s for each, the import's ratio to both, and the import's time per
 * phase (its --timings). Without a cache (REDIS_URL empty): the bench measures the import, not
 * a shared Redis. Beside it, the service on the same database serves a light load of other
 * users (OtherUsers: reads and appends), measured for a while before the import and all through
 * it: their p50/p99 before against during. BENCH_IMPORT_ARGS adds arguments to the import
 * (`--writers 2`, `--batch-size 500`).
 */
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 100_000);
const PER_SESSION = 10;
const PORT = Number(process.env.BENCH_IMPORT_PORT ?? 3110);
const SECRET = 'bench-secret-at-least-16-chars';
const BEFORE_MS = 20_000;
const url = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/session_store_bench_import';
if (!databaseName(url).includes('bench')) throw new Error(`Refusing to bench on "${databaseName(url)}": its name must contain "bench"`);

const dir = mkdtempSync(join(tmpdir(), 'bench-import-'));
const file = join(dir, 'agents.db');
const anchors = new AnchorRows(join(dir, 'rows.csv'), join(dir, 'indexed-rows.csv'));
const extraArgs = (process.env.BENCH_IMPORT_ARGS ?? '').split(/\s+/).filter(Boolean);

function item(session: number, turn: number): string {
  return turn % 2 === 0
    ? JSON.stringify({ role: 'user', content: `question ${turn} in conversation ${session}: what should we do about the pricing tiers?` })
    : JSON.stringify({
        id: `msg_${session}_${turn}`,
        type: 'message',
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: `Answer ${turn}: launch the middle tier first, then measure.`, annotations: [] }],
      });
}

async function makeSource(): Promise<void> {
  const db = new DatabaseSync(file);
  db.exec(`CREATE TABLE agent_sessions (session_id TEXT PRIMARY KEY, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);
    CREATE TABLE agent_messages (id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL, message_data TEXT NOT NULL, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);
    CREATE INDEX idx_agent_messages_session_id ON agent_messages (session_id, id); BEGIN`);
  const addSession = db.prepare('INSERT INTO agent_sessions (session_id) VALUES (?)');
  const addMessage = db.prepare('INSERT INTO agent_messages (session_id, message_data) VALUES (?, ?)');
  const now = new Date().toISOString();
  for (let s = 0; s < SESSIONS; s++) {
    const id = `bench-${s}`;
    addSession.run(id);
    for (let t = 0; t < PER_SESSION; t++) {
      const text = item(s, t);
      addMessage.run(id, text);
      await anchors.add(s, id, t + 1, t % 2 ? 'assistant' : 'user', text, now);
    }
  }
  db.exec('COMMIT');
  db.close();
  await anchors.end();
}

/** The bench's database, empty and migrated: a run never measures the rows an earlier one left. */
async function freshDatabase(): Promise<void> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "${databaseName(url).replace(/"/g, '""')}"`);
  await client.end();
  await ensureDatabase(url);
  await runMigrations(url);
}

async function main(): Promise<void> {
  await freshDatabase();
  console.log(`making ${SESSIONS} sessions, ${SESSIONS * PER_SESSION} messages...`);
  await makeSource();
  const messages = SESSIONS * PER_SESSION;
  const user = `bench-${Date.now()}`;
  const env = { ...process.env, DATABASE_URL: url, REDIS_URL: '' };
  const service = new Instance('service', PORT, {
    NODE_ENV: 'production',
    DATABASE_URL: url,
    REDIS_URL: '',
    AUTH_JWT_SECRET: SECRET,
    CLEANUP_CRON: 'off',
    RATE_LIMIT_PER_MINUTE: '1000000000',
  });
  await service.start();
  const others = new OtherUsers(PORT, SECRET);
  let before: ProbeResult;
  let during: ProbeResult;
  let importSeconds: number;
  let phases = '';
  try {
    await others.seed();
    before = await others.measure(new Promise((resolve) => setTimeout(resolve, BEFORE_MS)));
    const started = process.hrtime.bigint();
    const importer = spawn(
      process.execPath,
      ['dist/scripts/import.js', `agents-sqlite:${file}`, '--user', user, '--timings', ...extraArgs],
      {
        env,
        stdio: ['ignore', 'inherit', 'pipe'],
      },
    );
    importer.stderr.setEncoding('utf8');
    importer.stderr.on('data', (text: string) => {
      phases += text;
      process.stderr.write(text);
    });
    const exited = new Promise<number | null>((resolve) => importer.once('exit', resolve));
    during = await others.measure(exited);
    if ((await exited) !== 0) throw new Error('import failed');
    importSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  } finally {
    await service.stop('SIGTERM');
  }
  const copy = anchors.time(url, SESSIONS, PER_SESSION);
  const rate = (seconds: number) => Math.round(messages / seconds);
  const ratio = (seconds: number) => Math.round((100 * seconds) / importSeconds);
  console.log(
    `npm run import${extraArgs.length ? ` ${extraArgs.join(' ')}` : ''}: ${importSeconds.toFixed(1)} s, ${rate(importSeconds)} messages/s`,
  );
  console.log(`psql \\copy (anchor): ${copy.bare.toFixed(1)} s, ${rate(copy.bare)} messages/s`);
  console.log(`import / \\copy: ${ratio(copy.bare)} %`);
  console.log(
    `psql \\copy into a copy of messages (its indexes, keys, triggers): ${copy.indexed.toFixed(1)} s, ${rate(copy.indexed)} messages/s`,
  );
  console.log(`import / indexed \\copy: ${ratio(copy.indexed)} %`);
  if (phases.includes('time per phase')) console.log(phases.slice(phases.lastIndexOf('time per phase')).trimEnd());
  const probe = (result: ProbeResult) =>
    `p50 ${result.p50} ms, p99 ${result.p99} ms (${result.requests} requests, ${result.errors} errors)`;
  console.log(`other users' reads and appends before the import: ${probe(before)}`);
  console.log(`other users' reads and appends during the import: ${probe(during)}`);
  console.log(
    `load average at the end: ${os
      .loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')} on ${os.cpus().length} cores`,
  );
  rmSync(dir, { recursive: true, force: true });
}

void main();
