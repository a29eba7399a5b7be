import { apiAs, createSession, type Api, userWithSession } from './factories/api.factory.js';
import { seqs, texts } from './factories/message.factory.js';
import { newUser } from './factories/token.factory.js';
import { countersOf, historyOf, historyTag } from './utils/history-view.js';
import { useTestApp } from './utils/use-test-app.js';

type Item = { id: string; seq: number; role: string; content: unknown };

// The contract's (v2) "Agent memory": one POST is one transaction, at most once with Idempotency-Key.
// What the tables keep for a key (message_appends, the messages kept for it, their expiry): test/medium/message-appends.medium-spec.ts.
describe('appending to a history: atomic and idempotent', () => {
  const app = useTestApp();
  let api: Api;
  let id: string;

  beforeEach(async () => ({ api, id } = await userWithSession(app)));

  const append = (body: object, key?: string) => {
    const call = api.post(`/sessions/${id}/messages`, body);
    return key === undefined ? call : call.set('Idempotency-Key', key);
  };
  const stored = (sessionId = id) => historyOf(api, sessionId);
  const counters = () => countersOf(api, id);

  it('stores nothing of a batch whose last item is invalid', async () => {
    const items = [...texts(499, 'ok'), { role: 'user' }];
    const response = await append({ items }).expect(400);
    expect(response.body.code).toBe('VALIDATION_FAILED');
    expect(await stored()).toEqual([]);
    expect(await counters()).toMatchObject({ history: historyTag(0, 0), messageCount: 0 });
  });

  it('stores 5,000 items of one POST in one step, numbered 1..5000 in order', async () => {
    const response = await append({ items: texts(5000, 'm') }).expect(201);
    expect(seqs(response.body.items)).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));
    const rows = await stored();
    expect(rows).toHaveLength(5000);
    expect(rows.every((row, i) => row.seq === i + 1 && row.content === `m${i}`)).toBe(true);
    expect(await counters()).toMatchObject({ history: historyTag(5000, 5000), messageCount: 5000 });
  });

  it('never interleaves concurrent batches: each gets contiguous seqs, its items in its order', async () => {
    const batches = Array.from({ length: 8 }, (_, b) => texts(40, `b${b}-`));
    const answers = await Promise.all(batches.map((items) => append({ items }).expect(201)));
    const all: number[] = [];
    for (const answer of answers) {
      const got = seqs(answer.body.items);
      expect(got).toEqual(Array.from({ length: 40 }, (_, i) => got[0] + i));
      all.push(...got);
    }
    expect(all.sort((a, b) => a - b)).toEqual(Array.from({ length: 320 }, (_, i) => i + 1));
    const bySeq = new Map((await stored()).map((row) => [row.seq, row.content]));
    answers.forEach((answer, b) => answer.body.items.forEach((item: Item, i: number) => expect(bySeq.get(item.seq)).toBe(`b${b}-${i}`)));
  });

  it('answers a repeated Idempotency-Key with the first answer and appends nothing, even with another body', async () => {
    const first = await append({ items: texts(2, 'first') }, 'turn-1').expect(201);
    expect(seqs(first.body.items)).toEqual([1, 2]);
    const again = await append({ items: texts(2, 'first') }, 'turn-1').expect(201);
    expect(again.body).toEqual(first.body);
    // The key names the operation: a body that differs is not applied either (as on POST /sessions).
    const other = await append({ role: 'user', content: 'something else' }, 'turn-1').expect(201);
    expect(other.body).toEqual(first.body);
    expect(seqs(await stored())).toEqual([1, 2]);
    expect(await counters()).toMatchObject({ history: historyTag(2, 2), messageCount: 2 });
    // Another key appends.
    expect(seqs((await append({ role: 'user', content: 'x' }, 'turn-2').expect(201)).body.items)).toEqual([3]);
  });

  it('answers the retry of a conditional keyed append that committed with its first answer, not a 412 caused by itself', async () => {
    const tag = (await api.get(`/sessions/${id}/messages?limit=0`).expect(200)).headers.etag;
    const first = await append({ items: texts(2, 'turn') }, 'turn-once')
      .set('If-Match', tag)
      .expect(201);
    // The history moved on (the first attempt, then another write): the retry's If-Match is stale now.
    await append({ role: 'user', content: 'later' }).expect(201);
    const retry = await append({ items: texts(2, 'turn') }, 'turn-once')
      .set('If-Match', tag)
      .expect(201);
    expect(retry.body).toEqual(first.body);
    expect(seqs(await stored())).toEqual([1, 2, 3]);
    // A new key with the stale tag is refused, and appends nothing.
    await append({ role: 'user', content: 'x' }, 'turn-other').set('If-Match', tag).expect(412);
    expect(seqs(await stored())).toEqual([1, 2, 3]);
    // The refused attempt took no key: the key's first use appends.
    expect(seqs((await append({ role: 'user', content: 'x' }, 'turn-other').expect(201)).body.items)).toEqual([4]);
  });

  it('applies five concurrent repeats of one key once, and all five get the same answer', async () => {
    const answers = await Promise.all(Array.from({ length: 5 }, () => append({ items: texts(3, 'r') }, 'racing-key')));
    expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201, 201, 201]);
    for (const answer of answers) expect(answer.body).toEqual(answers[0].body);
    expect(seqs(answers[0].body.items)).toEqual([1, 2, 3]);
    expect(seqs(await stored())).toEqual([1, 2, 3]);
  });

  it('keeps keys per session: the same key on two sessions appends to both', async () => {
    const other = (await createSession(api)).id;
    await append({ role: 'user', content: 'here' }, 'shared').expect(201);
    const there = await api
      .post(`/sessions/${other}/messages`, { role: 'user', content: 'there' })
      .set('Idempotency-Key', 'shared')
      .expect(201);
    expect(there.body.items[0]).toMatchObject({ sessionId: other, seq: 1, content: 'there' });
    expect(await stored(other)).toEqual([{ seq: 1, content: 'there' }]);
    expect(await stored()).toEqual([{ seq: 1, content: 'here' }]);
  });

  it("answers 404 on another user's session with no effect: not even the key is taken", async () => {
    const before = await counters();
    const intruder = apiAs(app, newUser());
    const refused = await intruder.post(`/sessions/${id}/messages`, { role: 'user', content: 'x' }).set('Idempotency-Key', 'k').expect(404);
    expect(refused.body.code).toBe('SESSION_NOT_FOUND');
    expect(await counters()).toEqual(before);
    // The owner's own first use of the key appends.
    expect(seqs((await append({ role: 'user', content: 'mine' }, 'k').expect(201)).body.items)).toEqual([1]);
  });

  it('keeps a key whose messages a pop removed: a repeat answers as the first time and appends nothing; a clear forgets it', async () => {
    const first = (
      await append(
        {
          items: [
            { role: 'user', content: 'b1' },
            { role: 'user', content: 'b2', metadata: { m: 1 } },
          ],
        },
        'b',
      ).expect(201)
    ).body.items as Item[];
    await api.delete(`/sessions/${id}/messages/last`).expect(200);
    // One of its messages is gone, one is left: the repeat answers both, as first answered.
    expect((await append({ role: 'user', content: 'again' }, 'b').expect(201)).body.items).toEqual(first);
    await api.delete(`/sessions/${id}/messages/last`).expect(200);
    expect((await append({ role: 'user', content: 'again' }, 'b').expect(201)).body.items).toEqual(first);
    expect(await stored()).toEqual([]);
    expect((await counters()).history).toBe(historyTag(2, 0));
    await api.delete(`/sessions/${id}/messages`).expect(204);
    expect(seqs((await append({ role: 'user', content: 'b' }, 'b').expect(201)).body.items)).toEqual([3]);
    expect(await stored()).toEqual([{ seq: 3, content: 'b' }]);
  });

  it('refuses a malformed Idempotency-Key with 400 and stores nothing', async () => {
    await append({ role: 'user', content: 'x' }, 'k'.repeat(256)).expect(400);
    await append({ role: 'user', content: 'x' }, 'with space').expect(400);
    expect(await stored()).toEqual([]);
  });
});
