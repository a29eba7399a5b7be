import autocannon from 'autocannon';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { Redis } from 'ioredis';
import { ensureDatabase } from '../src/database/ensure-database.js';
import { runMigrations } from '../src/database/migrate.js';
import { Instance } from '../faults/service-instance.js';
import { mintToken } from '../src/auth/token-signer.js';
import { agentTurns } from './agent-turn.js';
import { fixtures, HEAVY_USER, seed } from './bench-seed.js';

/*
 * `npm run bench`: the built service in its own process, loaded by autocannon from this one,
 * once with the cache on and once with REDIS_URL="" (PostgreSQL alone), side by side in one run.
 * Uses its own database and Redis index, never the development ones.
 */
const DATABASE_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/session_store_bench';
const REDIS_URL = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379/11';
const SECONDS = Number(process.env.BENCH_SECONDS || 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 32);
const SECRET = 'bench-secret-at-least-16-chars';
const PORTS = { on: 3101, off: 3102 };
// The cache-on service with the rate limiter off (RATE_LIMIT_PER_MINUTE=0), beside `on` (limiter on, high).
const UNLIMITED_PORT = 3103;
const LIMITED_PORT = 3104;
const HIGH_RATE_LIMIT = '1000000000';

const tokens = new Map<string, string>();
const bearer = (user: string) => {
  if (!tokens.has(user)) tokens.set(user, `Bearer ${mintToken(user, SECRET)}`);
  return tokens.get(user)!;
};

interface Result {
  name: string;
  cache: 'on' | 'off';
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** One scenario: each request takes the next of `paths` (user and path), round robin. */
async function run(
  name: string,
  cache: 'on' | 'off',
  targets: Array<{ user: string; path: string }>,
  body?: object,
  port = PORTS[cache],
): Promise<Result> {
  let next = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method: body ? 'POST' : 'GET',
        body: body ? JSON.stringify(body) : undefined,
        setupRequest: (request: any) => {
          const target = targets[next++ % targets.length];
          request.path = target.path;
          request.headers = { ...request.headers, authorization: bearer(target.user), 'content-type': 'application/json' };
          return request;
        },
      },
    ],
  });
  const errors = result.errors + result.timeouts + result.non2xx;
  const line = { name, cache, rps: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99, errors };
  console.log(`  ${name} (cache ${cache}): ${line.rps} req/s, p50 ${line.p50} ms, p99 ${line.p99} ms, errors ${errors}`);
  return line;
}

// The machine may be shared: its load during the run says how far the figures can be trusted.
const loadAtStart = os.loadavg();

async function main(): Promise<void> {
  await ensureDatabase(DATABASE_URL);
  await runMigrations(DATABASE_URL);
  await seed(DATABASE_URL, console.log);
  const data = await fixtures(DATABASE_URL);
  const redis = new Redis(REDIS_URL);
  await redis.flushdb();
  await redis.quit();

  // The limiter is on everywhere (high, so nothing is refused): the targets hold with it.
  const env = {
    NODE_ENV: 'production',
    DATABASE_URL,
    AUTH_JWT_SECRET: SECRET,
    CLEANUP_CRON: 'off',
    RATE_LIMIT_PER_MINUTE: HIGH_RATE_LIMIT,
  };
  const on = new Instance('cache on', PORTS.on, { ...env, REDIS_URL });
  const off = new Instance('cache off', PORTS.off, { ...env, REDIS_URL: '' });
  // The limiter's cost is measured between two fresh twins that differ in the limiter alone (the
  // "cache on" instance has served every other scenario by then, which skews a comparison with it).
  const unlimited = new Instance('limiter off', UNLIMITED_PORT, { ...env, REDIS_URL, RATE_LIMIT_PER_MINUTE: '0' });
  const limited = new Instance('limiter on', LIMITED_PORT, { ...env, REDIS_URL });
  await Promise.all([on.start(), off.start(), unlimited.start(), limited.start()]);
  const results: Result[] = [];
  try {
    const session = data.sessions.map(({ user, id }) => ({ user, path: `/api/v1/sessions/${id}` }));
    const messages = data.histories.map(({ user, id }) => ({ user, path: `/api/v1/sessions/${id}/messages?limit=20` }));
    const firstPage = [{ user: HEAVY_USER, path: '/api/v1/sessions' }];
    const deepPage = [{ user: HEAVY_USER, path: `/api/v1/sessions?cursor=${data.deepCursor}` }];
    const create = data.sessions.map(({ user }) => ({ user, path: '/api/v1/sessions' }));
    const append = data.sessions.map(({ user, id }) => ({ user, path: `/api/v1/sessions/${id}/messages` }));

    // Warm-up: fill the cache and the JIT before anything is measured.
    await autocannon({ url: `http://127.0.0.1:${PORTS.on}/health/live`, connections: 8, amount: 2000 });
    await run('warm-up GET /sessions/:id', 'on', session);
    await run('warm-up GET /sessions/:id, limiter off', 'on', session, undefined, UNLIMITED_PORT);
    await run('warm-up GET /sessions/:id, limiter on', 'on', session, undefined, LIMITED_PORT);

    console.log('measuring');
    results.push(await run('GET /health/live (ceiling)', 'on', [{ user: 'x', path: '/health/live' }]));
    for (const cache of ['on', 'off'] as const) {
      results.push(await run('GET /sessions/:id', cache, session));
      results.push(await run('GET /sessions/:id/messages?limit=20', cache, messages));
      results.push(await run('GET /sessions (first page)', cache, firstPage));
      results.push(await run('GET /sessions (page 500)', cache, deepPage));
    }
    results.push(await run('POST /sessions', 'on', create, { title: 'bench' }));
    results.push(await run('POST /sessions/:id/messages', 'on', append, { role: 'user', content: 'bench message' }));
    // An agent's turn (getItems(20) then addItems(2)) through packages/client's AgentsSession, and
    // the same two requests in plain fetch beside it (without and with the Idempotency-Key every
    // AgentsSession write carries): turns/s and a whole turn's latency.
    for (const via of ['HTTP', 'HTTP with Idempotency-Key', 'AgentsSession'] as const) {
      const name = `agent turn via ${via}: read 20 + append 2 (turns/s)`;
      const turns = await agentTurns({ port: PORTS.on, connections: CONNECTIONS, seconds: SECONDS, bearer }, via);
      console.log(`  ${name}: ${turns.rps} turns/s, p50 ${turns.p50} ms, p99 ${turns.p99} ms, errors ${turns.errors}`);
      results.push({ name, cache: 'on', ...turns });
    }
    // The limiter's cost: the cached GET without it and with it, three times each in the order
    // off on on off off on, so that a load drifting on a shared machine falls on both alike.
    for (const [round, limiter] of (['off', 'on', 'on', 'off', 'off', 'on'] as const).entries()) {
      const name = `GET /sessions/:id, limiter ${limiter === 'off' ? 'off' : 'on (high)'} #${round + 1}`;
      results.push(await run(name, 'on', session, undefined, limiter === 'off' ? UNLIMITED_PORT : LIMITED_PORT));
    }
  } finally {
    await Promise.all([on.stop('SIGTERM'), off.stop('SIGTERM'), unlimited.stop('SIGTERM'), limited.stop('SIGTERM')]);
  }
  report(results);
}

function report(results: Result[]): void {
  const ceiling = results[0].rps;
  const find = (name: string, cache: 'on' | 'off') => results.find((r) => r.name === name && r.cache === cache);
  const rows = results.map((r) => {
    const other = r.cache === 'on' ? find(r.name, 'off') : undefined;
    return {
      scenario: r.name,
      cache: r.cache,
      'req/s': r.rps,
      'p50 ms': r.p50,
      'p99 ms': r.p99,
      errors: r.errors,
      'of ceiling': `${Math.round((100 * r.rps) / ceiling)} %`,
      'on/off': other ? `${(r.rps / other.rps).toFixed(2)}x` : '',
    };
  });
  const mean = (prefix: string) => {
    const runs = results.filter((r) => r.name.startsWith(prefix));
    return Math.round(runs.reduce((sum, r) => sum + r.rps, 0) / runs.length);
  };
  const limiter = { offRps: mean('GET /sessions/:id, limiter off'), onRps: mean('GET /sessions/:id, limiter on') };
  const limiterRatio = limiter.onRps / limiter.offRps;
  rows.push({
    scenario: 'cached GET: limiter on / off (mean of 3)',
    cache: 'on',
    'req/s': limiter.onRps,
    'p50 ms': NaN,
    'p99 ms': NaN,
    errors: 0,
    'of ceiling': `${Math.round((100 * limiter.onRps) / ceiling)} %`,
    'on/off': `${limiterRatio.toFixed(3)}x`,
  });
  console.table(rows);
  console.log(
    `rate limiter: cached GET ${limiter.offRps} req/s off, ${limiter.onRps} req/s on (high): ratio ${limiterRatio.toFixed(3)}, cost ${(100 * (1 - limiterRatio)).toFixed(1)} %`,
  );
  const cached = find('GET /sessions/:id', 'on')!;
  const targets = {
    'cached GET >= 50 % of ceiling': cached.rps >= 0.5 * ceiling,
    'cache on >= 2x cache off for GET /sessions/:id': cached.rps >= 2 * find('GET /sessions/:id', 'off')!.rps,
    'page 500 p99 <= 1.5x first page p99':
      find('GET /sessions (page 500)', 'on')!.p99 <= 1.5 * Math.max(1, find('GET /sessions (first page)', 'on')!.p99),
    'no errors': results.every((r) => r.errors === 0),
    'rate limiter costs <= 10 % of cached GET req/s': limiterRatio >= 0.9,
  };
  for (const [target, met] of Object.entries(targets)) console.log(`${met ? 'met    ' : 'MISSED '} ${target}`);
  const date = new Date().toISOString().slice(0, 10);
  const file = new URL(`../../bench/results/${date}.json`, import.meta.url);
  mkdirSync(new URL('.', file), { recursive: true });
  const machine = {
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
  writeFileSync(
    file,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        machine,
        loadAverage: { atStart: loadAtStart, atEnd: os.loadavg() },
        seconds: SECONDS,
        connections: CONNECTIONS,
        results: rows,
        limiter: { ...limiter, ratio: limiterRatio },
        targets,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`written to bench/results/${date}.json`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
