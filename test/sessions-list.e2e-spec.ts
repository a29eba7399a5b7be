import { LiveProgressFlusher } from '../src/control/live-progress/live-progress.flusher.js';
import { createSession, type Api, newUserApi } from './factories/api.factory.js';
import { controlEnv, removeQueue } from './utils/control.js';
import { useTestApp } from './utils/use-test-app.js';

/*
 * The list's items are built as JSON by PostgreSQL (src/sessions/session-page.sql.ts), GET's by
 * toSessionResponse: the two must never drift apart. No worker: a started session stays running.
 */
describe('GET /sessions items', () => {
  const app = useTestApp(controlEnv({ WORKER_ENABLED: 'false' }), { beforeClose: removeQueue });
  let api: Api;

  beforeEach(() => ({ api } = newUserApi(app)));

  const listed = async (query = '') => {
    const response = await api.get(`/sessions${query}`).expect(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    return response.body.items as Array<Record<string, unknown>>;
  };
  const shown = async (id: string) => (await api.get(`/sessions/${id}`).expect(200)).body;

  it('are exactly what GET /sessions/:id answers, field for field', async () => {
    const plain = await createSession(api, {});
    const rich = await createSession(api, {
      title: 'quotes " and \\ backslash, a tab\t, a newline\n, ünïcödé and 🦜',
      problemStatement: '</script><script>alert(1)</script>',
      key: 'rich-one',
      ttlSeconds: 120,
      context: { nested: { list: [1, 2.5, -3e-7, 1e21, true, null, 'x'], empty: {} }, 'odd key "q"': 'v' },
      metadata: { tag: 'ü', n: 12345678901234 },
    });
    const appended = await createSession(api);
    await api.post(`/sessions/${appended.id}/messages`, { items: [{ role: 'user', content: 'hi' }] }).expect(201);
    const expected = [await shown(appended.id), await shown(rich.id), await shown(plain.id)];
    expect(await listed()).toEqual(expected);
    // Byte for byte too: the same field order, compact, escaped as JSON.stringify escapes.
    const texts = await Promise.all([appended, rich, plain].map(async ({ id }) => (await api.get(`/sessions/${id}`).expect(200)).text));
    expect((await api.get('/sessions').expect(200)).text).toBe(`{"items":[${texts.join(',')}],"nextCursor":null}`);
  });

  it('show a running session with the live progress GET shows, before and after the flush', async () => {
    const flusher = app.get(LiveProgressFlusher, { strict: false });
    const idle = await createSession(api);
    const running = await createSession(api);
    await api.post(`/sessions/${running.id}/start`).expect(202);
    flusher.pause();
    try {
      await api.post(`/sessions/${running.id}/progress`, { phase: 'research', roundNumber: 2, costDelta: 1.25 }).expect(202);
      const live = await shown(running.id);
      expect(live).toMatchObject({ status: 'running', phase: 'research', roundNumber: 2, totalCost: 1.25 });
      expect(await listed()).toEqual([live, await shown(idle.id)]);
      expect(await flusher.flush()).toBeGreaterThanOrEqual(1);
    } finally {
      flusher.resume();
    }
    expect(await listed()).toEqual([await shown(running.id), await shown(idle.id)]);
    expect((await listed('?status=running'))[0]).toMatchObject({ id: running.id, phase: 'research', totalCost: 1.25 });
  });

  it('of deleted sessions are listed when asked for, as they were last shown', async () => {
    const gone = await createSession(api, { title: 'gone', metadata: { a: 1 } });
    await api.delete(`/sessions/${gone.id}`).expect(204);
    const [item] = await listed('?status=deleted');
    expect(item).toMatchObject({ id: gone.id, status: 'deleted', title: 'gone', metadata: { a: 1 } });
    expect(Object.keys(item)).toEqual(Object.keys(gone));
    expect(item.createdAt).toBe(gone.createdAt);
  });
});
