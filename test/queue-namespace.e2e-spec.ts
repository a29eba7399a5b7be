import { RedisKeys } from '../src/redis/keys.js';
import { WorkQueue } from '../src/control/queue/work.queue.js';
import { apiAs, createSession } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { removeQueue, sessionIn } from './utils/control.js';
import { ownDatabase } from './utils/own-database.js';
import { useTestApp } from './utils/use-test-app.js';

/*
 * Two development instances on two databases, one Redis index (everyone's default is db 0) and no
 * CONTROL_KEY_PREFIX: each database gets its own queue, so neither instance's worker takes the
 * other's jobs (which would name sessions its database does not hold).
 */
describe('work queue namespace: one per database', () => {
  // Without a worker: whatever is started here stays queued unless a worker of another database took it.
  const idle = useTestApp(async () => ({ DATABASE_URL: await ownDatabase('queue_ns_idle'), WORKER_ENABLED: 'false' }), {
    beforeClose: removeQueue,
  });
  const busy = useTestApp(async () => ({ DATABASE_URL: await ownDatabase('queue_ns_busy'), DELIBERATION_STEP_MS: '20' }), {
    beforeClose: removeQueue,
  });

  it('derives the prefix from the database name', () => {
    const idlePrefix = idle.get(RedisKeys).controlPrefix;
    expect(idlePrefix).toMatch(/^control:session_store_test_\d+_queue_ns_idle$/);
    expect(busy.get(RedisKeys).controlPrefix).toBe(idlePrefix.replace(/idle$/, 'busy'));
  });

  it("a worker on one database never takes a job queued for the other's", async () => {
    const user = newUser();
    const waiting = await createSession(apiAs(idle, user), { title: 'queued on the idle database' });
    await apiAs(idle, user).post(`/sessions/${waiting.id}/start`).expect(202);
    // Queued after it: on a shared queue the busy worker would have reached the first job first.
    const own = await createSession(apiAs(busy, user), { title: 'queued on the busy database' });
    await apiAs(busy, user).post(`/sessions/${own.id}/start`).expect(202);
    await sessionIn(apiAs(busy, user), own.id, (s) => s.status === 'completed', 'the busy worker to finish its own run');

    expect(await idle.get(WorkQueue).stateOf(waiting.id)).toBe('waiting');
    expect(await busy.get(WorkQueue).stateOf(waiting.id)).toBe('unknown');
    expect((await apiAs(idle, user).get(`/sessions/${waiting.id}`).expect(200)).body).toMatchObject({ status: 'running', messageCount: 0 });
  });
});
