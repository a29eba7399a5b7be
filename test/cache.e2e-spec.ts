import { Redis } from 'ioredis';
import { sessionKey } from '../src/redis/keys.js';
import { REDIS_CLIENT } from '../src/redis/redis.constants.js';
import { SessionCache } from '../src/sessions/session.cache.js';
import { apiAs, createSession, type Api, newUserApi } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { createTestApp } from './utils/create-test-app.js';
import { TcpProxy } from './utils/tcp-proxy.js';
import { useOwnRedisIndex } from './utils/own-redis-index.js';
import { useTestApp } from './utils/use-test-app.js';
import { waitFor } from './utils/wait-for.js';

// It FLUSHDBs: on the run's shared index that would take other specs' leases and queues mid-test.
useOwnRedisIndex();

describe('Redis write-through cache', () => {
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(process.env.REDIS_URL!);
  });
  afterAll(() => redis.quit());

  /** Every key the service holds for a session, with its TTL. */
  async function keysOf(id: string): Promise<Record<string, number>> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `*${id}*`, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return Object.fromEntries(await Promise.all(keys.map(async (key) => [key, await redis.ttl(key)] as const)));
  }

  describe('with Redis up', () => {
    const app = useTestApp();
    let api: Api;

    beforeEach(() => ({ api } = newUserApi(app)));

    it('gives every key of a session a TTL in (86340, 86400] right after each write', async () => {
      const { id } = await createSession(api);
      const writes = [
        () => api.patch(`/sessions/${id}`, { title: 't' }),
        () => api.post(`/sessions/${id}/messages`, { role: 'user', content: 'x' }),
        () => api.delete(`/sessions/${id}/messages/last`),
        () => api.delete(`/sessions/${id}/messages`),
        () => api.delete(`/sessions/${id}`),
      ];
      expect(Object.keys(await keysOf(id)).length).toBeGreaterThan(0);
      for (const write of writes) {
        await write();
        const ttls = Object.values(await keysOf(id));
        expect(ttls.length).toBeGreaterThan(0);
        for (const ttl of ttls) {
          expect(ttl).toBeGreaterThan(86340);
          expect(ttl).toBeLessThanOrEqual(86400);
        }
      }
    });

    it('never serves a stale copy after a write on the same session', async () => {
      const { id } = await createSession(api, { title: 'v1' });
      await api.get(`/sessions/${id}`).expect(200);
      await api.patch(`/sessions/${id}`, { title: 'v2' }).expect(200);
      expect((await api.get(`/sessions/${id}`)).body.title).toBe('v2');
      await api.post(`/sessions/${id}/messages`, { role: 'user', content: 'x' }).expect(201);
      expect((await api.get(`/sessions/${id}`)).body.messageCount).toBe(1);
      await api.delete(`/sessions/${id}`).expect(204);
      await api.get(`/sessions/${id}`).expect(404);
    });

    it('serves everything from PostgreSQL after FLUSHDB, and caches it again', async () => {
      const session = await createSession(api, { title: 'survives', context: { k: 1 } });
      await api
        .post(`/sessions/${session.id}/messages`, {
          items: [
            { role: 'user', content: 'a' },
            { role: 'assistant', content: 'b' },
          ],
        })
        .expect(201);
      const before = (await api.get(`/sessions/${session.id}`)).body;

      await redis.flushdb();
      expect(await keysOf(session.id)).toEqual({});

      expect((await api.get(`/sessions/${session.id}`).expect(200)).body).toEqual(before);
      const history = await api.get(`/sessions/${session.id}/messages`).expect(200);
      expect(history.body.items.map((m: { content: string }) => m.content)).toEqual(['a', 'b']);
      expect((await api.get('/sessions').expect(200)).body.items.map((s: { id: string }) => s.id)).toEqual([session.id]);
      const ttls = Object.values(await keysOf(session.id));
      expect(ttls).toHaveLength(1);
      expect(ttls[0]).toBeGreaterThan(86340);
    });

    it('serves a refilled copy that is at least as new as the database row (CAS by version)', async () => {
      const { id } = await createSession(api, { title: 'v1' });
      await api.patch(`/sessions/${id}`, { title: 'v2' }).expect(200);
      const cache = app.get(SessionCache);
      // A slow reader refilling an older copy must not overwrite the newer one.
      const stale = { ...(await cache.get(id))!, title: 'v1', version: 1 };
      await cache.set(stale);
      expect((await api.get(`/sessions/${id}`)).body.title).toBe('v2');
    });
  });

  describe('purged sessions', () => {
    it('cannot be put back by a reader that loaded the row before it was removed', async () => {
      const app = await createTestApp();
      try {
        const api = apiAs(app, newUser());
        const { id } = await createSession(api);
        const cache = app.get(SessionCache);
        const loadedBefore = (await cache.get(id))!;
        await cache.purge([id]);
        await cache.set(loadedBefore); // the late refill
        expect(await cache.get(id)).toBeNull();
      } finally {
        await app.close();
      }
    });
  });

  describe('with Redis going away mid-test', () => {
    let proxy: TcpProxy;
    const app = useTestApp(
      async () => {
        proxy = await TcpProxy.start(process.env.REDIS_URL!);
        // No deliberation worker: closed while its blocking connection still reconnects, BullMQ's
        // wait for a job never settles and its 6 s watchdog holds the Jest worker past its exit.
        return { REDIS_URL: proxy.url(process.env.REDIS_URL!), WORKER_ENABLED: 'false' };
      },
      { afterClose: () => proxy.close() },
    );

    it('keeps answering every route, counts the cache errors, and serves no stale copy once Redis is back', async () => {
      const api = apiAs(app, newUser());
      const cache = app.get(SessionCache);
      const session = await createSession(api, { title: 'before outage' });
      await api.get(`/sessions/${session.id}`).expect(200); // cached

      await proxy.cut();
      const errorsBefore = cache.stats.errors;
      await api.patch(`/sessions/${session.id}`, { title: 'during outage' }).expect(200);
      expect((await api.get(`/sessions/${session.id}`).expect(200)).body.title).toBe('during outage');
      await api.post(`/sessions/${session.id}/messages`, { role: 'user', content: 'x' }).expect(201);
      await api.get(`/sessions/${session.id}/messages`).expect(200);
      const other = await createSession(api, { title: 'created during outage' });
      await api.get('/sessions').expect(200);
      await api.delete(`/sessions/${other.id}`).expect(204);
      expect(cache.stats.errors).toBeGreaterThan(errorsBefore);

      await proxy.restore();
      const client = app.get<Redis>(REDIS_CLIENT);
      await waitFor(
        async () => client.status,
        (status) => status === 'ready',
        { what: 'Redis ready again' },
      );
      // What any instance would read from Redis: never the copy cached before the outage.
      await waitFor(
        async () => (await redis.get(sessionKey(session.id))) ?? '',
        (cached) => !cached.includes('before outage'),
        { what: 'the pre-outage copy gone' },
      );
      const after = await api.get(`/sessions/${session.id}`).expect(200);
      expect(after.body).toMatchObject({ title: 'during outage', messageCount: 1 });
      await api.get(`/sessions/${other.id}`).expect(404);
    });
  });

  describe('with REDIS_URL empty', () => {
    it('runs without a cache and writes no key', async () => {
      const app = await createTestApp({ REDIS_URL: '' });
      try {
        const api = apiAs(app, newUser());
        const session = await createSession(api);
        await api.get(`/sessions/${session.id}`).expect(200);
        await api.post(`/sessions/${session.id}/messages`, { role: 'user', content: 'x' }).expect(201);
        expect(await keysOf(session.id)).toEqual({});
      } finally {
        await app.close();
      }
    });
  });
});
