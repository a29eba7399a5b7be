import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { LiveProgressFlusher } from '../src/control/live-progress/live-progress.flusher.js';
import { WorkQueue } from '../src/control/queue/work.queue.js';
import { RedisKeys } from '../src/redis/keys.js';
import { REDIS_CLIENT } from '../src/redis/redis.constants.js';
import { apiAs, createSession, type Api, newUserApi } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { controlEnv, removeQueue, transitionsOf } from './utils/control.js';
import { useTestApp } from './utils/use-test-app.js';
import { waitFor } from './utils/wait-for.js';

// No worker on this app's queue: a started session stays running and only the test reports progress.
describe('live progress', () => {
  const app = useTestApp(controlEnv({ WORKER_ENABLED: 'false' }), { beforeClose: removeQueue });
  let api: Api;
  let flusher: LiveProgressFlusher;

  const stored = async (id: string) => {
    const [row] = await app.get(DataSource).query(`SELECT phase, round_number, total_cost, live_rev FROM sessions WHERE id = $1`, [id]);
    return { phase: row.phase, roundNumber: row.round_number, totalCost: Number(row.total_cost), liveRev: Number(row.live_rev) };
  };

  beforeAll(() => {
    flusher = app.get(LiveProgressFlusher, { strict: false });
  });
  beforeEach(() => ({ api } = newUserApi(app)));

  it('is a 409 outside running, and validates its body', async () => {
    const session = await createSession(api);
    const refused = await api.post(`/sessions/${session.id}/progress`, { costDelta: 1 }).expect(409);
    expect(refused.body).toMatchObject({ code: 'INVALID_TRANSITION', currentStatus: 'created' });
    await api.post(`/sessions/${session.id}/start`).expect(202);
    for (const body of [{ costDelta: -1 }, { roundNumber: 1.5 }, { phase: '' }, { costDelta: 'much' }, { status: 'x' }]) {
      await api.post(`/sessions/${session.id}/progress`, body).expect(400);
    }
    await apiAs(app, newUser()).post(`/sessions/${session.id}/progress`, { costDelta: 1 }).expect(404);
  });

  it('lands in Redis first: GET and the list see it before the flush, PostgreSQL after it', async () => {
    flusher.pause();
    try {
      const session = await createSession(api);
      await api.post(`/sessions/${session.id}/start`).expect(202);
      await api.post(`/sessions/${session.id}/progress`, { phase: 'research', roundNumber: 2, costDelta: 1.25 }).expect(202);
      await api.post(`/sessions/${session.id}/progress`, { costDelta: 0.5 }).expect(202);

      const live = (await api.get(`/sessions/${session.id}`).expect(200)).body;
      expect(live).toMatchObject({ status: 'running', phase: 'research', roundNumber: 2, totalCost: 1.75 });
      expect(Date.parse(live.lastActivityAt)).toBeGreaterThanOrEqual(Date.parse(session.lastActivityAt));
      const listed = (await api.get('/sessions').expect(200)).body.items.find((s: { id: string }) => s.id === session.id);
      expect(listed).toMatchObject({ phase: 'research', roundNumber: 2, totalCost: 1.75 });
      expect(await stored(session.id)).toEqual({ phase: null, roundNumber: 0, totalCost: 0, liveRev: 0 });

      expect(await flusher.flush()).toBeGreaterThanOrEqual(1);
      expect(await stored(session.id)).toEqual({ phase: 'research', roundNumber: 2, totalCost: 1.75, liveRev: 2 });
      expect((await api.get(`/sessions/${session.id}`).expect(200)).body.totalCost).toBe(1.75);
    } finally {
      flusher.resume();
    }
  });

  it('reaches PostgreSQL within 5 s by the periodic flush, and at the status change', async () => {
    const session = await createSession(api);
    await api.post(`/sessions/${session.id}/start`).expect(202);
    await api.post(`/sessions/${session.id}/progress`, { costDelta: 2 }).expect(202);
    await waitFor(
      () => stored(session.id),
      (row) => row.totalCost === 2,
      { timeoutMs: 5000, what: 'the periodic flush' },
    );

    flusher.pause();
    try {
      await api.post(`/sessions/${session.id}/progress`, { phase: 'closing', costDelta: 0.25 }).expect(202);
      const killed = await api.post(`/sessions/${session.id}/kill`).expect(202);
      expect(killed.body).toMatchObject({ status: 'killed', phase: 'closing', totalCost: 2.25 });
      expect(await stored(session.id)).toMatchObject({ phase: 'closing', totalCost: 2.25 });
      const late = await api.post(`/sessions/${session.id}/progress`, { costDelta: 5 }).expect(409);
      expect(late.body.currentStatus).toBe('killed');
    } finally {
      flusher.resume();
    }
  });

  it('kill removes a job that is still waiting for a worker', async () => {
    const session = await createSession(api);
    await api.post(`/sessions/${session.id}/start`).expect(202);
    const queue = app.get(WorkQueue, { strict: false });
    expect(await queue.stateOf(session.id)).toBe('waiting');
    await api.post(`/sessions/${session.id}/kill`).expect(202);
    expect(await queue.stateOf(session.id)).toBe('unknown');
  });

  it('survives Redis losing the live state: progress is seeded again from PostgreSQL', async () => {
    const session = await createSession(api);
    await api.post(`/sessions/${session.id}/start`).expect(202);
    await api.post(`/sessions/${session.id}/progress`, { costDelta: 1 }).expect(202);
    await flusher.flush();
    const key = app.get(RedisKeys).live(session.id);
    expect(await app.get<Redis>(REDIS_CLIENT).exists(key)).toBe(1);
    await app.get<Redis>(REDIS_CLIENT).del(key);

    await api.post(`/sessions/${session.id}/progress`, { costDelta: 0.5 }).expect(202);
    expect((await api.get(`/sessions/${session.id}`).expect(200)).body.totalCost).toBe(1.5);
  });

  it('keeps every live key under the cache TTL', async () => {
    // Paused: a flush would settle the dirty set, and an empty set is no key at all.
    flusher.pause();
    try {
      const session = await createSession(api);
      await api.post(`/sessions/${session.id}/start`).expect(202);
      await api.post(`/sessions/${session.id}/progress`, { costDelta: 1 }).expect(202);
      const redis = app.get<Redis>(REDIS_CLIENT);
      const keys = app.get(RedisKeys);
      expect(await redis.sismember(keys.liveDirty(), session.id)).toBe(1);
      for (const k of [keys.live(session.id), keys.liveDirty()]) {
        const ttl = await redis.ttl(k); // -2 (no such key) and -1 (no TTL) fail here
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(86400);
      }
    } finally {
      flusher.resume();
    }
  });
});

describe.each([
  ['without Redis (REDIS_URL empty)', ''],
  ['with Redis unreachable', 'redis://127.0.0.1:1/0'],
])('control plane %s', (_label, redisUrl) => {
  const app = useTestApp(controlEnv({ REDIS_URL: redisUrl }));
  let api: Api;

  beforeAll(() => {
    api = apiAs(app, newUser());
  });

  it('refuses start with 503 WORK_QUEUE_UNAVAILABLE, changing nothing, and still kills and deletes', async () => {
    const session = await createSession(api);
    const refused = await api.post(`/sessions/${session.id}/start`).expect(503);
    expect(refused.body.code).toBe('WORK_QUEUE_UNAVAILABLE');
    expect(refused.headers['retry-after']).toBe('5');
    expect((await api.get(`/sessions/${session.id}`).expect(200)).body.status).toBe('created');
    expect(await transitionsOf(api, session.id)).toEqual([]);
    await api.post(`/sessions/${session.id}/kill`).expect(202);
    await api.delete(`/sessions/${session.id}`).expect(204);
  });
});
