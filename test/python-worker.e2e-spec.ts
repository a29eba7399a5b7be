import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createSession, type Api, newUserApi } from './factories/api.factory.js';
import { newUser, tokenFor } from './factories/token.factory.js';
import { controlEnv, sessionIn, transitionsOf } from './utils/control.js';
import { startReadyProcess, type ReadyProcess } from './utils/ready-process.js';
import { useTestApp } from './utils/use-test-app.js';
import { removeQueues } from './utils/work.js';
import { waitFor } from './utils/wait-for.js';

const WORKER = fileURLToPath(new URL('../examples/python-worker/worker.py', import.meta.url));
const HANDLERS = ['research'];

/**
 * examples/python-worker/worker.py, run by the machine's python3 against the real service over a
 * real port: the proof that the protocol needs nothing but HTTP and JSON.
 */
describe('the Python worker example (standard library only)', () => {
  const workers: ReadyProcess[] = [];
  const app = useTestApp(controlEnv({ REMOTE_HANDLERS: HANDLERS.join(',') }), {
    beforeClose: async (a) => {
      await Promise.all(workers.map((w) => w.stop('SIGKILL')));
      await removeQueues(a, HANDLERS);
    },
  });
  let api: Api;
  let baseUrl: string;

  beforeAll(async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });

  beforeEach(() => ({ api } = newUserApi(app)));

  async function pythonWorker(env: Record<string, string>): Promise<ReadyProcess> {
    const worker = await startReadyProcess('python3', ['-u', WORKER], {
      readyLine: 'worker ready',
      name: 'python worker',
      env: {
        SESSION_STORE_URLS: baseUrl,
        WORKER_TOKEN: tokenFor(newUser('py'), { roles: ['worker'] }),
        HANDLERS: 'research',
        ONCE: '1',
        ...env,
      },
    });
    workers.push(worker);
    return worker;
  }

  it('claims a session, streams progress and messages, and completes it', async () => {
    const session = await createSession(api, { title: 'Pricing' });
    await api.post(`/sessions/${session.id}/start`, { handler: 'research' }).expect(202);
    const worker = await pythonWorker({ ROUNDS: '3', STEP_SECONDS: '0' });

    const exit = await worker.exited;
    expect(exit.code).toBe(0);
    expect(worker.output()).toContain(`completed ${session.id}`);
    const done = (await api.get(`/sessions/${session.id}`).expect(200)).body;
    expect(done).toMatchObject({
      status: 'completed',
      phase: 'deliberation',
      roundNumber: 3,
      messageCount: 3,
      synthesisText: 'After 3 rounds on Pricing, python agreed.',
      finalRecommendation: 'ship it',
    });
    expect(done.totalCost).toBeCloseTo(0.03, 6);
    const messages = (await api.get(`/sessions/${session.id}/messages`).expect(200)).body.items;
    expect(messages.map((m: { content: string }) => m.content)).toEqual([1, 2, 3].map((n) => `Round ${n} on Pricing (python)`));
    expect((await transitionsOf(api, session.id)).map((t) => `${t.to}:${t.actor}`)).toEqual([
      `running:${session.userId}`,
      'completed:system',
    ]);
  });

  it('a kill mid-run stops it at its waiting heartbeat: nothing is appended after the kill was answered', async () => {
    const session = await createSession(api, { title: 'Long' });
    await api.post(`/sessions/${session.id}/start`, { handler: 'research' }).expect(202);
    // One-second steps, each a heartbeat wait that a kill cuts short.
    const worker = await pythonWorker({ ROUNDS: '1000', STEP_SECONDS: '1' });
    await waitFor(
      async () => worker.output(),
      (out) => out.includes('appended 2'),
      { what: 'two rounds', timeoutMs: 30_000 },
    );

    await api.post(`/sessions/${session.id}/kill`, { reason: 'enough' }).expect(202);
    const killedAt = Date.now();
    const atKill = (await api.get(`/sessions/${session.id}`).expect(200)).body.messageCount;
    const exit = await worker.exited;
    console.log(`python worker: kill answered -> process exited ${Date.now() - killedAt} ms`);

    expect(exit.code).toBe(0);
    const lines = worker.output().trim().split('\n');
    // It learnt of the kill from the service (a waiting heartbeat's stop, or a 409 on a write it had under way) and stopped there.
    expect(lines.at(-1)).toMatch(
      new RegExp(`^stopped ${session.id} (heartbeat: stop killed|(progress|messages): 409 INVALID_TRANSITION killed)$`),
    );
    const appended = lines.filter((line) => line.startsWith('appended'));
    const final = await sessionIn(api, session.id, (s) => s.status === 'killed', 'killed');
    expect(final.messageCount).toBe(atKill);
    expect(appended).toHaveLength(atKill);
    expect(atKill).toBeGreaterThanOrEqual(2);
  });
});
