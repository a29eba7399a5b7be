import pg from 'pg';
import { DataSource } from 'typeorm';
import { MessagesRepository } from '../src/messages/messages.repository.js';
import { apiAs, createSession, type Api } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { controlEnv, removeQueue } from './utils/control.js';
import { baseUrlOf, SseClient, type SseEvent } from './utils/sse-client.js';
import { lockSessionRows, type Sql, useSql } from './utils/sql.js';
import { TcpProxy } from './utils/tcp-proxy.js';
import { useTestApp } from './utils/use-test-app.js';

// Short bounds, so that a statement outlives them in a moment: PostgreSQL cancels at 1 s, the client gives up at 3 s.
const TIMEOUTS = { DATABASE_STATEMENT_TIMEOUT_MS: '1000', DATABASE_QUERY_TIMEOUT_MS: '3000' };
const env = controlEnv({ ...TIMEOUTS, WORKER_ENABLED: 'false', RATE_LIMIT_PER_MINUTE: '0' });

const contents = (items: Array<{ content: unknown }>) => items.map((item) => item.content);
const historyEvents = (events: SseEvent[], id: string) =>
  events.filter((event) => event.event === 'session.messages' && event.data.sessionId === id).map((event) => event.data.seqs);

/** What PostgreSQL itself holds for the session: its row's counters and its messages. */
async function stored(db: Sql, id: string): Promise<{ messageCount: number; lastSeq: number; contents: unknown[] }> {
  const [row] = (await db.query('SELECT message_count, last_seq FROM sessions WHERE id = $1', [id])).rows;
  const messages = await db.query('SELECT content::text FROM messages WHERE session_id = $1 ORDER BY seq', [id]);
  return { messageCount: row.message_count, lastSeq: row.last_seq, contents: messages.rows.map((m) => JSON.parse(m.content as string)) };
}

/** The service's answers (the cached session, the cached tail) must say what PostgreSQL holds. */
async function expectServedAsStored(api: Api, db: Sql, id: string): Promise<void> {
  const inDatabase = await stored(db, id);
  const session = (await api.get(`/sessions/${id}`).expect(200)).body;
  const history = (await api.get(`/sessions/${id}/messages?limit=10`).expect(200)).body;
  expect({ messageCount: session.messageCount, contents: contents(history.items) }).toEqual({
    messageCount: inDatabase.messageCount,
    contents: inDatabase.contents,
  });
}

/** A session with one message, its row and tail cached (read once), and a subscriber to its user's events. */
async function warmSession(api: Api, url: string, user: string): Promise<{ id: string; events: SseClient }> {
  const events = await SseClient.open(url, user);
  const { id } = await createSession(api);
  await api.post(`/sessions/${id}/messages`, { role: 'user', content: 'first' }).expect(201);
  expect((await api.get(`/sessions/${id}`).expect(200)).body.messageCount).toBe(1);
  expect(contents((await api.get(`/sessions/${id}/messages?limit=10`).expect(200)).body.items)).toEqual(['first']);
  await events.until((all) => historyEvents(all, id).length === 1, 'the first append told');
  return { id, events };
}

/*
 * PostgreSQL is read on a connection of the spec's own (useSql), not through the app: the app's path
 * is the faulty one (a proxy that loses answers, a statement cancelled), and what is tested is that
 * its answers, cache and events agree with what PostgreSQL holds.
 */
describe('a statement that outlives its time', () => {
  const db = useSql();

  describe('waiting on a lock', () => {
    const app = useTestApp(env, { beforeClose: removeQueue });

    it("runs on connections that carry PostgreSQL's statement_timeout, both pools", async () => {
      const repository: unknown = app.get(MessagesRepository);
      const { streams } = repository as { streams: pg.Pool }; // the stream pool is the repository's own
      expect(await app.get(DataSource).query('SHOW statement_timeout')).toEqual([{ statement_timeout: '1s' }]);
      expect((await streams.query('SHOW statement_timeout')).rows).toEqual([{ statement_timeout: '1s' }]);
    });

    it('is cancelled in PostgreSQL: the 503 wrote nothing, and the cache, the tail and the events agree', async () => {
      const user = newUser();
      const api = apiAs(app, user);
      const { id, events } = await warmSession(api, await baseUrlOf(app), user);
      // Another transaction holds the session row for longer than both timeouts.
      const blocker = await lockSessionRows([id]);
      try {
        const blocked = await api.post(`/sessions/${id}/messages`, { role: 'user', content: 'second' });
        expect(blocked.status).toBe(503);
        expect(blocked.body).toMatchObject({ code: 'DATABASE_UNAVAILABLE', message: expect.stringContaining('nothing was written') });
      } finally {
        await blocker.release();
      }
      // Queued behind whatever still waited for the row: once this has the lock, that is decided.
      await (await lockSessionRows([id])).release();

      expect(await stored(db, id)).toEqual({ messageCount: 1, lastSeq: 1, contents: ['first'] });
      await expectServedAsStored(api, db, id);
      // The next append is the second message, and the events name exactly what was stored.
      await api.post(`/sessions/${id}/messages`, { role: 'user', content: 'third' }).expect(201);
      await events.until((all) => historyEvents(all, id).length === 2, 'the next append told');
      expect(historyEvents(events.events, id)).toEqual([[1], [2]]);
      expect((await stored(db, id)).contents).toEqual(['first', 'third']);
      events.close();
    });
  });

  describe('whose answer is lost past the client timeout', () => {
    let proxy: TcpProxy;
    const app = useTestApp(
      async () => {
        proxy = await TcpProxy.start(process.env.DATABASE_URL!);
        return { ...env, DATABASE_URL: proxy.url(process.env.DATABASE_URL!) };
      },
      { beforeClose: removeQueue, afterClose: () => proxy.close() },
    );

    it('was committed: the answer, the cache, the tail and the events follow the commit', async () => {
      const user = newUser();
      const api = apiAs(app, user);
      const { id, events } = await warmSession(api, await baseUrlOf(app), user);
      // PostgreSQL commits the append at once; its answer never reaches the service.
      proxy.holdAnswersAfter('answer-lost-in-the-network');
      const lost = await api.post(`/sessions/${id}/messages`, { role: 'user', content: 'answer-lost-in-the-network' });

      expect(await stored(db, id)).toEqual({ messageCount: 2, lastSeq: 2, contents: ['first', 'answer-lost-in-the-network'] });
      expect(lost.status).toBe(201);
      expect(lost.body.items).toMatchObject([{ seq: 2, content: 'answer-lost-in-the-network' }]);
      await expectServedAsStored(api, db, id);
      await events.until((all) => historyEvents(all, id).length === 2, 'the committed append told');
      expect(historyEvents(events.events, id)).toEqual([[1], [2]]);
      events.close();
    });

    it('was a COMMIT that committed: the answer, the cache, the tail and the events follow it', async () => {
      const user = newUser();
      const api = apiAs(app, user);
      const { id, events } = await warmSession(api, await baseUrlOf(app), user);
      await api.post(`/sessions/${id}/messages`, { role: 'user', content: 'second' }).expect(201);
      await api.get(`/sessions/${id}/messages?limit=10`).expect(200);
      // The pop's transaction names the session first; its COMMIT is carried out, its answer lost.
      proxy.holdAnswersAfter(id, 'COMMIT');
      const popped = await api.delete(`/sessions/${id}/messages/last`);

      expect(await stored(db, id)).toEqual({ messageCount: 1, lastSeq: 2, contents: ['first'] });
      expect(popped.status).toBe(200);
      expect(popped.body).toMatchObject({ seq: 2, content: 'second' });
      await expectServedAsStored(api, db, id);
      await events.until((all) => historyEvents(all, id).length === 3, 'the pop told');
      expect(events.events.filter((event) => event.data.sessionId === id && event.event === 'session.messages').at(-1)!.data).toMatchObject(
        {
          change: 'popped',
          messageCount: 1,
        },
      );
      events.close();
    });

    it('was a statement before the COMMIT: ended, nothing was written, and the row is free again', async () => {
      const user = newUser();
      const api = apiAs(app, user);
      const { id, events } = await warmSession(api, await baseUrlOf(app), user);
      // The pop's lock statement takes the row in PostgreSQL; its answer is lost.
      proxy.holdAnswersAfter(id);
      const popped = await api.delete(`/sessions/${id}/messages/last`);
      expect(popped.status).toBe(503);
      expect(popped.body).toMatchObject({ code: 'DATABASE_UNAVAILABLE', message: expect.stringContaining('nothing was written') });

      expect(await stored(db, id)).toEqual({ messageCount: 1, lastSeq: 1, contents: ['first'] });
      await expectServedAsStored(api, db, id);
      // No transaction was left holding the row: the next write goes through.
      await api.post(`/sessions/${id}/messages`, { role: 'user', content: 'next' }).expect(201);
      expect((await stored(db, id)).contents).toEqual(['first', 'next']);
      await events.until((all) => historyEvents(all, id).length === 2, 'the next append told');
      expect(historyEvents(events.events, id)).toEqual([[1], [2]]);
      events.close();
    });
  });
});
