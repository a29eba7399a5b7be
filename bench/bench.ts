import autocannon from 'autocannon';
import os from 'node:os';
import { Redis } from 'ioredis';
import { ensureDatabase } from '../src/database/ensure-database.js';
import { runMigrations } from '../src/database/migrate.js';
import { Instance } from '../faults/service-instance.js';
import { mintToken } from '../src/auth/token-signer.js';
import { agentTurns, TURN_VIAS, turnRow } from './agent-turn.js';
import { startReadyProcess } from '../test/utils/ready-process.js';
import { Load, type Result } from './bench-load.js';
import { report } from './bench-report.js';
import { fixtures, HEAVY_USER, seed } from './bench-seed.js';
import { type PgbenchForm, runPgbench, seedPgbench } from './pgbench.js';

/*
 * `npm run bench`: the built service in its own process, loaded by autocannon from this one,
 * once with the cache on and once with REDIS_URL="" (PostgreSQL alone), side by side in one run;
 * beside it, pgbench doing an append's SQL on the same database and a Redis-only peer doing the
 * agent's turn (issue 11). Uses its own database and Redis index, never the development ones.
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
const PEER_PORT = 3105;
// The cache-on service with group commit off (APPEND_GROUP_STATEMENTS=0): every append its own statement.
const UNGROUPED_PORT = 3106;
const HIGH_RATE_LIMIT = '1000000000';
// The SQL the service sends for one append today (see bench/pgbench.ts).
const APPEND_FORM: PgbenchForm = 'one statement';
const PEER_SEED_MESSAGES = 100;

const tokens = new Map<string, string>();
const bearer = (user: string) => {
  if (!tokens.has(user)) tokens.set(user, `Bearer ${mintToken(user, SECRET)}`);
  return tokens.get(user)!;
};

// The machine may be shared: its load during the run says how far the figures can be trusted.
const loadAtStart = os.loadavg();

async function main(): Promise<void> {
  await ensureDatabase(DATABASE_URL);
  await runMigrations(DATABASE_URL);
  await seed(DATABASE_URL, console.log);
  await seedPgbench(DATABASE_URL);
  const data = await fixtures(DATABASE_URL);
  const redis = new Redis(REDIS_URL);
  await redis.flushdb();
  // The peer's histories: the same sessions as the service's, each with as many messages.
  const pipeline = redis.pipeline();
  const seeded = Array.from({ length: PEER_SEED_MESSAGES }, (_, n) => JSON.stringify({ role: 'user', content: `message ${n + 1}` }));
  for (const { user, id } of data.histories) pipeline.rpush(`peer:${user}:${id}`, ...seeded).expire(`peer:${user}:${id}`, 86400);
  await pipeline.exec();
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
  const ungrouped = new Instance('groups off', UNGROUPED_PORT, { ...env, REDIS_URL, APPEND_GROUP_STATEMENTS: '0' });
  const peerMain = new URL('./redis-peer.js', import.meta.url).pathname;
  const [peer] = await Promise.all([
    startReadyProcess(process.execPath, [peerMain], {
      env: { PORT: String(PEER_PORT), REDIS_URL, AUTH_JWT_SECRET: SECRET },
      readyLine: 'listening on',
      name: 'redis-only peer',
    }),
    on.start(),
    off.start(),
    unlimited.start(),
    limited.start(),
    ungrouped.start(),
  ]);
  const results: Result[] = [];
  const load = new Load(CONNECTIONS, SECONDS, bearer);
  const pgbench = async (name: string, form: PgbenchForm, settings?: Record<string, string>, protocol?: 'prepared' | 'extended') => {
    const result = await runPgbench(DATABASE_URL, form, { clients: CONNECTIONS, seconds: SECONDS, settings, protocol });
    console.log(`  ${name}: ${result.tps} commits/s, p50 ${result.p50} ms, p99 ${result.p99} ms, failed ${result.failed}`);
    results.push({ name, cache: '-', rps: result.tps, p50: result.p50, p99: result.p99, errors: result.failed });
  };
  try {
    const session = data.sessions.map(({ user, id }) => ({ user, path: `/api/v1/sessions/${id}` }));
    const messages = data.histories.map(({ user, id }) => ({ user, path: `/api/v1/sessions/${id}/messages?limit=20` }));
    const history = data.histories.map(({ user, id }) => ({ user, path: `/api/v1/sessions/${id}/messages` }));
    const firstPage = [{ user: HEAVY_USER, path: '/api/v1/sessions' }];
    const deepPage = [{ user: HEAVY_USER, path: `/api/v1/sessions?cursor=${data.deepCursor}` }];
    const create = data.sessions.map(({ user }) => ({ user, path: '/api/v1/sessions' }));
    const append = data.sessions.map(({ user, id }) => ({ user, path: `/api/v1/sessions/${id}/messages` }));

    // Warm-up: fill the cache and the JIT before anything is measured.
    await autocannon({ url: `http://127.0.0.1:${PORTS.on}/health/live`, connections: 8, amount: 2000 });
    await load.run('warm-up GET /sessions/:id', 'on', PORTS.on, session);
    await load.run('warm-up GET /sessions/:id, limiter off', 'on', UNLIMITED_PORT, session);
    await load.run('warm-up GET /sessions/:id, limiter on', 'on', LIMITED_PORT, session);
    await load.run('warm-up GET .../messages?limit=20, peer', '-', PEER_PORT, messages);
    // Target 2 is a history whose tail is cached: each one read once (its tail and its session copy fill).
    await load.once(PORTS.on, messages);

    console.log('measuring');
    results.push(await load.run('GET /health/live (ceiling)', 'on', PORTS.on, [{ user: 'x', path: '/health/live' }]));
    for (const cache of ['on', 'off'] as const) {
      results.push(await load.run('GET /sessions/:id', cache, PORTS[cache], session));
      results.push(await load.run('GET /sessions/:id/messages?limit=20', cache, PORTS[cache], messages));
      results.push(await load.run('GET /sessions (first page)', cache, PORTS[cache], firstPage));
      results.push(await load.run('GET /sessions (page 500)', cache, PORTS[cache], deepPage));
    }
    results.push(await load.run('POST /sessions', 'on', PORTS.on, create, { title: 'bench' }));
    // An append beside pgbench doing its SQL, adjacent so that the machine's load falls on both alike.
    results.push(await load.run('POST /sessions/:id/messages', 'on', PORTS.on, append, { role: 'user', content: 'bench message' }));
    // The same with group commit off, beside it: what grouping the appends brings.
    await load.run('warm-up POST /sessions/:id/messages, groups off', 'on', UNGROUPED_PORT, append, {
      role: 'user',
      content: 'bench message',
    });
    results.push(
      await load.run('POST /sessions/:id/messages, groups off', 'on', UNGROUPED_PORT, append, { role: 'user', content: 'bench message' }),
    );
    // Prepared, as the service sends its statements; the same parsed every time, as it did before.
    await pgbench('pgbench append: one statement', 'one statement');
    // What the history cap adds to an append no cap applies to (its check), and what its SQL costs, beside the same without them.
    await pgbench('pgbench append: one statement, before the history cap', 'one statement, before the history cap');
    await pgbench('pgbench append: one statement, history cap', 'one statement, history cap');
    await pgbench('pgbench append: one statement, parsed each time', 'one statement', undefined, 'extended');
    await pgbench('pgbench append: four round trips, parsed each time', 'four round trips', undefined, 'extended');
    // Group commit, measured per connection (the shared server's configuration is left alone).
    await pgbench('pgbench append: one statement, synchronous_commit off', 'one statement', { synchronous_commit: 'off' });
    await pgbench('pgbench append: one statement, commit_delay 200 us', 'one statement', { commit_delay: '200', commit_siblings: '4' });
    // The agent's turn against the service and the peer, alternated: service, peer, peer, service.
    for (const [round, who] of (['service', 'peer', 'peer', 'service'] as const).entries()) {
      if (who === 'service') results.push(await load.turn(`agent's turn (turns/s) #${round + 1}`, 'on', PORTS.on, history));
      else results.push(await load.turn(`agent's turn, Redis-only peer (turns/s) #${round + 1}`, '-', PEER_PORT, history));
    }
    results.push(await load.turn("agent's turn, groups off (turns/s)", 'on', UNGROUPED_PORT, history));
    // An agent's turn (getItems(20) then addItems(2)) through packages/client's AgentsSession and
    // the Python client's SessionStoreSession, and the same two requests in plain fetch beside them
    // (without and with the Idempotency-Key every client write carries): turns/s and a whole turn's latency.
    for (const via of TURN_VIAS) {
      const name = turnRow(via);
      const turns = await agentTurns({ port: PORTS.on, connections: CONNECTIONS, seconds: SECONDS, bearer }, via);
      console.log(`  ${name}: ${turns.rps} turns/s, p50 ${turns.p50} ms, p99 ${turns.p99} ms, errors ${turns.errors}`);
      results.push({ name, cache: 'on', ...turns });
    }
    // The limiter's cost: the cached GET without it and with it, three times each in the order
    // off on on off off on, so that a load drifting on a shared machine falls on both alike.
    for (const [round, limiter] of (['off', 'on', 'on', 'off', 'off', 'on'] as const).entries()) {
      const name = `GET /sessions/:id, limiter ${limiter === 'off' ? 'off' : 'on (high)'} #${round + 1}`;
      results.push(await load.run(name, 'on', limiter === 'off' ? UNLIMITED_PORT : LIMITED_PORT, session));
    }
  } finally {
    await Promise.all(
      [on, off, unlimited, limited, ungrouped].map((instance) => instance.stop('SIGTERM')).concat(peer.stop('SIGTERM').then(() => 0)),
    );
  }
  report({ loadAtStart, seconds: SECONDS, connections: CONNECTIONS, results, appendForm: APPEND_FORM });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
