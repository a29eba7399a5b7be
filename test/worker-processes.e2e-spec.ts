import { apiAs, createSession, type Api, newUserApi } from './factories/api.factory.js';
import { controlEnv, removeQueue, sessionIn, transitionsOf } from './utils/control.js';
import { restartTestApp, useTestApp } from './utils/use-test-app.js';
import { startWorkerProcess, type WorkerProcess } from './utils/worker-process.js';

const STALE_AFTER_SECONDS = 4;

/**
 * Workers in child processes (`npm run worker`), the API in this process with WORKER_ENABLED=false,
 * all on one queue prefix: the deployment shape of API instances and separate workers.
 */
describe('separate worker processes', () => {
  const env = controlEnv({ RUNNING_STALE_AFTER_SECONDS: String(STALE_AFTER_SECONDS), WORKER_CONCURRENCY: '1' });
  const apiEnv = { ...env, WORKER_ENABLED: 'false' };
  const workers: WorkerProcess[] = [];
  const app = useTestApp(apiEnv, {
    beforeClose: async () => {
      await Promise.all(workers.map((worker) => worker.stop()));
      await removeQueue(app);
    },
  });
  let api: Api;

  beforeEach(() => ({ api } = newUserApi(app)));

  it('a worker killed with SIGKILL mid-run: its session fails within the bound, and a second worker serves the next one', async () => {
    // The doomed worker's runs last minutes; the survivor's about a second.
    const doomed = await startWorkerProcess({ ...env, DELIBERATION_ROUNDS: '1000', DELIBERATION_STEP_MS: '100' });
    workers.push(doomed);
    const orphan = await createSession(api, { title: 'orphan' });
    await api.post(`/sessions/${orphan.id}/start`).expect(202);
    await sessionIn(api, orphan.id, (s) => s.messageCount >= 1, 'the doomed worker to be mid-run');
    workers.push(await startWorkerProcess({ ...env, DELIBERATION_ROUNDS: '6', DELIBERATION_STEP_MS: '150' }));

    await doomed.stop('SIGKILL');
    // The bound: RUNNING_STALE_AFTER_SECONDS, plus slack for a loaded machine.
    const failed = await sessionIn(
      api,
      orphan.id,
      (s) => s.status !== 'running',
      'the lost-worker sweep',
      STALE_AFTER_SECONDS * 1000 + 3000,
    );
    expect(failed).toMatchObject({ status: 'failed', error: expect.stringMatching(/^worker lost: no heartbeat for/) });
    expect((await transitionsOf(api, orphan.id)).at(-1)).toMatchObject({
      from: 'running',
      to: 'failed',
      actor: 'system',
      reason: 'worker lost',
    });

    const next = await createSession(api, { title: 'next' });
    await api.post(`/sessions/${next.id}/start`).expect(202);
    const done = await sessionIn(api, next.id, (s) => s.status !== 'running', 'the surviving worker to finish');
    expect(done).toMatchObject({ status: 'completed', roundNumber: 6, messageCount: 6 });
  });

  it('the API restarted during a run on a separate worker: the run completes and its result is readable', async () => {
    const session = await createSession(api, { title: 'restart' });
    await api.post(`/sessions/${session.id}/start`).expect(202);
    await sessionIn(api, session.id, (s) => s.messageCount >= 1, 'the run to be under way');

    await restartTestApp(app);
    api = apiAs(app, session.userId);

    const done = await sessionIn(api, session.id, (s) => s.status !== 'running', 'the run to finish');
    expect(done).toMatchObject({ status: 'completed', roundNumber: 6, messageCount: 6, synthesisText: expect.stringContaining('restart') });
    const messages = (await api.get(`/sessions/${session.id}/messages`).expect(200)).body.items;
    expect(messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await transitionsOf(api, session.id)).map((t) => `${t.from}>${t.to}:${t.actor}`)).toEqual([
      `created>running:${session.userId}`,
      'running>completed:system',
    ]);
  });
});
