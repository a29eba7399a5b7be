import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { databaseNamed, dropDatabase, sqlRows } from './utils/sql.js';

const MAIN = new URL('../dist/src/main.js', import.meta.url).pathname;

/** Runs the built service as `npm start` does, until it listens, exits, or the bound passes. */
function start(env: Record<string, string>): Promise<{ code: number | null; output: string; stop: () => void }> {
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, PORT: '0', NODE_ENV: 'test', ...env } });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // a process that outlived its test would hold the run's database
      reject(new Error(`no answer from main.js: ${output}`));
    }, 30000);
    const done = (code: number | null) => {
      clearTimeout(timer);
      resolve({ code, output, stop: () => child.kill('SIGTERM') });
    };
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes('listening on')) done(null);
    });
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => done(code));
  });
}

describe('start-up', () => {
  it('stops with one line naming a bad variable', async () => {
    const result = await start({ SESSION_RETENTION_DAYS: 'forever' });
    expect(result.code).toBe(1);
    expect(result.output.trim()).toMatch(
      /^session-store failed to start: Invalid environment variable SESSION_RETENTION_DAYS="forever": must be .+$/,
    );
  });

  it('stops with one line naming an unreachable PostgreSQL, password masked, and how to start one', async () => {
    const result = await start({ DATABASE_URL: 'postgres://app:hunter2@127.0.0.1:1/session_store_test' });
    expect(result.code).toBe(1);
    const lines = result.output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('postgres://app:***@127.0.0.1:1/session_store_test');
    expect(lines[0]).not.toContain('hunter2');
    expect(lines[0]).toMatch(/pg_ctlcluster|docker compose/);
  });

  it('creates a missing database, migrates it, and listens', async () => {
    const fresh = databaseNamed(`session_store_test_fresh_${process.pid}`);
    await dropDatabase(fresh);
    try {
      const result = await start({ DATABASE_URL: fresh, REDIS_URL: '' });
      result.stop();
      expect(result.output).toContain('listening on');
      // The process that made it is gone: only its tables tell what it did.
      expect((await sqlRows(`SELECT name FROM migrations ORDER BY id`, [], fresh)).length).toBeGreaterThan(0);
    } finally {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await dropDatabase(fresh);
    }
  });

  it('fails loudly when its port is taken, instead of leaving the old instance to answer', async () => {
    const taken = createServer().listen(0, '0.0.0.0');
    await new Promise((resolve) => taken.once('listening', resolve));
    try {
      const result = await start({ PORT: String((taken.address() as AddressInfo).port), CLEANUP_CRON: 'off' });
      expect(result.code).toBe(1);
      expect(result.output).toMatch(/failed to start: port \d+ is already in use \(another instance still running\?\)/);
      // Nest's start-up chatter is debug: nothing claims the app started before the port was refused.
      expect(result.output).not.toContain('successfully started');
      expect(result.output).not.toContain('Mapped {');
    } finally {
      taken.close();
    }
  });

  it('says what it listens on in one line, with the dashboard, and more with LOG_LEVEL=debug', async () => {
    const quiet = await start({ CLEANUP_CRON: 'off' });
    quiet.stop();
    expect(quiet.output).toMatch(/listening on 0\.0\.0\.0:\d+: dashboard at http:\/\/localhost:\d+\//);
    expect(quiet.output).not.toContain('Mapped {');
    const chatty = await start({ CLEANUP_CRON: 'off', LOG_LEVEL: 'debug' });
    chatty.stop();
    expect(chatty.output).toContain('Mapped {/api/v1/sessions, POST} route');
  });
});
