import request from 'supertest';
import { API, apiAs, type Api, createSession, newUserApi } from './factories/api.factory.js';
import { newUser, tokenFor } from './factories/token.factory.js';
import { baseUrlOf, SseClient } from './utils/sse-client.js';
import { useTestApp } from './utils/use-test-app.js';

/*
 * POST /sessions/:id/fork (CONTRACT "(v3) Conversations", Fork): a new session holding the
 * source's messages 1..atSeq exactly, renumbered, with forkedFrom; one snapshot of the source.
 * Bodies with free-form JSON are sent and compared as raw text (see exact-json.e2e-spec.ts).
 */
const ODD =
  '{"b":1,"2":"two","a":{"10":[1.0,1e400,12345678901234567890,-0.0,1E-7],"1":null},"__proto__":{"x":[]},' +
  '"esc":"\\/\\u00e9\\ud83d\\u0000 \\"}","emoji":"😀","dup":1,"dup":2,"deep":[[[{"k":[[]]}]]]}';
const META = '{"z":true,"1":"one","n":1.0,"big":123456789012345678901234567890}';
const MAX_SESSIONS = 40;

describe('sessions: fork', () => {
  const app = useTestApp({ MAX_SESSIONS_PER_USER: String(MAX_SESSIONS), RATE_LIMIT_PER_MINUTE: '0' });
  let user: string;
  let api: Api;

  beforeEach(() => ({ user, api } = newUserApi(app)));

  const raw = (method: 'post' | 'get', path: string, body?: string, as = user) => {
    const call = request(app.getHttpServer())
      [method](API + path)
      .set('Authorization', `Bearer ${tokenFor(as)}`);
    return body === undefined ? call : call.set('Content-Type', 'application/json').send(body);
  };
  const fork = (id: string, body: object = {}, as = user) =>
    request(app.getHttpServer())
      .post(`${API}/sessions/${id}/fork`)
      .set('Authorization', `Bearer ${tokenFor(as)}`)
      .send(body);
  const history = async (id: string) => (await api.get(`/sessions/${id}/messages?limit=all`).expect(200)).body.items;
  const sessionIds = async (as = api) => (await as.get('/sessions').expect(200)).body.items.map((s: { id: string }) => s.id).sort();
  const appendTexts = (id: string, ...contents: string[]) =>
    api.post(`/sessions/${id}/messages`, { items: contents.map((content) => ({ role: 'user', content })) }).expect(201);

  it('copies role, content and metadata byte for byte, renumbered 1..n, keeping each time; the new session is the caller’s, created', async () => {
    const source = await createSession(api, { title: 'source', key: 'src' });
    const items = [
      `{"role":"user","content":${ODD},"metadata":${META}}`,
      `{"role":"assistant","content":"\\ud800 plain","metadata":{}}`,
      `{"role":"tool","content":[${ODD},12345678901234567890,"日本語"],"metadata":${ODD}}`,
    ];
    await raw('post', `/sessions/${source.id}/messages`, `{"items":[${items.join(',')}]}`).expect(201);
    const original = await raw('get', `/sessions/${source.id}/messages?limit=all`).expect(200);

    const created = await raw('post', `/sessions/${source.id}/fork`, `{"title":"forked","metadata":${META}}`).expect(201);
    expect(created.body).toMatchObject({
      userId: user,
      status: 'created',
      title: 'forked',
      key: null,
      messageCount: 3,
      forkedFrom: { sessionId: source.id, atSeq: 3 },
    });
    expect(created.text).toContain(`"metadata":${META},"status"`);
    expect(created.headers.etag).toBeDefined();

    const copied = await raw('get', `/sessions/${created.body.id}/messages?limit=all`).expect(200);
    // The same text once ids and sessionIds are set aside: roles, contents, metadata, seqs and times.
    const strip = (text: string) => text.replace(/"id":"[^"]+","sessionId":"[^"]+",/g, '');
    expect(strip(copied.text)).toBe(strip(original.text));
    expect(copied.text).toContain(`"content":${ODD},"metadata":${META}`);
    expect(copied.body.items.map((m: { seq: number; sessionId: string }) => [m.seq, m.sessionId])).toEqual(
      [1, 2, 3].map((seq) => [seq, created.body.id]),
    );
  });

  it('takes the source’s title and metadata when the body does not name them', async () => {
    const created = await raw('post', '/sessions', `{"title":"t","metadata":${META},"problemStatement":"p","context":${ODD}}`).expect(201);
    const forked = await raw('post', `/sessions/${created.body.id}/fork`, '{}').expect(201);
    expect(forked.text).toContain(`"problemStatement":"p","context":${ODD},"metadata":${META},"status":"created"`);
    expect(forked.body).toMatchObject({ title: 't', forkedFrom: { sessionId: created.body.id, atSeq: 0 }, messageCount: 0 });
  });

  it('cuts at atSeq, counts seqs as the source numbered them (gaps of pops), and answers 400 at 0 or past the last message, creating nothing', async () => {
    const source = await createSession(api);
    await appendTexts(source.id, 'a', 'b', 'c');
    await api.delete(`/sessions/${source.id}/messages/last`).expect(200);
    await appendTexts(source.id, 'd'); // seqs 1, 2, 4

    const atTwo = (await fork(source.id, { atSeq: 2 }).expect(201)).body;
    expect(atTwo).toMatchObject({ forkedFrom: { sessionId: source.id, atSeq: 2 }, messageCount: 2 });
    expect((await history(atTwo.id)).map((m: { content: string }) => m.content)).toEqual(['a', 'b']);
    const atThree = (await fork(source.id, { atSeq: 3 }).expect(201)).body;
    expect((await history(atThree.id)).map((m: { seq: number; content: string }) => [m.seq, m.content])).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
    const atFour = (await fork(source.id, { atSeq: 4 }).expect(201)).body;
    expect((await history(atFour.id)).map((m: { seq: number; content: string }) => [m.seq, m.content])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'd'],
    ]);

    const before = await sessionIds();
    const past = await fork(source.id, { atSeq: 5 }).expect(400);
    expect(past.body).toMatchObject({ code: 'FORK_POINT_OUT_OF_RANGE', lastSeq: 4 });
    for (const atSeq of [0, -1, 1.5, '2', null, 2 ** 31]) {
      const refused = await fork(source.id, { atSeq });
      expect({ atSeq, status: refused.status, code: refused.body.code }).toEqual({ atSeq, status: 400, code: 'VALIDATION_FAILED' });
    }
    await fork(source.id, { atSeq: 1, unknown: true }).expect(400);
    expect(await sessionIds()).toEqual(before);

    const empty = await createSession(api);
    expect((await fork(empty.id, { atSeq: 1 }).expect(400)).body).toMatchObject({ code: 'FORK_POINT_OUT_OF_RANGE', lastSeq: 0 });
    expect(await sessionIds()).toEqual([...before, empty.id].sort());
  });

  it('forks the whole history by default, and leaves the source as it was (row, ETags, history)', async () => {
    const source = await createSession(api);
    await appendTexts(source.id, 'one', 'two');
    await appendTexts(source.id, 'three');
    const rowBefore = await api.get(`/sessions/${source.id}`).expect(200);
    const historyBefore = await api.get(`/sessions/${source.id}/messages`).expect(200);

    const forked = (await fork(source.id).expect(201)).body;
    expect(forked).toMatchObject({ forkedFrom: { sessionId: source.id, atSeq: 3 }, messageCount: 3 });
    expect((await history(forked.id)).map((m: { content: string }) => m.content)).toEqual(['one', 'two', 'three']);

    const rowAfter = await api.get(`/sessions/${source.id}`).expect(200);
    const historyAfter = await api.get(`/sessions/${source.id}/messages`).expect(200);
    expect(rowAfter.headers.etag).toBe(rowBefore.headers.etag);
    expect(rowAfter.body).toEqual(rowBefore.body);
    expect(historyAfter.headers.etag).toBe(historyBefore.headers.etag);
    expect(historyAfter.text).toBe(historyBefore.text);
  });

  it('shows forkedFrom on every read (GET twice, by key, the list), null on a session that is no fork', async () => {
    const source = await createSession(api);
    await appendTexts(source.id, 'x');
    const forked = (await fork(source.id, { key: 'the-fork' }).expect(201)).body;
    const expected = { sessionId: source.id, atSeq: 1 };
    for (let read = 0; read < 2; read++) expect((await api.get(`/sessions/${forked.id}`).expect(200)).body.forkedFrom).toEqual(expected);
    expect((await api.get('/sessions/by-key/the-fork').expect(200)).body.forkedFrom).toEqual(expected);
    const listed = (await api.get('/sessions').expect(200)).body.items;
    expect(listed.find((s: { id: string }) => s.id === forked.id).forkedFrom).toEqual(expected);
    expect(listed.find((s: { id: string }) => s.id === source.id).forkedFrom).toBeNull();
    expect((await api.get(`/sessions/${source.id}`).expect(200)).body.forkedFrom).toBeNull();
  });

  it('serves the fork’s history and takes its appends after the copy (seq n+1), the source untouched', async () => {
    const source = await createSession(api);
    await appendTexts(source.id, 'a', 'b');
    const forked = (await fork(source.id).expect(201)).body;
    expect((await api.get(`/sessions/${forked.id}/messages?limit=1`).expect(200)).body.items.map((m: { seq: number }) => m.seq)).toEqual([
      2,
    ]);
    const appended = await api.post(`/sessions/${forked.id}/messages`, { role: 'user', content: 'c' }).expect(201);
    expect(appended.body.items[0].seq).toBe(3);
    expect((await history(forked.id)).map((m: { content: string }) => m.content)).toEqual(['a', 'b', 'c']);
    expect((await api.get(`/sessions/${forked.id}`).expect(200)).body.messageCount).toBe(3);
    expect((await history(source.id)).map((m: { content: string }) => m.content)).toEqual(['a', 'b']);
    await api.post(`/sessions/${forked.id}/start`).expect(202);
  });

  it('answers 404 for another user’s session and for a deleted one, creating nothing for anyone', async () => {
    const source = await createSession(api);
    await appendTexts(source.id, 'secret');
    const other = newUser();
    const otherApi = apiAs(app, other);
    const rowBefore = await api.get(`/sessions/${source.id}`).expect(200);
    const theirs = await fork(source.id, {}, other).expect(404);
    expect(theirs.body.code).toBe('SESSION_NOT_FOUND');
    await fork(source.id, { atSeq: 1 }, other).expect(404);
    await fork('not-a-uuid').expect(404);
    await fork('00000000-0000-4000-8000-000000000000').expect(404);
    expect(await sessionIds(otherApi)).toEqual([]);
    expect((await api.get(`/sessions/${source.id}`).expect(200)).headers.etag).toBe(rowBefore.headers.etag);

    await api.delete(`/sessions/${source.id}`).expect(204);
    expect((await fork(source.id).expect(404)).body.code).toBe('SESSION_NOT_FOUND');
    expect(await sessionIds()).toEqual([]);
  });

  it('answers a repeat of an Idempotency-Key with the first fork, creating one session', async () => {
    const source = await createSession(api);
    await appendTexts(source.id, 'a');
    const send = () =>
      request(app.getHttpServer())
        .post(`${API}/sessions/${source.id}/fork`)
        .set('Authorization', `Bearer ${tokenFor(user)}`)
        .set('Idempotency-Key', 'fork-1')
        .send({ key: 'f' });
    const first = await send().expect(201);
    const [again, racing] = await Promise.all([send().expect(201), send().expect(201)]);
    expect([again.body.id, racing.body.id]).toEqual([first.body.id, first.body.id]);
    await appendTexts(source.id, 'b');
    const later = await send().expect(201);
    expect(later.body).toMatchObject({ id: first.body.id, forkedFrom: { atSeq: 1 } });
    expect(await sessionIds()).toEqual([source.id, first.body.id].sort());
    expect(await history(first.body.id)).toHaveLength(1);
  });

  it('refuses a key another visible session holds (409 SESSION_KEY_TAKEN, nothing created) and frees it after a delete', async () => {
    const holder = await createSession(api, { key: 'taken' });
    const source = await createSession(api);
    await appendTexts(source.id, 'a');
    const refused = await fork(source.id, { key: 'taken' }).expect(409);
    expect(refused.body.code).toBe('SESSION_KEY_TAKEN');
    expect(await sessionIds()).toEqual([holder.id, source.id].sort());
    await api.delete(`/sessions/${holder.id}`).expect(204);
    expect((await fork(source.id, { key: 'taken' }).expect(201)).body.key).toBe('taken');
    for (const key of ['', 'a\u0007b', 'k'.repeat(256)]) await fork(source.id, { key }).expect(400);
  });

  it('counts toward MAX_SESSIONS_PER_USER: a fork past the quota is 429 and creates nothing', async () => {
    const source = await createSession(api);
    for (let n = 1; n < MAX_SESSIONS; n++) await createSession(api);
    const refused = await fork(source.id).expect(429);
    expect(refused.body).toMatchObject({ code: 'QUOTA_EXCEEDED', quota: 'MAX_SESSIONS_PER_USER' });
    expect(await api.get('/sessions?limit=100').expect(200)).toHaveProperty('body.items.length', MAX_SESSIONS);
  });

  it('copies one snapshot: under racing appends each fork is a prefix of the final history ending on a whole batch', async () => {
    const BATCH = 5;
    const source = await createSession(api);
    await appendTexts(source.id, ...Array.from({ length: BATCH }, (_, i) => `0-${i}`));
    const appends = Array.from({ length: 4 }, async (_, chain) => {
      for (let n = 1; n <= 10; n++) await appendTexts(source.id, ...Array.from({ length: BATCH }, (_, i) => `${chain}.${n}-${i}`));
    });
    const forks = Array.from({ length: 3 }, async () => {
      const ids: string[] = [];
      for (let n = 0; n < 4; n++) ids.push((await fork(source.id).expect(201)).body.id);
      return ids;
    });
    await Promise.all(appends);
    const forkIds = (await Promise.all(forks)).flat();

    const final = (await history(source.id)).map((m: { content: string }) => m.content);
    expect(final).toHaveLength(BATCH * 41);
    const lengths = new Set<number>();
    for (const id of forkIds) {
      const session = (await api.get(`/sessions/${id}`).expect(200)).body;
      const copied = (await history(id)).map((m: { content: string }) => m.content);
      expect(copied).toEqual(final.slice(0, copied.length));
      expect(copied.length % BATCH).toBe(0);
      expect(session.messageCount).toBe(copied.length);
      expect(session.forkedFrom).toEqual({ sessionId: source.id, atSeq: copied.length });
      lengths.add(copied.length);
    }
    // The forks did race the appends (not all before, not all after).
    expect(lengths.size).toBeGreaterThan(1);
  });

  it('runs one fork per user at a time with a short queue: beyond it 429 TOO_MANY_CONCURRENT_FORKS, and nothing created for it', async () => {
    const source = await createSession(api);
    const batch = Array.from({ length: 10_000 }, (_, i) => `message ${i}`);
    await appendTexts(source.id, ...batch);
    await appendTexts(source.id, ...batch);
    const answers = await Promise.all(Array.from({ length: 6 }, () => fork(source.id)));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 201).length).toBeGreaterThanOrEqual(3); // one running, two queued
    const refused = answers.filter((answer) => answer.status !== 201);
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of refused) {
      expect(answer.status).toBe(429);
      expect(answer.body.code).toBe('TOO_MANY_CONCURRENT_FORKS');
      expect(answer.headers['retry-after']).toBeDefined();
    }
    const created = answers.filter((answer) => answer.status === 201).map((answer) => answer.body.id);
    expect(await sessionIds()).toEqual([source.id, ...created].sort());
    for (const id of created) expect((await api.get(`/sessions/${id}`).expect(200)).body.messageCount).toBe(20_000);
  });

  it('tells session.created for the fork, with forkedFrom, on the user’s event stream', async () => {
    const source = await createSession(api);
    await appendTexts(source.id, 'a');
    const stream = await SseClient.open(await baseUrlOf(app), user);
    try {
      const forked = (await fork(source.id, { title: 'f' }).expect(201)).body;
      const events = await stream.until((all) => all.some((e) => e.data.sessionId === forked.id), 'the fork’s creation');
      const created = events.find((e) => e.data.sessionId === forked.id)!;
      expect(created.event).toBe('session.created');
      expect(created.data).toMatchObject({ status: 'created', title: 'f', forkedFrom: { sessionId: source.id, atSeq: 1 } });
      // Nothing is told of the source: it did not change.
      expect(events.filter((e) => e.data.sessionId === source.id)).toEqual([]);
    } finally {
      stream.close();
    }
  });
});

describe('sessions: fork past FORK_STATEMENT_TIMEOUT_MS', () => {
  // A bound no copy of thousands of messages meets: PostgreSQL cancels the statement.
  const app = useTestApp({ FORK_STATEMENT_TIMEOUT_MS: '10', RATE_LIMIT_PER_MINUTE: '0' });

  it('answers 503 DATABASE_UNAVAILABLE and creates nothing; other statements keep their own bound', async () => {
    const user = newUser();
    const api = apiAs(app, user);
    const source = await createSession(api);
    const items = Array.from({ length: 10_000 }, (_, i) => ({ role: 'user', content: { text: `message ${i}`, n: i } }));
    await api.post(`/sessions/${source.id}/messages`, { items }).expect(201);
    await api.post(`/sessions/${source.id}/messages`, { items }).expect(201);

    const refused = await api.post(`/sessions/${source.id}/fork`, { key: 'never' }).expect(503);
    expect(refused.body.code).toBe('DATABASE_UNAVAILABLE');
    expect((await api.get('/sessions').expect(200)).body.items.map((s: { id: string }) => s.id)).toEqual([source.id]);
    await api.get('/sessions/by-key/never').expect(404);
    // The connection went back to the pool with the default bound: a later statement is not cut at 10 ms.
    for (let n = 0; n < 12; n++) await api.get(`/sessions/${source.id}/messages?limit=1000`).expect(200);
    expect((await api.post(`/sessions/${source.id}/fork`, { atSeq: 1 }).expect(201)).body.messageCount).toBe(1);
  });
});
