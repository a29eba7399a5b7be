import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureDatabase } from '../src/database/ensure-database.js';
import { runMigrations } from '../src/database/migrate.js';
import { mintToken } from '../src/auth/token-signer.js';
import { Instance } from '../faults/service-instance.js';
import { Load, type Target } from './bench-load.js';
import { fixtures, seed } from './bench-seed.js';

/*
 * `npm run bench:profile`: where the service's thread spends its CPU on the agent's two hot routes.
 * The built service runs under `node --cpu-prof` (one instance, cache on, the bench's database and
 * Redis index), loaded like `npm run bench` does, one route per instance; the profile's self time
 * is summed by where the code comes from and printed per request, in microseconds.
 */
const DATABASE_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/session_store_bench';
const REDIS_URL = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379/11';
const SECONDS = Number(process.env.BENCH_SECONDS || 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 32);
const PORT = Number(process.env.BENCH_PROFILE_PORT || 3111);
const SECRET = 'bench-secret-at-least-16-chars';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  startTime: number;
  endTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

// Where a frame's code comes from, first match wins.
const KINDS: Array<[string, (frame: ProfileNode['callFrame']) => boolean]> = [
  ['idle', (f) => f.functionName === '(idle)'],
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  [
    'socket writes (writev, write)',
    (f) => f.url === '' && /^(writev|writeBuffer|writeUtf8String|writeLatin1String|writev)$/.test(f.functionName),
  ],
  ['PostgreSQL client (pg, pg-protocol)', (f) => /node_modules\/(pg|pg-protocol|pg-pool|postgres-date|pg-types)\//.test(f.url)],
  ['Redis client (ioredis)', (f) => /node_modules\/(ioredis|redis-parser|denque|cluster-key-slot)\//.test(f.url)],
  ['TypeORM', (f) => /node_modules\/typeorm\//.test(f.url)],
  ['NestJS pipeline', (f) => /node_modules\/@nestjs\//.test(f.url)],
  ['validation (class-validator, class-transformer)', (f) => /node_modules\/(class-validator|class-transformer|validator)\//.test(f.url)],
  [
    'Fastify',
    (f) =>
      /node_modules\/(fastify|@fastify|find-my-way|avvio|light-my-request|fast-json-stringify|secure-json-parse|fast-querystring)/.test(
        f.url,
      ),
  ],
  ['rxjs', (f) => /node_modules\/rxjs\//.test(f.url)],
  ['token checks (jose)', (f) => /node_modules\/jose\//.test(f.url)],
  ['other packages', (f) => /node_modules\//.test(f.url)],
  ['the service (dist/src)', (f) => /\/dist\/src\//.test(f.url)],
  ['Node.js (http, streams, timers)', (f) => f.url.startsWith('node:')],
  ['native and builtins (JSON, crypto, ...)', () => true],
];

/** Sums the self time of the samples taken in the last `seconds` before `stoppingMs` from the profile's end. */
function summarise(profile: CpuProfile, requests: number, seconds: number, stoppingMs: number): void {
  const to = profile.endTime - stoppingMs * 1000;
  const from = to - seconds * 1e6;
  let at = profile.startTime;
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const kindTime = new Map<string, number>();
  const functionTime = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, n) => {
    const micros = profile.timeDeltas[n] ?? 0;
    at += micros;
    if (at < from || at > to) return;
    const frame = byNode.get(id)!.callFrame;
    const kind = KINDS.find(([, test]) => test(frame))![0];
    kindTime.set(kind, (kindTime.get(kind) ?? 0) + micros);
    if (kind === 'idle' || frame.functionName === '(program)') return;
    busy += micros;
    const where = frame.url
      ? `${frame.url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, 'dist/')}:${frame.lineNumber + 1}`
      : 'native';
    const name = `${frame.functionName || '(anonymous)'} (${where})`;
    functionTime.set(name, (functionTime.get(name) ?? 0) + micros);
  });
  const perRequest = (micros: number) => (micros / requests).toFixed(0).padStart(5);
  console.log(`  busy ${(busy / 1e6).toFixed(1)} s of the thread for ${requests} requests: ${perRequest(busy)} µs per request`);
  for (const [kind, micros] of [...kindTime].sort((a, b) => b[1] - a[1])) {
    if (kind === 'idle') continue;
    console.log(`  ${perRequest(micros)} µs  ${((100 * micros) / busy).toFixed(1).padStart(5)} %  ${kind}`);
  }
  console.log('  top functions by self time:');
  for (const [name, micros] of [...functionTime].sort((a, b) => b[1] - a[1]).slice(0, 15))
    console.log(`  ${perRequest(micros)} µs  ${((100 * micros) / busy).toFixed(1).padStart(5)} %  ${name}`);
}

async function profileRoute(name: string, run: (load: Load) => Promise<{ requests: number }>): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cpu-profile-'));
  const instance = new Instance(
    'profiled',
    PORT,
    { NODE_ENV: 'production', DATABASE_URL, REDIS_URL, AUTH_JWT_SECRET: SECRET, CLEANUP_CRON: 'off', RATE_LIMIT_PER_MINUTE: '1000000000' },
    ['--cpu-prof', '--cpu-prof-dir', dir],
  );
  await instance.start();
  try {
    const tokens = new Map<string, string>();
    const bearer = (user: string) => tokens.get(user) ?? tokens.set(user, `Bearer ${mintToken(user, SECRET)}`).get(user)!;
    const { requests } = await run(new Load(CONNECTIONS, SECONDS, bearer));
    const stoppingMs = await instance.stop('SIGTERM');
    const [file] = readdirSync(dir).filter((entry) => entry.endsWith('.cpuprofile'));
    console.log(`\n${name}: ${requests} requests in ${SECONDS} s (load average ${os.loadavg()[0].toFixed(1)})`);
    summarise(JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile, requests, SECONDS, stoppingMs);
  } finally {
    if (instance.listening) await instance.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  await ensureDatabase(DATABASE_URL);
  await runMigrations(DATABASE_URL);
  await seed(DATABASE_URL, console.log);
  const data = await fixtures(DATABASE_URL);
  const append: Target[] = data.sessions.map(({ user, id }) => ({ user, path: `/api/v1/sessions/${id}/messages` }));
  const page: Target[] = data.histories.map(({ user, id }) => ({ user, path: `/api/v1/sessions/${id}/messages?limit=20` }));
  // Only the measured run's samples count (start-up, warm-up and shutdown are left out).
  await profileRoute('POST /sessions/:id/messages (one item)', async (load) => {
    await load.run('warm-up', 'on', PORT, append, { role: 'user', content: 'bench message' });
    const measured = await load.run('POST /sessions/:id/messages', 'on', PORT, append, { role: 'user', content: 'bench message' });
    return { requests: measured.rps * SECONDS };
  });
  await profileRoute('GET /sessions/:id/messages?limit=20 (tail cached)', async (load) => {
    await load.once(PORT, page);
    await load.run('warm-up', 'on', PORT, page);
    const measured = await load.run('GET .../messages?limit=20', 'on', PORT, page);
    return { requests: measured.rps * SECONDS };
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
