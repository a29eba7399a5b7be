import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { mintToken } from '../src/auth/token-signer.js';
import { startReadyProcess, type ReadyProcess } from './utils/ready-process.js';
import { sqlRows } from './utils/sql.js';
import { SseClient } from './utils/sse-client.js';
import { waitFor } from './utils/wait-for.js';

const ROOT = new URL('..', import.meta.url).pathname;
const MAIN = join(ROOT, 'dist/src/main.js');
const SECRET = process.env.AUTH_JWT_SECRET!;

/** The built service as `npm start` runs it, in `cwd` (where it keeps ./data), on a free port. */
function startService(cwd: string, env: Record<string, string>): Promise<ReadyProcess & { url: string }> {
  return startReadyProcess(process.execPath, [MAIN], {
    cwd,
    readyLine: 'listening on',
    timeoutMs: 90_000,
    name: 'main.js',
    env: { PORT: '0', NODE_ENV: 'development', CLEANUP_CRON: 'off', ...env },
  }).then((service) => ({ ...service, url: `http://127.0.0.1:${/listening on 0\.0\.0\.0:(\d+)/.exec(service.output())![1]}` }));
}

function call(url: string, path: string, init: RequestInit = {}, user = 'first-run-user') {
  const headers = { Authorization: `Bearer ${mintToken(user, SECRET)}`, 'Content-Type': 'application/json', ...init.headers };
  return fetch(`${url}${path}`, { ...init, headers });
}

/** The TCP ports and Unix socket paths process `pid` listens on (Linux: /proc). */
function socketsOf(pid: number): { tcpListening: number[]; unixListening: string[] } {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      if (inode) inodes.add(inode);
    } catch {
      // closed meanwhile
    }
  }
  const rows = (file: string) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/));
  // /proc/net/tcp: local address (hex ip:port) in field 1, state 0A = LISTEN, inode in field 9.
  const tcpListening = ['/proc/net/tcp', '/proc/net/tcp6']
    .flatMap(rows)
    .filter((fields) => fields[3] === '0A' && inodes.has(fields[9]))
    .map((fields) => parseInt(fields[1].split(':').at(-1)!, 16));
  // /proc/net/unix: flags 00010000 = accepting connections, inode in field 6, path in field 7.
  const unixListening = rows('/proc/net/unix')
    .filter((fields) => fields[3] === '00010000' && inodes.has(fields[6]) && fields[7])
    .map((fields) => fields[7]);
  return { tcpListening: [...new Set(tcpListening)], unixListening };
}

async function json(response: Promise<Response> | Response): Promise<any> {
  return (await response).json();
}

/*
 * A machine without PostgreSQL and Redis, as the newcomer's laptop: DATABASE_URL=embedded asks
 * for what an unset DATABASE_URL gets when nothing answers on 127.0.0.1:5432 (that choice is
 * unit-tested in database-choice.spec.ts; this machine runs a PostgreSQL there), REDIS_URL empty.
 */
describe('first run on the embedded database', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'session-store-first-run-'));
  const env = { DATABASE_URL: 'embedded', REDIS_URL: '', AUTH_JWT_SECRET: SECRET, DELIBERATION_STEP_MS: '20' };
  let service: ReadyProcess & { url: string };

  afterAll(async () => {
    await service?.stop('SIGKILL');
    rmSync(cwd, { recursive: true, force: true });
  });

  it('says so loudly in the log and on /health/ready, runs a started session on the in-process queue, and tells it over /events', async () => {
    service = await startService(cwd, env);
    expect(service.output()).toMatch(/WARN.*DATABASE_URL=embedded: using the EMBEDDED database \(PGlite\) in .*data\/pglite/);
    expect(service.output()).toContain('started sessions run on an in-process queue (this instance only)');
    const ready = await json(fetch(`${service.url}/health/ready`));
    expect(ready.info).toMatchObject({
      postgres: { status: 'up' },
      database: { kind: 'embedded', note: expect.stringContaining('one instance only') },
      redis: { state: 'disabled' },
      queue: { kind: 'in-process' },
    });

    // Without Redis, the one instance serves the events stream from its memory (the dashboard's live updates).
    const stream = await SseClient.open(service.url, 'first-run-user');
    expect(stream.status).toBe(200);
    const created = await json(call(service.url, '/api/v1/sessions', { method: 'POST', body: '{"title":"first"}' }));
    expect((await call(service.url, `/api/v1/sessions/${created.id}/start`, { method: 'POST' })).status).toBe(202);
    const done = await waitFor(
      () => json(call(service.url, `/api/v1/sessions/${created.id}`)),
      (session: { status: string }) => session.status !== 'running',
      { what: 'the in-process worker to finish the run', timeoutMs: 30_000 },
    );
    expect(done).toMatchObject({ status: 'completed', messageCount: 3 });
    const told = await stream.until((events) => events.some((event) => event.data.to === 'completed'), 'the run told over /events');
    stream.close();
    expect(told[0]).toMatchObject({ event: 'session.created', data: { sessionId: created.id, title: 'first' } });
    expect(told.filter((event) => event.event === 'session.messages')).toHaveLength(3);
  });

  it('serves its database on no TCP port: on a Unix socket only this OS user may open (0600, in a 0700 folder)', async () => {
    const sockets = socketsOf(service.child.pid!);
    const httpPort = Number(new URL(service.url).port);
    expect(sockets.tcpListening).toEqual([httpPort]);
    const [socket, ...others] = sockets.unixListening.filter((path) => path.endsWith('/.s.PGSQL.5432'));
    expect({ socket, others }).toEqual({ socket: expect.any(String), others: [] });
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(socket)).mode & 0o777).toBe(0o700);

    // Its owner reaches the database through it, as the service's pools do.
    const overSocket = `postgres://postgres@/postgres?host=${encodeURIComponent(dirname(socket))}`;
    expect((await sqlRows('SELECT count(*)::int AS n FROM sessions', [], overSocket))[0].n).toBeGreaterThan(0);
    // Another OS user does not (as root the test can be one; file modes do not bind root itself).
    if (process.getuid?.() === 0) {
      const probe = `require('node:net').connect(${JSON.stringify(socket)}).on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => console.log(e.code))`;
      const other = spawnSync(process.execPath, ['-e', probe], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 10_000 });
      expect(other.stdout.trim()).toBe('EACCES');
    }
  });

  it('refuses a second instance on the same data directory (one instance only)', async () => {
    await expect(startService(cwd, env)).rejects.toThrow(/in use by process \d+: it serves one instance only/);
  });

  it('on SIGTERM during a run: new requests get 503 SHUTTING_DOWN, the run finishes, each step is logged, and the process exits 0', async () => {
    const long = await json(call(service.url, '/api/v1/sessions', { method: 'POST', body: '{"title":"long"}' }));
    // Restarted with slow steps: the run is between two of them when the signal comes, and ends during the drain.
    await service.stop('SIGTERM');
    service = await startService(cwd, { ...env, DELIBERATION_STEP_MS: '1500', DELIBERATION_ROUNDS: '1' });
    expect((await call(service.url, `/api/v1/sessions/${long.id}/start`, { method: 'POST' })).status).toBe(202);
    await waitFor(
      () => json(call(service.url, `/api/v1/sessions/${long.id}`)),
      (session: { phase: string | null }) => session.phase !== null,
      { what: 'the run to be under way', timeoutMs: 30_000 },
    );
    // Once: a second SIGTERM stops the process at once (the way out of a stuck shutdown).
    service.child.kill('SIGTERM');
    await waitFor(
      () => Promise.resolve(service.output()),
      (output) => output.includes('closing:'),
      { what: 'the shutdown to begin', timeoutMs: 10_000, intervalMs: 20 },
    );
    const refused = await fetch(`${service.url}/health/live`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({ code: 'SHUTTING_DOWN' });

    const exit = await service.exited;
    expect(exit.code).toBe(0);
    const steps = [
      'SIGTERM received',
      'closing: new requests get 503',
      'waiting up to 6000 ms for 1 runs in progress',
      'HTTP server closed',
      'embedded database closed',
      'stopped',
    ];
    const output = service.output();
    const positions = steps.map((step) => output.indexOf(step));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('keeps its data in ./data across restarts, the run the drain let finish included', async () => {
    service = await startService(cwd, env);
    const list = await json(call(service.url, '/api/v1/sessions'));
    expect(list.items.map((session: { title: string; status: string }) => `${session.title}:${session.status}`).sort()).toEqual([
      'first:completed',
      'long:completed',
    ]);
    await service.stop('SIGTERM');
  });

  it('is refused in production, in one line', async () => {
    const start = startService(cwd, { ...env, NODE_ENV: 'production', AUTH_JWT_SECRET: `real-${randomUUID()}` });
    await expect(start).rejects.toThrow(/session-store failed to start: DATABASE_URL=embedded: set DATABASE_URL to a PostgreSQL/);
  });
});

describe('npm start', () => {
  it('passes SIGTERM to the service: it shuts down and stops listening', async () => {
    const npm = await startReadyProcess('npm', ['start'], {
      cwd: ROOT,
      readyLine: 'listening on',
      timeoutMs: 120_000,
      name: 'npm start',
      env: { PORT: '0', CLEANUP_CRON: 'off', CONTROL_KEY_PREFIX: `test-${randomUUID().slice(0, 8)}` },
    });
    const url = `http://127.0.0.1:${/listening on 0\.0\.0\.0:(\d+)/.exec(npm.output())![1]}`;
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    await npm.stop('SIGTERM');
    expect(npm.output()).toContain('stopped');
    await expect(fetch(`${url}/health/live`)).rejects.toThrow();
  });
});
