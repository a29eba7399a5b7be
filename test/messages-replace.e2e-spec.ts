import { apiAs, type Api, userWithSession } from './factories/api.factory.js';
import { seqs, texts } from './factories/message.factory.js';
import { newUser } from './factories/token.factory.js';
import { countersOf, historyOf, historyTag } from './utils/history-view.js';
import { useTestApp } from './utils/use-test-app.js';

// The contract's (v2) "Agent memory": the history's ETag and If-Match, replaceFromSeq and PUT.
describe('conditional writes and replaces of a history', () => {
  const app = useTestApp();
  let api: Api;
  let id: string;

  beforeEach(async () => ({ api, id } = await userWithSession(app)));

  const path = () => `/sessions/${id}/messages`;
  const append = (body: object) => api.post(path(), body);
  const history = () => historyOf(api, id);
  const counters = () => countersOf(api, id);
  const etag = async () => (await api.get(`${path()}?limit=0`).expect(200)).headers.etag;

  it('gives every change of the history a new ETag, the one its answer carries and the next read returns', async () => {
    const seen = [await etag()];
    const step = async (call: Promise<{ headers: Record<string, string> }>) => {
      const tag = (await call).headers.etag;
      expect(tag).toBe(await etag());
      seen.push(tag);
    };
    await step(append({ items: texts(3, 'a') }).expect(201));
    await step(api.delete(`${path()}/last`).expect(200));
    await step(append({ role: 'user', content: 'b' }).expect(201));
    await step(append({ items: texts(1, 'c'), replaceFromSeq: 2 }).expect(201));
    await step(append({ items: [], replaceFromSeq: 1 }).expect(201));
    await step(append({ items: texts(2, 'd') }).expect(201));
    await step(api.delete(path()).expect(204));
    await step(api.put(path(), { items: texts(2, 'e') }).expect(200));
    await step(api.put(path(), { items: [] }).expect(200));
    expect(new Set(seen).size).toBe(seen.length);
    // Every read form gives it: a page, limit=all.
    expect((await api.get(path()).expect(200)).headers.etag).toBe(seen[seen.length - 1]);
    expect((await api.get(`${path()}?limit=all`).expect(200)).headers.etag).toBe(seen[seen.length - 1]);
    // A pop or a clear that removes nothing changes nothing, the tag included.
    expect((await api.delete(`${path()}/last`).expect(204)).headers.etag).toBe(seen[seen.length - 1]);
  });

  it('answers a stale If-Match with 412 on POST, PUT and both DELETEs, and changes nothing', async () => {
    const stale = (await append({ items: texts(2, 'a') }).expect(201)).headers.etag;
    const current = (await append({ role: 'user', content: 'b' }).expect(201)).headers.etag;
    const before = { history: await history(), counters: await counters() };
    for (const call of [
      api.post(path(), { role: 'user', content: 'x' }),
      api.post(path(), { items: texts(1, 'x'), replaceFromSeq: 1 }),
      api.put(path(), { items: texts(1, 'x') }),
      api.delete(`${path()}/last`),
      api.delete(path()),
    ]) {
      const refused = await call.set('If-Match', stale).expect(412);
      expect(refused.body).toMatchObject({ code: 'PRECONDITION_FAILED', currentEtag: current });
    }
    // Tags this service never issues for a history: a session's version, a weak tag, garbage.
    for (const tag of ['"1"', `W/${current}`, 'h3.3', '']) {
      await api.post(path(), { role: 'user', content: 'x' }).set('If-Match', tag).expect(412);
    }
    expect({ history: await history(), counters: await counters() }).toEqual(before);
    // The current tag, one of a list, or * let the write through.
    await append({ role: 'user', content: 'c' }).set('If-Match', `"h0.0", ${current}`).expect(201);
    await api.delete(`${path()}/last`).set('If-Match', '*').expect(200);
  });

  it('of racing writes conditional on one ETag, lets exactly one through', async () => {
    const tag = (await append({ items: texts(2, 'a') }).expect(201)).headers.etag;
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) => api.post(path(), { items: texts(1, `w${i}-`), replaceFromSeq: 2 }).set('If-Match', tag)),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, 412, 412, 412, 412]);
    const winner = answers.find((a) => a.status === 201)!;
    expect(await history()).toEqual([
      { seq: 1, content: 'a0' },
      { seq: 3, content: winner.body.items[0].content },
    ]);
  });

  it('of racing plain appends conditional on one ETag (the one-statement path), lets exactly one through', async () => {
    const tag = (await append({ items: texts(2, 'a') }).expect(201)).headers.etag;
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) => api.post(path(), { role: 'user', content: `w${i}` }).set('If-Match', tag)),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, 412, 412, 412, 412]);
    const winner = answers.find((a) => a.status === 201)!;
    for (const refused of answers.filter((a) => a.status === 412)) expect(refused.body.currentEtag).toBe(winner.headers.etag);
    expect(await history()).toEqual([
      { seq: 1, content: 'a0' },
      { seq: 2, content: 'a1' },
      { seq: 3, content: winner.body.items[0].content },
    ]);
  });

  it("answers 404, never 412, to a conditional append on another user's session", async () => {
    const tag = (await append({ items: texts(1, 'a') }).expect(201)).headers.etag;
    const before = { history: await history(), counters: await counters() };
    const intruder = apiAs(app, newUser());
    for (const ifMatch of [tag, '"h9.9"', '*'])
      await intruder.post(path(), { role: 'user', content: 'x' }).set('If-Match', ifMatch).expect(404);
    expect({ history: await history(), counters: await counters() }).toEqual(before);
  });

  it('answers the retry of a conditional, keyed write with its first answer rather than a 412', async () => {
    const tag = (await append({ items: texts(2, 'a') }).expect(201)).headers.etag;
    const send = () =>
      api
        .post(path(), { items: texts(1, 'b'), replaceFromSeq: 2 })
        .set('If-Match', tag)
        .set('Idempotency-Key', 'op-1');
    const first = await send().expect(201);
    const retry = await send().expect(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.etag).toBe(first.headers.etag);
    expect(await history()).toEqual([
      { seq: 1, content: 'a0' },
      { seq: 3, content: 'b0' },
    ]);
  });

  it('replaces from a seq: removes seq >= n and appends after the last seq ever given, in one step', async () => {
    await append({ items: texts(5, 'a') }).expect(201);
    const replaced = await append({ items: texts(2, 'b'), replaceFromSeq: 3 }).expect(201);
    expect(seqs(replaced.body.items)).toEqual([6, 7]);
    expect(await history()).toEqual([
      { seq: 1, content: 'a0' },
      { seq: 2, content: 'a1' },
      { seq: 6, content: 'b0' },
      { seq: 7, content: 'b1' },
    ]);
    expect(await counters()).toMatchObject({ history: historyTag(7, 4), messageCount: 4 });
    // No items: a truncation. A seq past the end: removes nothing.
    await append({ items: [], replaceFromSeq: 6 }).expect(201);
    expect(seqs(await history())).toEqual([1, 2]);
    await append({ items: texts(1, 'c'), replaceFromSeq: 100 }).expect(201);
    expect(seqs(await history())).toEqual([1, 2, 8]);
    expect(await counters()).toMatchObject({ history: historyTag(8, 3), messageCount: 3 });
  });

  it('replaces the whole history with PUT (200, the new items), atomically: a bad item changes nothing', async () => {
    await append({ items: texts(3, 'a') }).expect(201);
    const before = { history: await history(), counters: await counters() };
    await api.put(path(), { items: [...texts(3, 'x'), { role: 'user' }] }).expect(400);
    await api.put(path(), { items: texts(1, 'x'), replaceFromSeq: 1 }).expect(400);
    await api.put(path(), {}).expect(400);
    expect({ history: await history(), counters: await counters() }).toEqual(before);
    const put = await api.put(path(), { items: texts(2, 'b') }).expect(200);
    expect(seqs(put.body.items)).toEqual([4, 5]);
    expect(await history()).toEqual([
      { seq: 4, content: 'b0' },
      { seq: 5, content: 'b1' },
    ]);
    expect((await api.get(`/sessions/${id}`).expect(200)).body.messageCount).toBe(2);
  });

  it('leaves one PUT whole when PUTs and appends race: never a mix', async () => {
    await append({ items: texts(3, 'a') }).expect(201);
    const puts = Array.from({ length: 4 }, (_, p) => api.put(path(), { items: texts(20, `p${p}-`) }).expect(200));
    const appends = Array.from({ length: 4 }, (_, b) => append({ items: texts(5, `n${b}-`) }).expect(201));
    await Promise.all([...puts, ...appends]);
    const contents = (await history()).map((row) => row.content as string);
    // The last PUT's 20 items, then whole batches appended after it, each in its order.
    const put = contents[0].split('-')[0];
    expect(contents.slice(0, 20)).toEqual(texts(20, `${put}-`).map((item) => item.content));
    const rest = contents.slice(20);
    expect(rest.length % 5).toBe(0);
    for (let i = 0; i < rest.length; i += 5) {
      const batch = rest[i].split('-')[0];
      expect(rest.slice(i, i + 5)).toEqual(texts(5, `${batch}-`).map((item) => item.content));
    }
    expect((await counters()).messageCount).toBe(contents.length);
  });

  it('answers a repeated PUT key with 200 and its first items; keeps keys a replaceFromSeq removed, forgets all on PUT', async () => {
    await append({ role: 'user', content: 'kept' }).set('Idempotency-Key', 'low').expect(201);
    const high = (await append({ role: 'user', content: 'dropped' }).set('Idempotency-Key', 'high').expect(201)).body.items;
    await append({ items: texts(1, 'r'), replaceFromSeq: 2 })
      .set('Idempotency-Key', 'suffix')
      .expect(201);
    // 'high' wrote seq 2, which the replace removed: a repeat still answers it and appends nothing.
    expect((await append({ role: 'user', content: 'dropped' }).set('Idempotency-Key', 'high').expect(201)).body.items).toEqual(high);
    expect(seqs((await append({ role: 'user', content: 'kept' }).set('Idempotency-Key', 'low').expect(201)).body.items)).toEqual([1]);
    // A replace from the first seq is a replaceFromSeq too: 'low' is kept.
    await append({ items: texts(1, 's'), replaceFromSeq: 1 }).expect(201);
    expect(seqs((await append({ role: 'user', content: 'kept' }).set('Idempotency-Key', 'low').expect(201)).body.items)).toEqual([1]);
    expect(seqs(await history())).toEqual([4]);
    const first = await api
      .put(path(), { items: texts(2, 'c') })
      .set('Idempotency-Key', 'compact')
      .expect(200);
    const again = await api
      .put(path(), { items: texts(2, 'c') })
      .set('Idempotency-Key', 'compact')
      .expect(200);
    expect(again.body).toEqual(first.body);
    expect(seqs(await history())).toEqual([5, 6]);
    // A whole replace (PUT) forgets every other key.
    expect(seqs((await append({ role: 'user', content: 'kept' }).set('Idempotency-Key', 'low').expect(201)).body.items)).toEqual([7]);
    expect(seqs((await append({ role: 'user', content: 'dropped' }).set('Idempotency-Key', 'high').expect(201)).body.items)).toEqual([8]);
  });

  it("answers 404 to a replace of another user's session and changes nothing", async () => {
    await append({ items: texts(2, 'a') }).expect(201);
    const before = { history: await history(), counters: await counters() };
    const intruder = apiAs(app, newUser());
    await intruder.put(path(), { items: [] }).expect(404);
    await intruder.post(path(), { items: [], replaceFromSeq: 1 }).expect(404);
    await intruder.delete(path()).set('If-Match', '*').expect(404);
    expect({ history: await history(), counters: await counters() }).toEqual(before);
  });
});
