import { spawn } from 'node:child_process';
import { apiAs, createSession, type Api, newUserApi } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { controlEnv, removeQueue, sessionIn, transitionsOf } from './utils/control.js';
import { useTestApp } from './utils/use-test-app.js';

const MAIN = new URL('../dist/src/main.js', import.meta.url).pathname;
const WORKER = new URL('../dist/src/worker.js', import.meta.url).pathname;
const ECHO = 'module:test/fixtures/handlers/echo.mjs';

/** Runs a built entry point until it exits (or is killed after the bound), and returns what it printed. */
function runToExit(entry: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [entry], { env: { ...process.env, PORT: '0', NODE_ENV: 'test', ...env } });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

describe('handlers without a fork: DELIBERATION_HANDLER=module:<path>, and start { handler }', () => {
  const app = useTestApp(controlEnv({ DELIBERATION_HANDLER: ECHO, DELIBERATION_ROUNDS: '2', REMOTE_HANDLERS: 'research' }), {
    beforeClose: removeQueue,
  });
  let api: Api;

  beforeEach(() => ({ api } = newUserApi(app)));

  it("runs the user's module by default: its progress, message and result land in the session", async () => {
    const session = await createSession(api, { title: 'Pricing' });
    await api.post(`/sessions/${session.id}/start`).expect(202);

    const done = await sessionIn(api, session.id, (s) => s.status !== 'running', 'the module handler to finish');
    expect(done).toMatchObject({
      status: 'completed',
      phase: 'echo',
      roundNumber: 7,
      totalCost: 0.25,
      synthesisText: 'echoed Pricing',
      finalRecommendation: 'echo it',
    });
    const messages = (await api.get(`/sessions/${session.id}/messages`).expect(200)).body.items;
    expect(messages).toEqual([
      expect.objectContaining({ seq: 1, role: 'assistant', content: 'echo: Pricing', metadata: { from: 'echo.mjs' } }),
    ]);
  });

  it('start { handler } picks another registered handler: the built-in scripted one, or the module by its file name', async () => {
    const scripted = await createSession(api, { title: 'S' });
    await api.post(`/sessions/${scripted.id}/start`, { handler: 'scripted' }).expect(202);
    const byName = await createSession(api, { title: 'E' });
    await api.post(`/sessions/${byName.id}/start`, { handler: 'echo' }).expect(202);

    expect(await sessionIn(api, scripted.id, (s) => s.status !== 'running', 'scripted')).toMatchObject({
      status: 'completed',
      phase: 'synthesis',
      roundNumber: 2,
      messageCount: 2,
    });
    expect(await sessionIn(api, byName.id, (s) => s.status !== 'running', 'echo')).toMatchObject({
      status: 'completed',
      synthesisText: 'echoed E',
    });
  });

  it('an unknown handler is 400 UNKNOWN_HANDLER and changes nothing; a bad handler field is 400', async () => {
    const session = await createSession(api);
    const refused = await api.post(`/sessions/${session.id}/start`, { handler: 'nope' }).expect(400);
    expect(refused.body).toMatchObject({ code: 'UNKNOWN_HANDLER', handlers: ['scripted', 'echo', 'research'] });
    await api.post(`/sessions/${session.id}/start`, { handler: '' }).expect(400);
    await api.post(`/sessions/${session.id}/start`, { handler: 7 }).expect(400);
    await api.post(`/sessions/${session.id}/start`, { handler: 'scripted', extra: 1 }).expect(400);
    expect((await api.get(`/sessions/${session.id}`).expect(200)).body.status).toBe('created');
    expect(await transitionsOf(api, session.id)).toEqual([]);
    // Another user's session: 404 before the handler is even looked at.
    await apiAs(app, newUser()).post(`/sessions/${session.id}/start`, { handler: 'scripted' }).expect(404);
  });
});

describe('handler modules that cannot be used stop start-up with one line, before the database is touched', () => {
  // An unreachable database: had start-up gone on to migrate, the line would name it instead.
  const unreachable = { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/session_store_test' };

  it.each([
    [
      'a module that throws while loading',
      'module:test/fixtures/handlers/broken.mjs',
      /the module could not be loaded: the agent SDK is not installed$/,
    ],
    ['a missing file', 'module:test/fixtures/handlers/missing.mjs', /the module could not be loaded: Cannot find module .*missing\.mjs/],
    [
      'a default export without run()',
      'module:test/fixtures/handlers/no-run.mjs',
      /must be a class or an object with a run\(ctx\) method$/,
    ],
  ])('%s', async (_what, handler, why) => {
    for (const entry of [MAIN, WORKER]) {
      const result = await runToExit(entry, { ...unreachable, DELIBERATION_HANDLER: handler });
      expect(result.code).toBe(1);
      const lines = result.output.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`DELIBERATION_HANDLER=${handler}: `);
      expect(lines[0]).toMatch(why);
    }
  });

  it('an unknown handler name, or a remote name that is also an in-process one', async () => {
    const unknown = await runToExit(MAIN, { ...unreachable, DELIBERATION_HANDLER: 'gpt' });
    expect(unknown.output.trim()).toMatch(
      /^session-store failed to start: Invalid environment variable DELIBERATION_HANDLER="gpt": must be one of scripted, or module:/,
    );
    const clash = await runToExit(MAIN, { ...unreachable, REMOTE_HANDLERS: 'research,scripted' });
    expect(clash.output.trim()).toMatch(
      /^session-store failed to start: Invalid environment variable REMOTE_HANDLERS="research,scripted": must be names other than/,
    );
  });
});
