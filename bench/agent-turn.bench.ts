import os from 'node:os';
import { mintToken } from '../src/auth/token-signer.js';
import { ensureDatabase } from '../src/database/ensure-database.js';
import { runMigrations } from '../src/database/migrate.js';
import { Instance } from '../faults/service-instance.js';
import { agentTurns, TURN_VIAS, turnRow, type TurnResult, type TurnVia } from './agent-turn.js';

/*
 * `npm run bench:agent-turn`: only the agent's turn of `npm run bench` (read 20 + append 2, 32
 * conversations side by side) in plain HTTP, through AgentsSession and through the Python client,
 * each as a ratio of plain HTTP with an Idempotency-Key (the same requests the clients send).
 * Its own database and Redis index, as the bench's.
 */
const DATABASE_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/session_store_bench';
const REDIS_URL = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379/11';
const SECONDS = Number(process.env.BENCH_SECONDS || 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 32);
const SECRET = 'bench-secret-at-least-16-chars';
const PORT = 3106;

const bearer = (user: string) => `Bearer ${mintToken(user, SECRET)}`;

async function main(): Promise<void> {
  const loadAtStart = os.loadavg();
  await ensureDatabase(DATABASE_URL);
  await runMigrations(DATABASE_URL);
  const env = { NODE_ENV: 'production', DATABASE_URL, REDIS_URL, AUTH_JWT_SECRET: SECRET, CLEANUP_CRON: 'off', RATE_LIMIT_PER_MINUTE: '0' };
  const instance = new Instance('agent turn', PORT, env);
  await instance.start();
  const rows: Record<string, { 'turns/s': number; 'p50 ms': number; 'p99 ms': number; errors: number; 'of plain HTTP': string }> = {};
  try {
    // Warm-up: the JIT and the caches, outside the measure.
    await agentTurns({ port: PORT, connections: CONNECTIONS, seconds: 3, bearer }, 'HTTP with Idempotency-Key');
    const measured = new Map<TurnVia, TurnResult>();
    for (const via of TURN_VIAS)
      measured.set(via, await agentTurns({ port: PORT, connections: CONNECTIONS, seconds: SECONDS, bearer }, via));
    const reference = measured.get('HTTP with Idempotency-Key')!.rps;
    for (const [via, turns] of measured) {
      const ratio = `${(turns.rps / reference).toFixed(2)}x`;
      rows[turnRow(via)] = { 'turns/s': turns.rps, 'p50 ms': turns.p50, 'p99 ms': turns.p99, errors: turns.errors, 'of plain HTTP': ratio };
    }
  } finally {
    await instance.stop('SIGTERM');
  }
  console.table(rows);
  console.log(
    `load average at start ${loadAtStart.map((n) => n.toFixed(1)).join(' ')}, at end ${os
      .loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')} (${os.cpus().length} cores)`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
