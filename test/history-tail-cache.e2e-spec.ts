import { Redis } from 'ioredis';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { historyTailKey } from '../src/redis/keys.js';
import { REDIS_CLIENT } from '../src/redis/redis.constants.js';
import { apiAs, createSession, type Api, newUserApi } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { createTestApp } from './utils/create-test-app.js';
import { TcpProxy } from './utils/tcp-proxy.js';
import { useTestApp } from './utils/use-test-app.js';
import { waitFor } from './utils/wait-for.js';

/*
 * The history's cached tail (src/messages/history-tail.cache.ts): GET .../messages?limit<=N from
 * Redis, never missing a committed change. What PostgreSQL holds is read with limit=all, which
 * streams from PostgreSQL only.
 */
describe('history tail cache', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(process.env.REDIS_URL!);
  });
  afterAll(() => redis.quit());

  const path = (id: string) => `/sessions/${id}/messages`;
  const shown = (body: any) => ({ items: body.items.map((m: any) => [m.seq, m.content]), nextBefore: body.nextBefore });

  /** The page GET ?limit=<limit> must answer, from PostgreSQL's whole history, and its ETag. */
  async function expected(api: Api, id: string, limit: number) {
    const all = await api.get(`${path(id)}?limit=all`).expect(200);
    const page = all.body.items.slice(-limit);
    const nextBefore = all.body.items.length > page.length ? page[0].seq : null;
    return { page: shown({ items: page, nextBefore }), etag: all.headers.etag };
  }

  async function expectCurrent(api: Api, id: string, limit = 3) {
    const got = await api.get(`${path(id)}?limit=${limit}`).expect(200);
    const want = await expected(api, id, limit);
    expect({ page: shown(got.body), etag: got.headers.etag }).toEqual(want);
  }

  describe('with Redis up', () => {
    const app = useTestApp({ HISTORY_TAIL_CACHE_SIZE: '10' });
    let api: Api;
    beforeEach(() => ({ api } = newUserApi(app)));

    it('answers a recent page from the tail it cached (a row changed behind its back is not read)', async () => {
      const { id } = await createSession(api);
      await api.post(path(id), { items: ['a', 'b', 'c'].map((content) => ({ role: 'user', content })) }).expect(201);
      await api.get(`${path(id)}?limit=2`).expect(200); // fills the tail
      expect(await redis.lindex(historyTailKey(id), 0)).toBe('3.3');
      await app.get(DataSource).query(`UPDATE messages SET content = '"changed in SQL"' WHERE session_id = $1 AND seq = 3`, [id]);
      const cached = await api.get(`${path(id)}?limit=2`).expect(200);
      expect(shown(cached.body)).toEqual({
        items: [
          [2, 'b'],
          [3, 'c'],
        ],
        nextBefore: 2,
      });
      // An append extends the cached tail (write-through), which then serves the next read.
      await api.post(path(id), { role: 'user', content: 'd' }).expect(201);
      expect(await redis.lindex(historyTailKey(id), 0)).toBe('4.4');
      expect(shown((await api.get(`${path(id)}?limit=2`).expect(200)).body)).toEqual({
        items: [
          [3, 'c'],
          [4, 'd'],
        ],
        nextBefore: 3,
      });
      // Beyond the tail's size, or before a seq: PostgreSQL.
      expect((await api.get(`${path(id)}?limit=11`).expect(200)).body.items[2].content).toBe('changed in SQL');
      expect((await api.get(`${path(id)}?limit=2&before=4`).expect(200)).body.items[1].content).toBe('changed in SQL');
    });

    it('does not serve a tail that appends grew past its byte bound (256 KiB): PostgreSQL answers', async () => {
      const { id } = await createSession(api);
      const big = (n: number) => `${n}`.padEnd(100 * 1024, 'x');
      await api.post(path(id), { role: 'user', content: big(1) }).expect(201);
      await api.get(`${path(id)}?limit=3`).expect(200); // fills the tail (100 KiB)
      // Each append fits on its own; together the tail in Redis is now about 300 KiB.
      await api.post(path(id), { role: 'user', content: big(2) }).expect(201);
      await api.post(path(id), { role: 'user', content: big(3) }).expect(201);
      expect(await redis.lindex(historyTailKey(id), 0)).toBe('3.3');
      await app.get(DataSource).query(`UPDATE messages SET content = '"changed in SQL"' WHERE session_id = $1 AND seq = 1`, [id]);
      const page = await api.get(`${path(id)}?limit=3`).expect(200);
      expect(page.body.items.map((item: any) => item.content)).toEqual(['changed in SQL', big(2), big(3)]);
    });

    it('never misses an append, a conditional or keyed one, a pop, a replace, a PUT or a clear', async () => {
      const { id } = await createSession(api);
      const one = (content: string) => ({ role: 'user', content });
      await expectCurrent(api, id);
      const steps = [
        () => api.post(path(id), { items: [one('a'), one('b')] }).expect(201),
        () => api.post(path(id), one('c')).expect(201),
        async () => {
          const etag = (await api.get(`${path(id)}?limit=1`)).headers.etag;
          await api.post(path(id), one('d')).set('If-Match', etag).expect(201);
        },
        () => api.post(path(id), one('e')).set('Idempotency-Key', 'k1').expect(201),
        () => api.post(path(id), one('e')).set('Idempotency-Key', 'k1').expect(201),
        () => api.delete(`${path(id)}/last`).expect(200),
        () => api.post(path(id), { items: [one('r1'), one('r2')], replaceFromSeq: 2 }).expect(201),
        ...Array.from({ length: 12 }, (_, n) => () => api.post(path(id), one(`m${n}`)).expect(201)),
        () => api.put(path(id), { items: [one('p1')] }).expect(200),
        () => api.post(path(id), one('after put')).expect(201),
        () => api.delete(path(id)).expect(204),
        () => api.post(path(id), one('after clear')).expect(201),
      ];
      for (const step of steps) {
        await step();
        await expectCurrent(api, id, 3);
        await expectCurrent(api, id, 10);
      }
    });

    /** Puts a tail in Redis at `state` whose only message says "from Redis": a read that serves it asked Redis. */
    async function planted(id: string, state: string) {
      const key = historyTailKey(id);
      await redis.del(key);
      await redis.rpush(key, state, JSON.stringify([id, 1, 'user', '"from Redis"', '{}', 0]));
      await redis.expire(key, 60);
    }

    it("serves a warm read from this instance's own copy, asking Redis nothing", async () => {
      const { id } = await createSession(api);
      await api.post(path(id), { items: ['a', 'b', 'c'].map((content) => ({ role: 'user', content })) }).expect(201);
      await api.get(`${path(id)}?limit=2`).expect(200); // fills both copies
      await planted(id, '3.3');
      const page = [
        [2, 'b'],
        [3, 'c'],
      ];
      expect(shown((await api.get(`${path(id)}?limit=2`).expect(200)).body)).toEqual({ items: page, nextBefore: 2 });
      await redis.del(historyTailKey(id));
      expect(shown((await api.get(`${path(id)}?limit=2`).expect(200)).body)).toEqual({ items: page, nextBefore: 2 });

      // This instance's append extends its copy of the state before: the next read asks Redis nothing either.
      await api.post(path(id), { role: 'user', content: 'd' }).expect(201);
      await planted(id, '4.4');
      expect(shown((await api.get(`${path(id)}?limit=2`).expect(200)).body)).toEqual({
        items: [
          [3, 'c'],
          [4, 'd'],
        ],
        nextBefore: 3,
      });
      // A read of another state than its copy's (a pop) reads again, from PostgreSQL as Redis has no tail of it.
      await api.delete(`${path(id)}/last`).expect(200);
      await planted(id, '4.4');
      await expectCurrent(api, id, 2);
    });

    it('shows another instance the append it just answered', async () => {
      const other: NestFastifyApplication = await createTestApp({ HISTORY_TAIL_CACHE_SIZE: '10' });
      try {
        const user = newUser();
        const [there, owner] = [apiAs(other, user), apiAs(app, user)];
        const { id } = await createSession(there);
        await there.post(path(id), { role: 'user', content: 'first' }).expect(201);
        await expectCurrent(owner, id);
        for (let n = 0; n < 5; n++) {
          await there.post(path(id), { role: 'user', content: `from the other ${n}` }).expect(201);
          await expectCurrent(owner, id);
          await owner.post(path(id), { role: 'user', content: `from this one ${n}` }).expect(201);
          await expectCurrent(there, id);
        }
      } finally {
        await other.close();
      }
    });
  });

  describe('with two instances on one database and one Redis', () => {
    const one = useTestApp({ HISTORY_TAIL_CACHE_SIZE: '10' });
    const two = useTestApp({ HISTORY_TAIL_CACHE_SIZE: '10' });

    it("never serves a page older than a change made on the other instance (each instance's copy is of its last read)", async () => {
      const user = newUser();
      const [reader, writer] = [apiAs(one, user), apiAs(two, user)];
      const { id } = await createSession(writer);
      const item = (content: string) => ({ role: 'user', content });
      await writer.post(path(id), { items: [item('a'), item('b'), item('c')] }).expect(201);
      // Each step follows a warm read on the reader, whose copy is then of the state before.
      const steps = [
        () => writer.post(path(id), item('d')).expect(201),
        () => writer.delete(`${path(id)}/last`).expect(200),
        () => writer.post(path(id), item('after pop')).expect(201),
        async () => {
          // The count comes back, at a new lastSeq.
          await writer.delete(`${path(id)}/last`).expect(200);
          await writer.post(path(id), item('popped and appended')).expect(201);
        },
        () => writer.post(path(id), { items: [item('the last one replaced')], replaceFromSeq: 5 }).expect(201),
        () => writer.post(path(id), { items: [item('r1')], replaceFromSeq: 2 }).expect(201),
        () => writer.post(path(id), item('keyed')).set('Idempotency-Key', 'k1').expect(201),
        () => writer.put(path(id), { items: [item('p1'), item('p2')] }).expect(200),
        () => reader.post(path(id), item('from the reader')).expect(201),
        async () => {
          // The reader's append follows a state its copy is not of: it must not extend that copy.
          await writer.post(path(id), item('from the writer')).expect(201);
          await reader.post(path(id), item('from the reader, after it')).expect(201);
        },
        () => writer.delete(`${path(id)}/last`).expect(200),
        () => writer.delete(path(id)).expect(204),
        () => writer.post(path(id), item('after clear')).expect(201),
      ];
      for (const step of steps) {
        await expectCurrent(reader, id, 3); // the reader holds a copy of the state before
        await step();
        await expectCurrent(reader, id, 3);
        await expectCurrent(reader, id, 10);
      }
    });
  });

  describe('with Redis going away mid-test', () => {
    let proxy: TcpProxy;
    const app = useTestApp(
      async () => {
        proxy = await TcpProxy.start(process.env.REDIS_URL!);
        // No deliberation worker: see cache.e2e-spec.ts (BullMQ's wait outlives a close mid-reconnect).
        return { REDIS_URL: proxy.url(process.env.REDIS_URL!), HISTORY_TAIL_CACHE_SIZE: '10', WORKER_ENABLED: 'false' };
      },
      { afterClose: () => proxy.close() },
    );

    it('answers from PostgreSQL while Redis is down and serves no tail older than the history once it is back', async () => {
      const api = apiAs(app, newUser());
      const { id } = await createSession(api);
      await api.post(path(id), { role: 'user', content: 'before outage' }).expect(201);
      await expectCurrent(api, id); // cached
      expect(await redis.lindex(historyTailKey(id), 0)).toBe('1.1');

      await proxy.cut();
      await api.post(path(id), { role: 'user', content: 'during outage' }).expect(201);
      await expectCurrent(api, id);
      await api.delete(`${path(id)}/last`).expect(200);
      await api.post(path(id), { role: 'user', content: 'during outage, again' }).expect(201);
      await expectCurrent(api, id);

      await proxy.restore();
      await waitFor(
        async () => app.get<Redis>(REDIS_CLIENT).status,
        (status) => status === 'ready',
        { what: 'Redis ready again' },
      );
      await expectCurrent(api, id);
      await api.post(path(id), { role: 'user', content: 'after outage' }).expect(201);
      await expectCurrent(api, id);
      expect((await api.get(`${path(id)}?limit=10`).expect(200)).body.items.map((m: any) => m.content)).toEqual([
        'before outage',
        'during outage, again',
        'after outage',
      ]);
    });
  });

  it('keeps no tail with HISTORY_TAIL_CACHE_SIZE=0', async () => {
    const app = await createTestApp({ HISTORY_TAIL_CACHE_SIZE: '0' });
    try {
      const api = apiAs(app, newUser());
      const { id } = await createSession(api);
      await api.post(path(id), { role: 'user', content: 'x' }).expect(201);
      await expectCurrent(api, id);
      expect(await redis.exists(historyTailKey(id))).toBe(0);
      await expectReadFromPostgres(app, api, id);
    } finally {
      await app.close();
    }
  });

  it('keeps no copy in process without Redis (REDIS_URL empty: the cache is off)', async () => {
    const app = await createTestApp({ REDIS_URL: '', HISTORY_TAIL_CACHE_SIZE: '10' });
    try {
      const api = apiAs(app, newUser());
      const { id } = await createSession(api);
      await api.post(path(id), { role: 'user', content: 'x' }).expect(201);
      await expectCurrent(api, id);
      await expectReadFromPostgres(app, api, id);
    } finally {
      await app.close();
    }
  });

  /** The latest message changed in SQL behind the service's back is what the next read shows. */
  async function expectReadFromPostgres(app: NestFastifyApplication, api: Api, id: string) {
    await app.get(DataSource).query(`UPDATE messages SET content = '"changed in SQL"' WHERE session_id = $1`, [id]);
    expect((await api.get(`${path(id)}?limit=1`).expect(200)).body.items.map((m: any) => m.content)).toEqual(['changed in SQL']);
  }
});
