import { Cluster } from 'ioredis';
import pg from 'pg';
import { ensureDatabase } from '../src/database/ensure-database.js';
import { runMigrations } from '../src/database/migrate.js';
import { eventsUserKey, liveKeyPrefix, queuePrefix } from '../src/redis/keys.js';
import { caughtUpOnCluster, verifyClusterEvents } from './cluster-events.js';
import { reportCluster } from './cluster-report.js';
import { KillProber } from './kill-prober.js';
import { Ledger } from './ledger.js';
import { Client } from './load.js';
import { startRedisCluster } from './redis-cluster.js';
import { Instance } from './service-instance.js';
import { Subscriber } from './subscriber.js';
import { runningCount, verify } from './verify.js';
import { isAlive } from '../src/common/process-alive.js';

/*
 * `npm run test:faults:cluster`: the faults run's cluster phase, apart from the main run so their
 * ports never meet. Three instances with REDIS_CLUSTER=true on a six-node Redis Cluster of their
 * own (faults/redis-cluster.ts, node timeout 2 s) and a fresh database on the machine's PostgreSQL
 * (created and dropped here; that server is never stopped). Load clients append and read (each the
 * only writer of its sessions), an SSE subscriber per client follows its events, and a prober starts
 * long runs and kills them. Mid-load the master holding the queue's slot is SIGKILLed; once its
 * replica is promoted the load goes on for 15 s. Then PostgreSQL and the cluster are read directly:
 * no acknowledged write lost or doubled, no stale read, every kill reached its work, the event
 * streams resumed. Exits 1 on any violation.
 */
const SECRET = 'faults-secret-at-least-16-chars';
const PREFIX = 'control';
const CLIENTS = Number(process.env.FAULTS_CLIENTS || 8);
const BASELINE_SECONDS = 10;
const AFTER_FAILOVER_SECONDS = 15;
const STALE_AFTER_SECONDS = 8;
// Blocks of six in 57100..57147, their cluster bus ports in 57150..57197; the e2e spec's are below.
const PORTS = { first: 57100, blocks: 8, busOffset: 50 };
const INSTANCE_PORTS = [53101, 53102, 53103];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => console.log(`[faults-cluster ${new Date().toISOString().slice(11, 19)}] ${line}`);

async function main(): Promise<number> {
  const started = Date.now();
  const database = `session_store_faults_cluster_test_${process.pid}`;
  const databaseUrl = `postgres://postgres@127.0.0.1:5432/${database}`;
  const cluster = await startRedisCluster(PORTS);
  const redis = new Cluster([{ host: '127.0.0.1', port: cluster.ports[0] }]);
  const instances: Instance[] = [];
  try {
    await ensureDatabase(databaseUrl);
    await runMigrations(databaseUrl);
    log(`cluster up on ${cluster.ports.join(', ')}; database ${database}`);
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      REDIS_CLUSTER: 'true',
      REDIS_URL: cluster.url,
      AUTH_JWT_SECRET: SECRET,
      // Runs of 10 s: a kill lands mid-run, and a job still there seconds later was not told.
      DELIBERATION_STEP_MS: '100',
      DELIBERATION_ROUNDS: '100',
      RUNNING_STALE_AFTER_SECONDS: String(STALE_AFTER_SECONDS),
      CLEANUP_CRON: 'off',
      RATE_LIMIT_PER_MINUTE: '1000000',
      CONTROL_KEY_PREFIX: PREFIX,
    };
    instances.push(
      new Instance('a', INSTANCE_PORTS[0], env),
      new Instance('b', INSTANCE_PORTS[1], env),
      new Instance('c', INSTANCE_PORTS[2], { ...env, WORKER_ENABLED: 'false' }),
    );
    await Promise.all(instances.map((instance) => instance.start()));
    for (const instance of instances) instance.onCrash = (crashed) => log(`${crashed.name} CRASHED: ${crashed.crashes.at(-1)!.reason}`);
    log('3 instances up (c is API-only)');

    const ledger = new Ledger();
    let stop = false;
    const clients = Array.from({ length: CLIENTS }, () => new Client(INSTANCE_PORTS, ledger, SECRET));
    const subscribers = clients.map((client) => new Subscriber(INSTANCE_PORTS, client.token, client.user));
    await Promise.all(subscribers.map((subscriber) => subscriber.start()));
    const prober = new KillProber(INSTANCE_PORTS, ledger, redis, PREFIX, SECRET);
    const load = Promise.all([...clients.map((client) => client.run(() => stop)), prober.run(() => stop)]);
    log(`${CLIENTS} clients with an SSE subscriber each, and a kill prober`);
    await sleep(BASELINE_SECONDS * 1000);

    // The queue's master: the work, its jobs and their locks fail over with it.
    const queueKey = `${queuePrefix(PREFIX)}:x`;
    const victim = await cluster.masterOf(queueKey);
    const held = await slotsHeldBy((key) => cluster.masterOf(key), victim);
    const keysBefore = await keysPerMaster(redis);
    ledger.phase = 'faults';
    prober.timing = 'during';
    // Answered before the kill: nothing was wrong yet (requests sent before it may still be refused by it).
    const refusedBeforeKill = ledger.refusedByPhase.baseline;
    await cluster.nodes.get(victim)!.process.stop('SIGKILL');
    const killedAt = Date.now();
    log(`SIGKILLed the master :${victim} (it held ${held.join(', ') || 'no shared slot'}; keys per master ${JSON.stringify(keysBefore)})`);
    let promoted = victim;
    while (promoted === victim && Date.now() - killedAt < 60_000) {
      await sleep(250);
      promoted = await cluster.masterOf(queueKey).catch(() => victim);
    }
    await cluster.healthy(60_000);
    const promotedAt = Date.now();
    prober.timing = 'after';
    // Where each subscriber stood when the replica took over: its resume point.
    const resumePoints = new Map(subscribers.map((subscriber) => [subscriber, subscriber.lastId]));
    // Each comes back with Last-Event-ID, to a stream now served by the promoted replica.
    for (const subscriber of subscribers) subscriber.reconnect();
    log(`:${promoted} promoted in its place after ${promotedAt - killedAt} ms; load goes on for ${AFTER_FAILOVER_SECONDS} s`);
    await sleep(AFTER_FAILOVER_SECONDS * 1000);
    stop = true;
    await load;
    log('load stopped; waiting for running sessions to finish or be failed');
    for (let i = 0; i < (STALE_AFTER_SECONDS + 30) * 2 && (await runningCount(databaseUrl)) > 0; i++) await sleep(500);

    if (!(await caughtUpOnCluster(redis, PREFIX, subscribers, 20_000))) log('event subscribers did not catch up within 20 s');
    await Promise.all(subscribers.map((subscriber) => subscriber.stop()));
    const events = await verifyClusterEvents(redis, PREFIX, subscribers, resumePoints, promotedAt, ledger.statusChanges);
    const findings = await verify(databaseUrl, ledger);
    const killsEnded = await killedSessionsIntact(databaseUrl, prober.kills);
    log(`verified; run time ${Math.round((Date.now() - started) / 1000)} s`);
    return reportCluster({
      ledger,
      findings,
      events,
      prober,
      killsEnded,
      instances,
      failover: { victim, promoted, promotionMs: promotedAt - killedAt, held, refusedBeforeKill },
    })
      ? 1
      : 0;
  } finally {
    for (const instance of instances) instance.kill();
    redis.disconnect();
    await cluster.stop();
    await dropDatabase(database);
  }
}

/** Which of the shared slots (the queue, the events, live progress) `port` serves. */
async function slotsHeldBy(masterOf: (key: string) => Promise<number>, port: number): Promise<string[]> {
  const shared = { queue: `${queuePrefix(PREFIX)}:x`, events: eventsUserKey(PREFIX, 'x'), 'live progress': `${liveKeyPrefix(PREFIX)}x` };
  const held = await Promise.all(Object.entries(shared).map(async ([name, key]) => ((await masterOf(key)) === port ? name : null)));
  return held.filter((name): name is string => name !== null);
}

async function keysPerMaster(redis: Cluster): Promise<Record<string, number>> {
  const sizes = await Promise.all(redis.nodes('master').map(async (node) => [node.options.port, await node.dbsize()] as const));
  return Object.fromEntries(sizes.map(([port, size]) => [String(port), size]));
}

/** Each killed session is `killed` in PostgreSQL with no message appended after its kill's answer. */
async function killedSessionsIntact(url: string, kills: KillProber['kills']): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const ids = kills.map((kill) => kill.sessionId);
    const { rows } = await client.query(
      `SELECT s.id, s.status, (SELECT count(*)::int FROM messages m WHERE m.session_id = s.id) AS messages FROM sessions s WHERE s.id = ANY($1::uuid[])`,
      [ids],
    );
    const byId = new Map(rows.map((row: { id: string; status: string; messages: number }) => [row.id, row]));
    return kills
      .filter((kill) => byId.get(kill.sessionId)?.status !== 'killed' || byId.get(kill.sessionId)!.messages !== kill.messageCountAtKill)
      .map(
        (kill) => `${kill.sessionId} (${kill.when}): ${JSON.stringify(byId.get(kill.sessionId))}, ${kill.messageCountAtKill} at the kill`,
      );
  } finally {
    await client.end();
  }
}

/** Drops this run's database, and those of earlier runs whose process is gone. */
async function dropDatabase(database: string): Promise<void> {
  const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT datname FROM pg_database WHERE datname LIKE 'session_store_faults_cluster_test_%'`);
    for (const { datname } of rows as Array<{ datname: string }>) {
      const pid = Number(datname.split('_').at(-1));
      if (datname !== database && isAlive(pid)) continue;
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  } finally {
    await client.end();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
