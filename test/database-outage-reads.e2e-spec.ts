import request from 'supertest';
import { apiAs, createSession } from './factories/api.factory.js';
import { texts } from './factories/message.factory.js';
import { newUser } from './factories/token.factory.js';
import { useSql } from './utils/sql.js';
import { TcpProxy } from './utils/tcp-proxy.js';
import { useTestApp } from './utils/use-test-app.js';
import { waitFor } from './utils/wait-for.js';

/*
 * While PostgreSQL is unreachable, the reads the cache can answer exactly (a session's copy, and
 * the latest messages from the history's cached tail of the session's current state) are answered,
 * marked `X-Served-From: cache`; everything else, writes included, is 503 with nothing written.
 */
describe('Reads while PostgreSQL is unreachable', () => {
  let proxy: TcpProxy;
  let down = false;
  // PostgreSQL as it is, past the proxy the app is cut off by: when a write committed, what it holds.
  const db = useSql();
  const app = useTestApp(
    async () => {
      proxy = await TcpProxy.start(process.env.DATABASE_URL!);
      return { DATABASE_URL: proxy.url(process.env.DATABASE_URL!), HISTORY_TAIL_CACHE_SIZE: '10' };
    },
    { afterClose: () => proxy.close() },
  );
  afterEach(() => back());

  async function cut(): Promise<void> {
    down = true;
    await proxy.cut();
  }

  async function back(): Promise<void> {
    if (!down) return;
    down = false;
    await proxy.restore();
    await waitFor(
      async () => (await request(app.getHttpServer()).get('/health/ready')).status,
      (status) => status === 200,
      { what: 'ready again', timeoutMs: 30_000 },
    );
  }

  const stored = async (id: string) =>
    (await db.query('SELECT title, message_count AS "messageCount", version FROM sessions WHERE id = $1', [id])).rows[0];

  it('answers a session and its latest messages from the cache, marked, and refuses every write with nothing written', async () => {
    const user = newUser();
    const api = apiAs(app, user);
    const session = await createSession(api, { title: 'before the outage' });
    const id = session.id as string;
    await api.post(`/sessions/${id}/messages`, { items: texts(3, 'm') }).expect(201);
    await api.get(`/sessions/${id}/messages?limit=10`).expect(200); // the tail is cached
    await api
      .post(`/sessions/${id}/messages`)
      .set('Content-Type', 'application/json')
      .send('{"role":"assistant","content":{"exact":1.0,"keys":[1,2]}}')
      .expect(201);
    const before = await api.get(`/sessions/${id}`).expect(200);
    const latest = await api.get(`/sessions/${id}/messages?limit=3`).expect(200);
    expect(latest.body.items.map((m: { seq: number }) => m.seq)).toEqual([2, 3, 4]);
    const other = await createSession(apiAs(app, newUser()));

    await cut();
    const read = await api.get(`/sessions/${id}`);
    expect(read.status).toBe(200);
    expect(read.headers['x-served-from']).toBe('cache');
    expect(read.headers.etag).toBe(before.headers.etag);
    expect(read.body).toEqual(before.body);
    expect(read.body).toMatchObject({ title: 'before the outage', messageCount: 4 });

    const page = await api.get(`/sessions/${id}/messages?limit=3`);
    expect(page.status).toBe(200);
    expect(page.headers['x-served-from']).toBe('cache');
    expect(page.headers.etag).toBe(latest.headers.etag);
    expect(page.text).toBe(latest.text); // byte-exact: the cached texts as they were sent
    expect(page.text).toContain('{"exact":1.0,"keys":[1,2]}');
    const all = await api.get(`/sessions/${id}/messages?limit=10`).expect(200);
    expect(all.body.items.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(all.body.nextBefore).toBeNull();

    // Another user's session answers from the cache as it would from PostgreSQL: not found.
    const foreign = await api.get(`/sessions/${other.id}`);
    expect(foreign.status).toBe(404);
    expect((await api.get(`/sessions/${other.id}/messages?limit=3`)).status).toBe(404);

    // What the cache cannot answer exactly is 503, never a guess: older pages, more than the tail, lists, streams.
    for (const path of [
      `/sessions/${id}/messages?limit=11`,
      `/sessions/${id}/messages?limit=2&before=3`,
      `/sessions/${id}/messages?limit=all`,
      '/sessions',
    ]) {
      const response = await api.get(path);
      expect([path, response.status]).toEqual([path, 503]);
      expect(response.headers['retry-after']).toBe('5');
    }

    const writes = [
      () => api.post(`/sessions/${id}/messages`, { role: 'user', content: 'lost?' }),
      () => api.patch(`/sessions/${id}`, { title: 'lost?' }),
      () => api.delete(`/sessions/${id}/messages/last`),
      () => api.post('/sessions', { title: 'lost?' }),
    ];
    for (const write of writes) {
      const response = await write();
      expect(response.status).toBe(503);
      expect(response.body).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    }
    // The refused writes changed nothing that is served.
    const again = await api.get(`/sessions/${id}`).expect(200);
    expect(again.body).toEqual(before.body);
    expect((await api.get(`/sessions/${id}/messages?limit=3`).expect(200)).text).toBe(latest.text);

    await back();
    expect(await stored(id)).toEqual({ title: 'before the outage', messageCount: 4, version: Number(JSON.parse(before.headers.etag)) });
    const list = await api.get('/sessions').expect(200);
    expect(list.body.items.map((s: { id: string }) => s.id)).toEqual([id]);
  });

  it.each([
    ['an update', (id: string, marker: string) => ({ method: 'patch' as const, path: `/sessions/${id}`, body: { title: marker } })],
    [
      'an append',
      (id: string, marker: string) => ({
        method: 'post' as const,
        path: `/sessions/${id}/messages`,
        body: { role: 'user', content: marker },
      }),
    ],
  ])('%s whose connection breaks after PostgreSQL committed it leaves no older copy to serve', async (_, write) => {
    const api = apiAs(app, newUser());
    const { id } = await createSession(api, { title: 'first' });
    await api.post(`/sessions/${id}/messages`, { role: 'user', content: 'first' }).expect(201);
    await api.get(`/sessions/${id}/messages?limit=10`).expect(200);
    const before = await stored(id);
    expect((await api.get(`/sessions/${id}`).expect(200)).headers['x-served-from']).toBe('cache');

    // PostgreSQL commits the write; its answer is held, then the outage breaks the connection.
    const marker = `committed-${id}`;
    const { method, path, body } = write(id, marker);
    proxy.holdAnswersAfter(marker);
    const pending = api[method](path, body).then((response) => response);
    await waitFor(
      () => stored(id),
      (row) => row.version > before.version,
      { what: 'the write committed' },
    );
    await cut();
    expect((await pending).status).toBe(503);

    // The copy the cache held is older than PostgreSQL: it is not served.
    expect((await api.get(`/sessions/${id}`)).status).toBe(503);
    expect((await api.get(`/sessions/${id}/messages?limit=5`)).status).toBe(503);

    await back();
    const now = await api.get(`/sessions/${id}`).expect(200);
    expect(now.headers['x-served-from']).toBeUndefined(); // read from PostgreSQL
    expect(now.body.version).toBeUndefined();
    expect(now.headers.etag).toBe(`"${(await stored(id)).version}"`);
    const latest = await api.get(`/sessions/${id}/messages?limit=5`).expect(200);
    if (method === 'patch') expect(now.body.title).toBe(marker);
    else expect(latest.body.items.map((m: { content: string }) => m.content)).toEqual(['first', marker]);
  });
});
