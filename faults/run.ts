import { ensureDatabase } from '../src/database/ensure-database.js';
import { runMigrations } from '../src/database/migrate.js';
import { Ledger } from './ledger.js';
import { Client } from './load.js';
import { OwnPostgres, OwnRedis } from './processes.js';
import { Instance } from './service-instance.js';
import { runningCount, verify } from './verify.js';

/*
 * `npm run test:faults`: three instances on their own PostgreSQL and Redis, a round-robin load of
 * concurrent clients, and, while it runs, an instance restarted (SIGTERM) and one killed (SIGKILL),
 * Redis stopped for 10 s and PostgreSQL stopped for 10 s. Then PostgreSQL is read directly to
 * check that every acknowledged write is there exactly once. Exits 1 on any violation.
 */
const SECRET = 'faults-secret-at-least-16-chars';
const CLIENTS = Number(process.env.FAULTS_CLIENTS || 12);
const STALE_AFTER_SECONDS = 8;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => console.log(`[faults ${new Date().toISOString().slice(11, 19)}] ${line}`);

async function main(): Promise<number> {
  const postgres = new OwnPostgres(55432);
  const redis = new OwnRedis(56379);
  const instances: Instance[] = [];
  try {
    postgres.start();
    await redis.start();
    await ensureDatabase(postgres.url);
    await runMigrations(postgres.url);
    const env = {
      NODE_ENV: 'production', DATABASE_URL: postgres.url, REDIS_URL: redis.url, AUTH_JWT_SECRET: SECRET,
      DELIBERATION_STEP_MS: '200', DELIBERATION_ROUNDS: '3', RUNNING_STALE_AFTER_SECONDS: String(STALE_AFTER_SECONDS),
      CLEANUP_CRON: 'off',
    };
    instances.push(new Instance('a', 53001, env), new Instance('b', 53002, env), new Instance('c', 53003, { ...env, WORKER_ENABLED: 'false' }));
    await Promise.all(instances.map((instance) => instance.start()));
    log('3 instances up (c is API-only)');

    const ledger = new Ledger();
    let stop = false;
    const clients = Array.from({ length: CLIENTS }, () => new Client(instances.map((i) => i.port), ledger, SECRET));
    const load = Promise.all(clients.map((client) => client.run(() => stop)));

    await sleep(5000);
    const shutdownMs = await instances[0].stop('SIGTERM');
    log(`a: SIGTERM, exited in ${shutdownMs} ms with code ${instances[0].lastExit?.code}; starting again`);
    await instances[0].start();
    await sleep(5000);
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
    log('PostgreSQL stopped for 10 s');
    await sleep(10000);
    postgres.start();
    log('PostgreSQL back');
    await sleep(10000);
    stop = true;
    await load;
    log('load stopped; waiting for running sessions to finish or be failed');
    for (let i = 0; i < (STALE_AFTER_SECONDS + 30) * 2 && (await runningCount(postgres.url)) > 0; i++) await sleep(500);

    const findings = await verify(postgres.url, ledger);
    const figures = {
      ...ledger.counts,
      acknowledgedSessions: ledger.sessions.size,
      acknowledgedMessages: ledger.messages.size,
      sessionsStarted: ledger.started.size,
      ...findings,
      lost: findings.lostSessions + findings.lostMessages,
      staleReads: ledger.staleReads.length,
      shutdownMs,
      shutdownExit: instances[0].lastExit?.signal ?? instances[0].lastExit?.code ?? null,
    };
    console.table(figures);
    console.log('answers by status (0 = no connection):', ledger.byStatus);
    console.log('4xx by route:', ledger.clientErrorsByRoute);
    if (ledger.serverErrorSamples.length) console.log('5xx samples:', ledger.serverErrorSamples);
    if (ledger.staleReads.length) console.log('stale reads:', ledger.staleReads.slice(0, 10));
    const violations = Object.entries({
      'a 500 was answered': figures.serverErrors > 0,
      'a 503 came without Retry-After': figures.refused503WithoutRetryAfter > 0,
      'an acknowledged write is missing': figures.lost > 0,
      'a message is stored twice': figures.duplicateMessages > 0,
      'a refused batch is half-written': figures.halfWrittenBatches > 0,
      "a session's seqs are not 1..n": figures.sessionsWithSeqGaps > 0,
      'a read was stale': figures.staleReads > 0,
      'a session was left running without a worker': figures.leftRunning > 0,
      // Nest re-raises the signal once closed, so a clean shutdown ends by SIGTERM (or exit code 0).
      'SIGTERM shutdown took over 10 s or failed': shutdownMs > 10000 || !['SIGTERM', 0].includes(figures.shutdownExit as never),
      'nothing was acknowledged': figures.acknowledged === 0,
    }).filter(([, violated]) => violated);
    for (const [violation] of violations) console.log(`VIOLATION: ${violation}`);
    console.log(`faults: ${10 - violations.length} passed, ${violations.length} failed`);
    return violations.length ? 1 : 0;
  } finally {
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
