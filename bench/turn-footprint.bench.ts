import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Instance } from '../faults/service-instance.js';
import { mintToken } from '../src/auth/token-signer.js';
import { ensureDatabase } from '../src/database/ensure-database.js';
import { runMigrations } from '../src/database/migrate.js';
import { PgReplicaPair } from '../test/utils/pg-replica-pair.js';
import { startReadyProcess } from '../test/utils/ready-process.js';

/*
 * What one agent's turn (GET .../messages?limit=20, then an append of two items) costs the servers
 * behind the service, counted rather than timed, so the figures hold on a loaded machine: WAL bytes
 * and commits on the primary, Redis commands by name, and how far behind a streaming replica
 * falls. The inputs of docs/scaling.md. Run twice: without read replicas, and with one
 * (DATABASE_READ_URL, whose read-your-writes adds a statement and a Redis command per write).
 * Its own primary + replica and redis-server on ports 58442/58443/58379, the service on 58080.
 */
const PORTS = { primary: 58442, replica: 58443, redis: 58379, service: 58080 };
const TURNS = Number(process.env.FOOTPRINT_TURNS ?? 2000);
const CONNECTIONS = 16;
// A message's text: a short agent turn (FOOTPRINT_CONTENT_BYTES, default 200).
const CONTENT = 'x'.repeat(Number(process.env.FOOTPRINT_CONTENT_BYTES ?? 200));
const SECRET = 'turn-footprint-bench-secret-0123456789';
// Lists and history pages (read from PostgreSQL, not the cache) are loaded this long per kind.
const READ_SECONDS = Number(process.env.FOOTPRINT_READ_SECONDS ?? 5);
const DATABASE = 'session_store_footprint';

interface Counters {
  walBytes: bigint;
  commits: number;
  redis: Map<string, number>;
}

async function counters(primary: pg.Client, redis: Redis): Promise<Counters> {
  const { rows } = await primary.query(
    `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS wal, (SELECT sum(xact_commit)::bigint FROM pg_stat_database)::text AS commits`,
  );
  const stats = await redis.info('commandstats');
  const calls = new Map<string, number>();
  for (const [, name, count] of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(name, Number(count));
  return { walBytes: BigInt(rows[0].wal), commits: Number(rows[0].commits), redis: calls };
}

async function call(port: number, token: string, method: string, path: string, body?: object): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status}`);
}

/** TURNS turns over CONNECTIONS conversations (one user each), the counters around them. */
async function measure(label: string, env: Record<string, string>, primary: pg.Client, replicaUrl: string) {
  const instance = new Instance(label, PORTS.service, env);
  await instance.start();
  const redis = new Redis(`redis://127.0.0.1:${PORTS.redis}/0`);
  try {
    const conversations = await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        const token = mintToken(`footprint-${randomUUID()}`, SECRET);
        const created = await fetch(`http://127.0.0.1:${PORTS.service}/api/v1/sessions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: '{"title":"footprint"}',
        });
        const { id } = (await created.json()) as { id: string };
        await call(PORTS.service, token, 'GET', `/sessions/${id}/messages?limit=20`);
        return { token, id };
      }),
    );
    const before = await counters(primary, redis);
    const started = performance.now();
    let next = 0;
    await Promise.all(
      conversations.map(async ({ token, id }) => {
        while (next++ < TURNS) {
          await call(PORTS.service, token, 'GET', `/sessions/${id}/messages?limit=20`);
          const items = [
            { role: 'assistant', content: CONTENT },
            { role: 'user', content: CONTENT },
          ];
          await call(PORTS.service, token, 'POST', `/sessions/${id}/messages`, { items });
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const after = await counters(primary, redis);
    // The replica's replay after the last turn: how long it takes to reach the primary's position.
    const target = (await primary.query(`SELECT pg_current_wal_lsn()::text AS lsn`)).rows[0].lsn as string;
    const replica = new pg.Client({ connectionString: replicaUrl });
    await replica.connect();
    const caughtUpFrom = performance.now();
    while ((await replica.query(`SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done`, [target])).rows[0].done !== true) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const catchUpMs = performance.now() - caughtUpFrom;
    await replica.end();

    // Reads a replica may serve, side by side with the other run: lists, and pages before the tail.
    const reads = async (path: (id: string) => string) => {
      let done = 0;
      const until = performance.now() + READ_SECONDS * 1000;
      await Promise.all(
        conversations.map(async ({ token, id }) => {
          while (performance.now() < until) {
            await call(PORTS.service, token, 'GET', path(id));
            done++;
          }
        }),
      );
      return Math.round(done / READ_SECONDS);
    };
    const listsPerSecond = await reads(() => '/sessions?limit=20');
    const pagesPerSecond = await reads((id) => `/sessions/${id}/messages?limit=20&before=${TURNS / CONNECTIONS}`);

    const perTurn = (n: number) => Math.round((n / TURNS) * 100) / 100;
    const commands = [...after.redis.entries()]
      .map(([name, calls]) => [name, calls - (before.redis.get(name) ?? 0)] as const)
      .filter(([name, calls]) => calls > 0 && name !== 'info')
      .sort((a, b) => b[1] - a[1]);
    const redisTotal = commands.reduce((sum, [, calls]) => sum + calls, 0);
    return {
      label,
      turns: TURNS,
      'turns/s (this machine, now)': Math.round(TURNS / seconds),
      'WAL bytes / turn': Number((after.walBytes - before.walBytes) / BigInt(TURNS)),
      'commits / turn': perTurn(after.commits - before.commits),
      'Redis commands / turn': perTurn(redisTotal),
      'of which': commands.map(([name, calls]) => `${name} ${perTurn(calls)}`).join(', '),
      'replica caught up after the last turn (ms)': Math.round(catchUpMs),
      'GET /sessions req/s': listsPerSecond,
      'history page (before=) req/s': pagesPerSecond,
    };
  } finally {
    await redis.quit();
    await instance.stop('SIGTERM');
  }
}

async function main(): Promise<void> {
  const pair = new PgReplicaPair(PORTS);
  const redisServer = await startReadyProcess(
    'redis-server',
    ['--port', String(PORTS.redis), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { readyLine: 'Ready to accept connections', timeoutMs: 10_000 },
  );
  try {
    await pair.start();
    const url = pair.primary.url(DATABASE);
    await ensureDatabase(url);
    await runMigrations(url);
    const primary = new pg.Client({ connectionString: url });
    await primary.connect();
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: url,
      REDIS_URL: `redis://127.0.0.1:${PORTS.redis}/0`,
      AUTH_JWT_SECRET: SECRET,
      CLEANUP_CRON: 'off',
      RATE_LIMIT_PER_MINUTE: '1000000',
    };
    const rows = [
      await measure('no read replica', env, primary, pair.replica.url(DATABASE)),
      await measure('one read replica', { ...env, DATABASE_READ_URL: pair.replica.url(DATABASE) }, primary, pair.replica.url(DATABASE)),
    ];
    await primary.end();
    console.log(
      `turn footprint: ${TURNS} turns (read 20 + append 2 items of ${CONTENT.length} characters), ${CONNECTIONS} conversations; load ${os.loadavg()[0].toFixed(1)}`,
    );
    for (const row of rows) console.log(row);
    // One machine: the replica shares the cores, so this is what the routing costs, not what a replica's own machine adds.
    const ratio = (key: 'GET /sessions req/s' | 'history page (before=) req/s') => (rows[1][key] / rows[0][key]).toFixed(2);
    console.log(`with one replica / none: lists ${ratio('GET /sessions req/s')}x, history pages ${ratio('history page (before=) req/s')}x`);
  } finally {
    await pair.remove();
    await redisServer.stop('SIGKILL');
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
