import { ensureDatabase } from '../src/database/ensure-database.js';
import { runMigrations } from '../src/database/migrate.js';
import { Ledger } from './ledger.js';
import { HeavyHostile } from './heavy-hostile.js';
import { HostileClient } from './hostile.js';
import { Client } from './load.js';
import { OwnPostgres, OwnRedis } from './processes.js';
import { REMOTE_HANDLERS, RemoteWork } from './remote-workers.js';
import { report } from './report.js';
import { Instance } from './service-instance.js';
import { caughtUp, Subscriber, verifyEvents } from './subscriber.js';
import { runningCount, verify } from './verify.js';

/*
 * `npm run test:faults`: three instances on their own PostgreSQL and Redis, a round-robin load of
 * concurrent clients, and, while it runs: a quiet baseline, then one hostile client (issue 9's crash
 * and stall attempts, see hostile.ts), then one account using every limit to the full
 * (heavy-hostile.ts), then an instance restarted (SIGTERM) and one killed (SIGKILL),
 * Redis stopped for 10 s and PostgreSQL stopped for 10 s. Then PostgreSQL is read directly to
 * check that every acknowledged write is there exactly once, and each client's SSE subscriber
 * (reconnecting with Last-Event-ID) is compared with its user's event stream. Exits 1 on any violation.
 * FAULTS_HOSTILE=0 / FAULTS_HEAVY=0 leave the hostile clients out (their phases are then quiet too).
 */
const SECRET = 'faults-secret-at-least-16-chars';
const CLIENTS = Number(process.env.FAULTS_CLIENTS || 12);
const HOSTILE = process.env.FAULTS_HOSTILE !== '0';
const HOSTILE_MESSAGES = Number(process.env.FAULTS_HOSTILE_MESSAGES || 300);
const HOSTILE_SECONDS = Number(process.env.FAULTS_HOSTILE_SECONDS || 20);
const HEAVY = process.env.FAULTS_HEAVY !== '0';
const HEAVY_SECONDS = Number(process.env.FAULTS_HEAVY_SECONDS || 20);
const BASELINE_SECONDS = 15;
// A cap such as a container sets: a bounded service needs far less, and the machine is shared.
const INSTANCE_HEAP_MB = Number(process.env.FAULTS_INSTANCE_HEAP_MB || 1024);
const STALE_AFTER_SECONDS = 8;
const LEASE_SECONDS = 6;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => console.log(`[faults ${new Date().toISOString().slice(11, 19)}] ${line}`);

async function main(): Promise<number> {
  const started = Date.now();
  const postgres = new OwnPostgres(55432);
  const redis = new OwnRedis(56379);
  const instances: Instance[] = [];
  let remote: RemoteWork | null = null;
  try {
    postgres.start();
    await redis.start();
    await ensureDatabase(postgres.url);
    await runMigrations(postgres.url);
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: postgres.url,
      REDIS_URL: redis.url,
      AUTH_JWT_SECRET: SECRET,
      DELIBERATION_STEP_MS: '200',
      DELIBERATION_ROUNDS: '3',
      RUNNING_STALE_AFTER_SECONDS: String(STALE_AFTER_SECONDS),
      CLEANUP_CRON: 'off',
      // Each load client sends far more than a person would: the run measures faults, not the rate limit.
      RATE_LIMIT_PER_MINUTE: '1000000',
      // The Redis keys the run's own checks read (events, live progress) under a known prefix.
      CONTROL_KEY_PREFIX: 'control',
      REMOTE_HANDLERS,
      WORK_LEASE_SECONDS: String(LEASE_SECONDS),
    };
    const heap = [`--max-old-space-size=${INSTANCE_HEAP_MB}`];
    instances.push(
      new Instance('a', 53001, env, heap),
      new Instance('b', 53002, env, heap),
      new Instance('c', 53003, { ...env, WORKER_ENABLED: 'false' }, heap),
    );
    await Promise.all(instances.map((instance) => instance.start()));
    log(`3 instances up (c is API-only), heap capped at ${INSTANCE_HEAP_MB} MB`);
    // A crash is a violation; the instance is started again (as an orchestrator would, retrying
    // while PostgreSQL is down) so the run goes on.
    for (const instance of instances) {
      instance.onCrash = async (crashed) => {
        const last = crashed.crashes.at(-1)!;
        log(`${crashed.name} CRASHED (${last.signal ?? `code ${last.code}`}): ${last.reason}\n${last.outputTail}`);
        for (let attempt = 1; attempt <= 30; attempt++) {
          await sleep(1000);
          try {
            await crashed.start();
            return log(`${crashed.name} started again after its crash`);
          } catch (error) {
            if (attempt === 30) log(`${crashed.name} did not start again: ${(error as Error).message.slice(0, 200)}`);
          }
        }
      };
    }
    const ports = instances.map((i) => i.port);
    const hostile = new HostileClient(ports, SECRET, log);
    if (HOSTILE) {
      const seeding = Date.now();
      await hostile.seed(postgres.url, HOSTILE_MESSAGES);
      log(`hostile: ${hostile.seededMessages} messages of ~1 MiB in its session, in ${Date.now() - seeding} ms`);
    }
    const heavy = new HeavyHostile(ports, SECRET, log);
    if (HEAVY) await heavy.seed(postgres.url);

    const ledger = new Ledger();
    let stop = false;
    const clients = Array.from({ length: CLIENTS }, () => new Client(ports, ledger, SECRET));
    // One SSE subscriber per client for the whole run, open before its client does anything.
    const subscribers = clients.map((client) => new Subscriber(ports, client.token, client.user));
    await Promise.all(subscribers.map((subscriber) => subscriber.start()));
    const load = Promise.all(clients.map((client) => client.run(() => stop)));
    // Remote HTTP workers join the load, long-polling on instance a first (restarted below).
    remote = new RemoteWork(ports, SECRET, LEASE_SECONDS, log);
    await remote.startWorkers(2, instances[0].port);
    const driving = remote.drive(() => stop);
    log('2 remote workers (examples/typescript-worker) long-poll on a; research sessions started every 3 s');

    await sleep(BASELINE_SECONDS * 1000);
    ledger.phase = 'hostile';
    if (HOSTILE) {
      log(`hostile client in (at most ${HOSTILE_SECONDS} s)`);
      const hostileStarted = Date.now();
      await hostile.run(HOSTILE_SECONDS * 1000);
      log(
        `hostile client done in ${Date.now() - hostileStarted} ms (this runner's RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB)`,
      );
    } else {
      await sleep(HOSTILE_SECONDS * 1000);
    }
    ledger.phase = 'heavy';
    if (HEAVY) {
      log(`heavy client in: the largest appends, slow limit=all readers, unread event streams (${HEAVY_SECONDS} s)`);
      await heavy.run(HEAVY_SECONDS * 1000);
      log('heavy client done');
    } else {
      await sleep(HEAVY_SECONDS * 1000);
    }
    ledger.phase = 'faults';
    // What the hostile clients crashed is back before the planned faults begin.
    for (let i = 0; i < 60 && instances.some((instance) => !instance.listening); i++) await sleep(500);

    await sleep(2000);
    const shutdownMs = await instances[0].stop('SIGTERM');
    const restartedAt = Date.now();
    log(`a: SIGTERM, exited in ${shutdownMs} ms with code ${instances[0].lastExit?.code}; starting again`);
    // A slow shutdown says which step took the time (main.ts logs each).
    if (shutdownMs > 10_000)
      log(
        `a's last output:\n${instances[0].lastOutput
          .split('\n')
          .filter((line) => /Shutdown|Bootstrap|drain|progress|WARN|ERROR/.test(line))
          .slice(-20)
          .join('\n')}`,
      );
    await instances[0].start();
    await sleep(5000);
    log(`remote workers reconnected ${remote.reconnections} time(s) so far`);
    await remote.killWorkerMidRun();
    await instances[1].stop('SIGKILL');
    log('b: SIGKILL; starting again');
    await instances[1].start();
    await sleep(5000);
    redis.pause();
    log('Redis stopped (SIGSTOP) for 10 s');
    await sleep(10000);
    redis.resume();
    log('Redis back');
    await sleep(5000);
    postgres.stop();
    ledger.postgresDown = true;
    log('PostgreSQL stopped for 10 s');
    await sleep(10000);
    ledger.postgresDown = false;
    postgres.start();
    log('PostgreSQL back');
    await sleep(10000);
    stop = true;
    await Promise.all([load, driving]);
    log('load stopped; waiting for running sessions to finish or be failed');
    for (let i = 0; i < (STALE_AFTER_SECONDS + 30) * 2 && (await runningCount(postgres.url)) > 0; i++) await sleep(500);

    if (!(await caughtUp(redis.url, subscribers, 20_000))) log('event subscribers did not catch up within 20 s');
    await Promise.all(subscribers.map((subscriber) => subscriber.stop()));
    const events = await verifyEvents(redis.url, subscribers, ledger.statusChanges);
    const findings = await verify(postgres.url, ledger, hostile.poisonSessions);
    const remoteOutcome = {
      ...remote.figures,
      ...(await remote.outcome(postgres.url, restartedAt)),
      reconnections: remote.reconnections,
      unexpectedWorkerExits: remote.unexpectedWorkerExits,
    };
    log(`verified; run time so far ${Math.round((Date.now() - started) / 1000)} s`);
    for (const instance of instances) {
      const errors = instance.errorLines();
      if (errors.length) log(`${instance.name} logged an error:\n${errors.join('\n')}`);
    }
    const remoteChecks = {
      "the SIGKILLed remote worker's session was not failed as lost within WORK_LEASE_SECONDS + 5 s":
        !/^failed: worker lost/.test(remote.figures.killedWorkerError) ||
        remote.figures.killedWorkerFailedAfterMs < 0 ||
        remote.figures.killedWorkerFailedAfterMs > (LEASE_SECONDS + 5) * 1000,
      'the remote workers did not reconnect after the restart of the instance they long-polled': remoteOutcome.reconnections === 0,
      'no remote session started after that restart was completed': remoteOutcome.completedAfter === 0,
      'a remote worker process exited': remote.unexpectedWorkerExits > 0,
    };
    return report({
      ledger,
      findings,
      events,
      hostile: HOSTILE ? hostile : null,
      heavy: HEAVY ? heavy : null,
      instances,
      shutdownMs,
      remote: remoteOutcome,
      remoteChecks,
    })
      ? 1
      : 0;
  } finally {
    await remote?.stop();
    for (const instance of instances) instance.kill();
    redis.remove();
    postgres.remove();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
