import { Redis } from 'ioredis';
import { historyTailKey } from '../src/redis/keys.js';
import { apiAs, createSession, type Api, newUserApi } from './factories/api.factory.js';
import { seqs, texts } from './factories/message.factory.js';
import { newUser } from './factories/token.factory.js';
import { countersOf, historyOf, historyTag } from './utils/history-view.js';
import { baseUrlOf, SseClient } from './utils/sse-client.js';
import { createTestApp } from './utils/create-test-app.js';
import { useTestApp } from './utils/use-test-app.js';

type Item = { seq: number; role: string; content: unknown };

const path = (id: string) => `/sessions/${id}/messages`;
const msg = (role: string, content: unknown) => ({ role, content });

/**
 * The contract's (v3) "Cap": `historyLimit` on a session, HISTORY_MAX_MESSAGES / HISTORY_MAX_BYTES
 * as defaults; an append past the cap removes the oldest messages in its own statement.
 */
describe('history cap', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(process.env.REDIS_URL!);
  });
  afterAll(() => redis.quit());

  describe('with a session cap', () => {
    const app = useTestApp({ HISTORY_TAIL_CACHE_SIZE: '10' });
    let api: Api;
    let user: string;
    beforeEach(() => ({ user, api } = newUserApi(app)));

    const capped = async (historyLimit: object) => (await createSession(api, { title: 'capped', historyLimit })).id as string;
    const append = (id: string, ...items: object[]) => api.post(path(id), { items }).expect(201);
    // limit=all reads a snapshot of PostgreSQL, never the cached tail: the history as stored.
    const stored = async (id: string) => (await api.get(`${path(id)}?limit=all`).expect(200)).body.items as Item[];
    const heldSeqs = async (id: string) => seqs(await stored(id));
    const counters = (id: string) => countersOf(api, id);

    it('trims the oldest messages past maxMessages, shows trimmedThroughSeq, and never reuses a seq', async () => {
      const id = await capped({ maxMessages: 3, trim: 'any' });
      for (const n of [1, 2, 3, 4, 5]) await append(id, msg('user', `m${n}`));
      expect(await heldSeqs(id)).toEqual([3, 4, 5]);
      expect(await counters(id)).toMatchObject({ history: historyTag(5, 3), messageCount: 3, trimmedThroughSeq: 2 });
      const session = (await api.get(`/sessions/${id}`).expect(200)).body;
      expect(session).toMatchObject({
        messageCount: 3,
        trimmedThroughSeq: 2,
        historyLimit: { maxMessages: 3, maxBytes: null, trim: 'any' },
      });
      const listed = (await api.get('/sessions').expect(200)).body.items.find((item: { id: string }) => item.id === id);
      expect(listed).toEqual(session);

      const next = await append(id, msg('user', 'm6'));
      expect(seqs(next.body.items)).toEqual([6]);
      expect((await stored(id)).map((item) => [item.seq, item.content])).toEqual([
        [4, 'm4'],
        [5, 'm5'],
        [6, 'm6'],
      ]);
    });

    it('keeps every message of a batch larger than the cap, removing only older ones', async () => {
      const id = await capped({ maxMessages: 3 });
      await append(id, ...texts(2, 'old'));
      const batch = await append(id, ...texts(5, 'new'));
      expect(seqs(batch.body.items)).toEqual([3, 4, 5, 6, 7]);
      expect(await heldSeqs(id)).toEqual([3, 4, 5, 6, 7]);
      expect(await counters(id)).toMatchObject({ messageCount: 5, trimmedThroughSeq: 2 });
      // The next append brings it back within the cap.
      await append(id, msg('user', 'after'));
      expect(await heldSeqs(id)).toEqual([6, 7, 8]);
    });

    it('trim "user" moves the cut to the next user message, so no tool result opens the history', async () => {
      const turn = [
        msg('user', 'q1'),
        msg('assistant', { tool_call: 'c1' }),
        msg('tool', { result: 'r1' }),
        msg('user', 'q2'),
        msg('assistant', 'a2'),
      ];
      const byUser = await capped({ maxMessages: 4 });
      const exact = await capped({ maxMessages: 4, trim: 'any' });
      for (const id of [byUser, exact]) {
        await append(id, ...turn);
        await append(id, msg('tool', { result: 'r2' }));
      }
      // Exactly 4 kept would open with the tool result r1, cut from its call c1.
      expect((await stored(exact)).map((row) => row.role)).toEqual(['tool', 'user', 'assistant', 'tool']);
      expect(await heldSeqs(byUser)).toEqual([4, 5, 6]);
      expect((await stored(byUser))[0]).toMatchObject({ role: 'user', content: 'q2' });
      expect(await counters(byUser)).toMatchObject({ messageCount: 3, trimmedThroughSeq: 3 });
    });

    it('trim "user" cuts exactly when no user message is inside the cap', async () => {
      const id = await capped({ maxMessages: 3 });
      await append(id, msg('user', 'q'), msg('assistant', 'a'), msg('tool', 't'), msg('assistant', 'b'), msg('tool', 'u'));
      await append(id, msg('assistant', 'c'));
      expect(await heldSeqs(id)).toEqual([4, 5, 6]);
      // A user message of the batch is inside the cap: every older message goes, none of the batch.
      await append(id, msg('user', 'q2'));
      expect(await heldSeqs(id)).toEqual([7]);
      expect(await counters(id)).toMatchObject({ messageCount: 1, trimmedThroughSeq: 6 });
    });

    it('counts maxBytes in UTF-8 bytes of the content as stored', async () => {
      // "éé" is stored as the JSON text "éé" with its quotes: 6 bytes (4 characters).
      const id = await capped({ maxBytes: 12, trim: 'any' });
      await append(id, msg('user', 'éé'), msg('user', 'éé'));
      expect(await heldSeqs(id)).toEqual([1, 2]);
      await append(id, msg('user', 'éé'));
      expect(await heldSeqs(id)).toEqual([2, 3]);
      // An object's text as sent: {"k":"€"} is 11 bytes, so only it stays.
      await append(id, msg('user', { k: '€' }));
      const rows = await stored(id);
      expect(rows.map((row) => row.seq)).toEqual([4]);
      expect(Buffer.byteLength(JSON.stringify(rows[0].content))).toBeLessThanOrEqual(12);
      expect(await counters(id)).toMatchObject({ messageCount: 1, trimmedThroughSeq: 3 });
    });

    it('applies a cap set by PATCH at the next append, and PATCH null returns to the defaults', async () => {
      const { id } = await createSession(api);
      await append(id, ...texts(5, 'm'));
      const patched = await api.patch(`/sessions/${id}`, { historyLimit: { maxMessages: 2, trim: 'any' } }).expect(200);
      expect(patched.body).toMatchObject({ messageCount: 5, historyLimit: { maxMessages: 2, maxBytes: null, trim: 'any' } });
      expect(await heldSeqs(id)).toEqual([1, 2, 3, 4, 5]);
      await append(id, msg('user', 'next'));
      expect(await heldSeqs(id)).toEqual([5, 6]);
      const reset = await api.patch(`/sessions/${id}`, { historyLimit: null }).expect(200);
      expect(reset.body).toMatchObject({
        messageCount: 2,
        trimmedThroughSeq: 4,
        historyLimit: { maxMessages: null, maxBytes: null, trim: 'user' },
      });
      await append(id, ...texts(3, 'more'));
      expect(await heldSeqs(id)).toEqual([5, 6, 7, 8, 9]);
    });

    it('announces a cut as session.messages with change "trimmed" and throughSeq', async () => {
      const owned = await capped({ maxMessages: 2, trim: 'any' });
      const stream = await SseClient.open(await baseUrlOf(app), user, `/sessions/${owned}/events`);
      try {
        await append(owned, ...texts(2, 'a'));
        await append(owned, ...texts(2, 'b'));
        const events = await stream.until((got) => got.some((event) => event.data.change === 'trimmed'), 'the trimmed event');
        const messages = events.filter((event) => event.event === 'session.messages').map((event) => event.data);
        expect(messages.map((data) => data.change)).toEqual(['appended', 'appended', 'trimmed']);
        expect(messages[2]).toMatchObject({ sessionId: owned, change: 'trimmed', throughSeq: 2, removed: 2, messageCount: 2 });
        expect(messages[2].version).toBe(messages[1].version);
      } finally {
        stream.close();
      }
    });

    it('keeps the cached tail, its ETag and limit=all exact around cuts (read, trim, read again)', async () => {
      const id = await capped({ maxMessages: 3, trim: 'any' });
      await append(id, ...texts(3, 'm'));
      const first = await api.get(`${path(id)}?limit=3`).expect(200); // fills the tail
      expect(await redis.lindex(historyTailKey(id), 0)).toBe('3.3');
      for (let n = 0; n < 4; n++) {
        await append(id, msg('user', `x${n}`));
        // The append carried the tail over, cut included: it is at the new state, holding no trimmed message.
        const tail = await redis.lrange(historyTailKey(id), 0, -1);
        expect(tail[0]).toBe(`${4 + n}.3`);
        expect(tail.slice(1).map((item) => JSON.parse(item)[1])).toEqual([2 + n, 3 + n, 4 + n]);
        for (const limit of [2, 3, 10, 'all']) {
          const page = await api.get(`${path(id)}?limit=${limit}`).expect(200);
          const whole = await heldSeqs(id);
          expect(seqs(page.body.items)).toEqual(limit === 2 ? whole.slice(-2) : whole);
          expect(page.headers.etag).not.toBe(first.headers.etag);
        }
      }
      const etags = new Set(
        await Promise.all([3, 10, 'all'].map(async (limit) => (await api.get(`${path(id)}?limit=${limit}`)).headers.etag)),
      );
      expect(etags.size).toBe(1);
      // A conditional append with the ETag read before the last cut is refused, and changes nothing.
      await api.post(path(id), msg('user', 'stale')).set('If-Match', first.headers.etag).expect(412);
      expect(await heldSeqs(id)).toEqual([5, 6, 7]);
    });

    it('answers a repeated Idempotency-Key as the first time after the cap trimmed its messages', async () => {
      const id = await capped({ maxMessages: 2, trim: 'any' });
      const first = await api
        .post(path(id), { items: texts(2, 'keyed') })
        .set('Idempotency-Key', 'k1')
        .expect(201);
      await append(id, ...texts(2, 'later'));
      expect(await heldSeqs(id)).toEqual([3, 4]);
      const again = await api
        .post(path(id), { items: texts(2, 'keyed') })
        .set('Idempotency-Key', 'k1')
        .expect(201);
      expect(again.body).toEqual(first.body);
      expect(await counters(id)).toMatchObject({ history: historyTag(4, 2), messageCount: 2 });
    });

    it('trims on an instance that never saw the session capped (its plain append is refused and decided under the lock)', async () => {
      const id = await capped({ maxMessages: 2, trim: 'any' });
      await append(id, ...texts(2, 'here'));
      const other = await createTestApp({ HISTORY_TAIL_CACHE_SIZE: '10' });
      try {
        const there = apiAs(other, user);
        for (const n of [1, 2, 3]) await there.post(path(id), msg('user', `there${n}`)).expect(201);
        expect(await heldSeqs(id)).toEqual([4, 5]);
        expect(await counters(id)).toMatchObject({ history: historyTag(5, 2), messageCount: 2, trimmedThroughSeq: 3 });
        // And back here, where the session is known capped: the append carries the cap.
        await append(id, msg('user', 'here again'));
        expect(await heldSeqs(id)).toEqual([5, 6]);
      } finally {
        await other.close();
      }
    });

    it('holds the cap exactly under concurrent appends (a raced cut is decided under the row lock)', async () => {
      const id = await capped({ maxMessages: 5, trim: 'any' });
      await Promise.all(Array.from({ length: 24 }, (_, n) => append(id, msg('user', `c${n}`))));
      expect(await heldSeqs(id)).toEqual([20, 21, 22, 23, 24]);
      expect(await counters(id)).toMatchObject({ history: historyTag(24, 5), messageCount: 5, trimmedThroughSeq: 19 });
    });

    it('refuses a bad historyLimit with 400 and stores nothing', async () => {
      const bad = [
        { maxMessages: -1 },
        { maxMessages: 1.5 },
        { maxBytes: '10' },
        { trim: 'none' },
        { maxMessages: 3, extra: true },
        'three',
        [3],
      ];
      for (const historyLimit of bad) {
        const response = await api.post('/sessions', { title: 'no', historyLimit }).expect(400);
        expect(response.body.code).toBe('VALIDATION_FAILED');
      }
      expect((await api.get('/sessions').expect(200)).body.items).toEqual([]);
      const { id } = await createSession(api, { historyLimit: { maxMessages: 4 } });
      for (const historyLimit of bad) await api.patch(`/sessions/${id}`, { historyLimit }).expect(400);
      expect((await api.get(`/sessions/${id}`).expect(200)).body.historyLimit).toEqual({ maxMessages: 4, maxBytes: null, trim: 'user' });
    });
  });

  describe('with server defaults', () => {
    const app = useTestApp({ HISTORY_MAX_MESSAGES: '3', HISTORY_MAX_BYTES: '0' });

    it('caps a session that sets no bound of its own; one that sets 0 is not capped', async () => {
      const api = apiAs(app, newUser());
      const plain = await createSession(api);
      expect(plain.historyLimit).toEqual({ maxMessages: null, maxBytes: null, trim: 'user' });
      const unbounded = await createSession(api, { historyLimit: { maxMessages: 0 } });
      for (const id of [plain.id, unbounded.id]) await api.post(path(id), { items: texts(5, 'm') }).expect(201);
      await api.post(path(plain.id), msg('user', 'one more')).expect(201);
      expect(seqs(await historyOf(api, plain.id))).toEqual([4, 5, 6]);
      expect(seqs(await historyOf(api, unbounded.id))).toEqual([1, 2, 3, 4, 5]);
      expect((await api.get(`/sessions/${plain.id}`).expect(200)).body).toMatchObject({ messageCount: 3, trimmedThroughSeq: 3 });
    });
  });
});
