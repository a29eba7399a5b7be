import { apiAs, createSession, type Api, userWithSession } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { lockSessionRows, type Sql } from './utils/sql.js';
import { useTestApp } from './utils/use-test-app.js';
import { waitFor } from './utils/wait-for.js';

// The smallest items there are: a batch of them is the most work per byte.
const tiny = (count: number) => Array.from({ length: count }, (_, n) => ({ role: 'a', content: n }));
const bytesOf = (body: object) => Buffer.byteLength(JSON.stringify(body));

// MESSAGES_MAX_ITEMS, default 10,000: one write of messages holds at most that many items.
describe('items per write of messages', () => {
  const app = useTestApp();
  let api: Api;
  let id: string;

  beforeEach(async () => ({ api, id } = await userWithSession(app)));

  const history = () => api.get(`/sessions/${id}/messages?limit=all`).expect(200);

  it('refuses 10,001 items with 413 TOO_MANY_ITEMS, on POST and PUT, and stores nothing', async () => {
    await api.post(`/sessions/${id}/messages`, { role: 'user', content: 'kept' }).expect(201);
    const before = await history();
    for (const call of [
      () => api.post(`/sessions/${id}/messages`, { items: tiny(10_001) }),
      () => api.put(`/sessions/${id}/messages`, { items: tiny(10_001) }),
    ]) {
      const response = await call().expect(413);
      expect(response.body).toMatchObject({ statusCode: 413, code: 'TOO_MANY_ITEMS', maxItems: 10_000 });
    }
    const after = await history();
    expect(after.body).toEqual(before.body);
    expect(after.headers.etag).toBe(before.headers.etag);
    expect((await api.get(`/sessions/${id}`).expect(200)).body.messageCount).toBe(1);
  });

  it("holds a remote worker's append to the same limit", async () => {
    const worker = apiAs(app, newUser('worker'), ['worker']);
    const lease = '00000000-0000-4000-8000-000000000000';
    const refused = await worker.post(`/work/${lease}/messages`, { items: tiny(10_001) }).expect(413);
    expect(refused.body.code).toBe('TOO_MANY_ITEMS');
    await worker.post(`/work/${lease}/messages`, { items: tiny(10_000) }).expect(404);
  });

  it('stores 10,000 items exactly as sent, in order, and answers each with its seq', async () => {
    const items = Array.from({ length: 10_000 }, (_, n) => ({
      role: n % 2 ? 'assistant' : 'user',
      content: n % 3 ? `text ${n}` : { n, list: [n, `${n}`] },
    }));
    const answer = await api.post(`/sessions/${id}/messages`, { items }).expect(201);
    expect(answer.body.items.map((m: { seq: number }) => m.seq)).toEqual(items.map((_, n) => n + 1));
    expect(answer.body.items.map((m: { role: string; content: unknown }) => ({ role: m.role, content: m.content }))).toEqual(items);
    const stored = (await history()).body.items;
    expect(stored).toEqual(answer.body.items);
  });

  it('answers a batch with no more than its messages: an oversized one briefly, not several times its size', async () => {
    // Unbounded, 60,000 tiny items (1.4 MiB) were answered with 10 MiB; a batch is now refused before it is read.
    const oversized = { items: tiny(60_000) };
    const refused = await api.post(`/sessions/${id}/messages`, oversized).expect(413);
    expect(Buffer.byteLength(refused.text)).toBeLessThan(1024);
    // The answer of the largest batch is its messages: what was sent and, per item, its id, seq and time.
    const largest = { items: tiny(10_000) };
    const answer = await api.post(`/sessions/${id}/messages`, largest).expect(201);
    expect(Buffer.byteLength(answer.text)).toBeLessThanOrEqual(bytesOf(largest) + 10_000 * 200);
  });
});

describe('a batch of the largest size beside other users', () => {
  const app = useTestApp();

  /** When each append waiting for a session row the test holds reached PostgreSQL (ms since the epoch). */
  const waitingAppends = async (db: Sql): Promise<number[]> => {
    // Within a transaction the activity view is a snapshot taken at its first read.
    await db.query('SELECT pg_stat_clear_snapshot()');
    return (
      await db.query(
        `SELECT extract(epoch FROM query_start) * 1000 AS started FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'WITH touched AS (UPDATE sessions%'`,
      )
    ).rows.map((row) => Number(row.started));
  };

  it("answers another user's read while the batches are read and checked, before they reach the database", async () => {
    const alice = apiAs(app, newUser('alice'));
    const bob = apiAs(app, newUser('bob'));
    const targets = [await createSession(alice), await createSession(alice)];
    const read = await createSession(bob);
    await bob.post(`/sessions/${read.id}/messages`, { role: 'user', content: 'hello' }).expect(201);

    // Alice's appends wait at the database for these rows: their end is held, their start is seen.
    const held = await lockSessionRows(targets.map((session) => session.id));
    try {
      const appends = targets.map((session) =>
        alice
          .post(`/sessions/${session.id}/messages`, { items: tiny(10_000) })
          .then((response) => response)
          .catch((error: Error) => error),
      );
      // The server shares this event loop: the timer fires once it is given back.
      await new Promise((resolve) => setTimeout(resolve, 20));
      await bob.get(`/sessions/${read.id}/messages?limit=20`).expect(200);
      const bobAnswered = Date.now();

      const started = await waitFor(
        () => waitingAppends(held.sql),
        (found) => found.length === 2,
        {
          timeoutMs: 60_000,
          what: "Alice's appends at the row locks",
        },
      );
      expect(started.every((at) => at > bobAnswered)).toBe(true);
      await held.release();
      for (const response of await Promise.all(appends)) {
        expect(response).not.toBeInstanceOf(Error);
        expect((response as { status: number }).status).toBe(201);
      }
    } finally {
      await held.release(); // done above unless the test failed first
    }
  }, 120_000);
});
