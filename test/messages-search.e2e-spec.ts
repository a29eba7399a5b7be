import request from 'supertest';
import { API, apiAs, createSession, type Api } from './factories/api.factory.js';
import { newUser, tokenFor } from './factories/token.factory.js';
import { useTestApp } from './utils/use-test-app.js';

interface Hit {
  sessionId: string;
  sessionTitle: string | null;
  seq: number;
  role: string;
  createdAt: string;
  snippet: string;
}

describe('GET /messages/search (every string in the content, case-insensitive, newest first)', () => {
  const app = useTestApp();
  const search = async (api: Api, query: Record<string, string | number>): Promise<{ items: Hit[]; nextCursor: string | null }> =>
    (await api.get(`/messages/search?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))}`).expect(200)).body;
  const append = (api: Api, id: string, items: object[]) => api.post(`/sessions/${id}/messages`, { items }).expect(201);
  const where = (body: { items: Hit[] }) => body.items.map((hit) => `${hit.role}#${hit.seq}`);

  it('finds strings nested in tool-call JSON at any depth, in any case; keys are not text', async () => {
    const api = apiAs(app, newUser());
    const session = await createSession(api, { title: 'Trip planning' });
    await append(api, session.id, [
      { role: 'user', content: 'What is the weather in Reykjavík?' },
      {
        role: 'assistant',
        content: [{ type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Reykjavík","unit":"celsius"}' }],
      },
      {
        role: 'tool',
        content: { tool_calls: [{ id: 'c2', function: { name: 'lookup', arguments: { deep: [{ note: 'Zebra CROSSING' }] } } }] },
      },
      { role: 'assistant', content: [{ type: 'output_text', text: 'It is 3 °C and windy.' }] },
    ]);

    const found = await search(api, { q: 'REYKJAVÍK' });
    expect(where(found)).toEqual(['assistant#2', 'user#1']);
    expect(found.items[0]).toEqual({
      sessionId: session.id,
      sessionTitle: 'Trip planning',
      seq: 2,
      role: 'assistant',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      // The strings of an object come in jsonb's key order (shorter keys first).
      snippet: expect.stringContaining('{"city":"Reykjavík","unit":"celsius"}'),
    });
    expect(found.nextCursor).toBeNull();
    expect(where(await search(api, { q: 'zebra cross' }))).toEqual(['tool#3']);
    expect(where(await search(api, { q: '3 °c' }))).toEqual(['assistant#4']);
    // Only keys hold these: no message matches.
    expect((await search(api, { q: 'tool_calls' })).items).toEqual([]);
    expect((await search(api, { q: 'call_id' })).items).toEqual([]);
    // A value is text whatever its key.
    expect(where(await search(api, { q: 'output_t' }))).toEqual(['assistant#4']);
  });

  it('matches %, _ and \\ as themselves', async () => {
    const api = apiAs(app, newUser());
    const { id } = await createSession(api);
    await append(
      api,
      id,
      ['50% off', '50 off', 'a_b', 'axb', 'back\\slash', 'backslash'].map((content) => ({ role: 'user', content })),
    );
    const contents = async (q: string) => where(await search(api, { q }));
    expect(await contents('0%')).toEqual(['user#1']);
    expect(await contents('a_')).toEqual(['user#3']);
    expect(await contents('k\\s')).toEqual(['user#5']);
  });

  it("never returns another user's messages, even with the same words; another user's sessionId is 404", async () => {
    const mine = apiAs(app, newUser());
    const theirs = apiAs(app, newUser());
    const my = await createSession(mine);
    const their = await createSession(theirs);
    await append(mine, my.id, [{ role: 'user', content: 'quarterly pelican report' }]);
    await append(theirs, their.id, [{ role: 'user', content: 'quarterly pelican report' }]);

    const found = await search(mine, { q: 'pelican' });
    expect(found.items.map((hit) => hit.sessionId)).toEqual([my.id]);
    const refused = await mine.get(`/messages/search?q=pelican&sessionId=${their.id}`).expect(404);
    expect(refused.body.code).toBe('SESSION_NOT_FOUND');
    expect((await search(theirs, { q: 'pelican' })).items.map((hit) => hit.sessionId)).toEqual([their.id]);
  });

  it('narrows to one session and to one role', async () => {
    const api = apiAs(app, newUser());
    const first = await createSession(api, { title: 'first' });
    const second = await createSession(api, { title: 'second' });
    await append(api, first.id, [
      { role: 'user', content: 'kiwi please' },
      { role: 'assistant', content: 'kiwi here' },
    ]);
    await append(api, second.id, [{ role: 'user', content: 'more kiwi' }]);

    expect(where(await search(api, { q: 'kiwi' }))).toEqual(['user#1', 'assistant#2', 'user#1']);
    const inFirst = await search(api, { q: 'kiwi', sessionId: first.id.toUpperCase() });
    expect(inFirst.items.map((hit) => [hit.sessionTitle, hit.seq])).toEqual([
      ['first', 2],
      ['first', 1],
    ]);
    const users = await search(api, { q: 'kiwi', role: 'user' });
    expect(users.items.map((hit) => hit.sessionTitle)).toEqual(['second', 'first']);
    expect(where(await search(api, { q: 'kiwi', role: 'assistant', sessionId: second.id }))).toEqual([]);
  });

  it('pages by cursor: every match exactly once, newest first, across batches that share a time', async () => {
    const api = apiAs(app, newUser());
    const sessions = [await createSession(api), await createSession(api), await createSession(api)];
    const expected: string[] = [];
    for (let round = 0; round < 3; round++) {
      for (const [index, session] of sessions.entries()) {
        // One batch: its messages share created_at, so seq (then session) orders them.
        const items = Array.from({ length: 4 }, (_, n) => ({
          role: 'user',
          content: n === 3 ? 'nothing here' : `walrus ${round}.${index}.${n}`,
        }));
        await append(api, session.id, items);
        for (let n = 0; n < 3; n++) expected.unshift(`${session.id}#${round * 4 + n + 1}`);
      }
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: Hit[]; nextCursor: string | null } = await search(api, { q: 'WALRUS', limit: 4, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((hit) => `${hit.sessionId}#${hit.seq}`));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(Math.ceil(27 / 4));
    expect(seen).toEqual(expected);
  });

  it('leaves out deleted sessions', async () => {
    const api = apiAs(app, newUser());
    const kept = await createSession(api);
    const gone = await createSession(api);
    await append(api, kept.id, [{ role: 'user', content: 'marmot' }]);
    await append(api, gone.id, [{ role: 'user', content: 'marmot' }]);
    await api.delete(`/sessions/${gone.id}`).expect(204);

    expect((await search(api, { q: 'marmot' })).items.map((hit) => hit.sessionId)).toEqual([kept.id]);
    await api.get(`/messages/search?q=marmot&sessionId=${gone.id}`).expect(404);
  });

  it('gives a snippet of about 120 characters around the match, cut with …', async () => {
    const api = apiAs(app, newUser());
    const { id } = await createSession(api);
    const text = `${'lorem ipsum '.repeat(30)}the NEEDLE is here\n\tand ${'dolor sit '.repeat(30)}`;
    await append(api, id, [{ role: 'user', content: [{ type: 'input_text', text }] }]);
    const [hit] = (await search(api, { q: 'needle' })).items;
    expect(hit.snippet.startsWith('…')).toBe(true);
    expect(hit.snippet.endsWith('…')).toBe(true);
    expect(hit.snippet).toContain('the NEEDLE is here and dolor');
    expect([...hit.snippet].length).toBeLessThanOrEqual(122);
    expect(hit.snippet.indexOf('NEEDLE')).toBeGreaterThan(30);
  });

  it('indexes content jsonb cannot read (\\u0000, a lone surrogate, a number beyond numeric) without refusing it', async () => {
    const odd = '{"text":"nul\\u0000ptr ocelot","lone":"\\ud800 ocelot2","big":1e1000000,"pair":"\\ud83d\\ude00 ocelot3"}';
    const user = newUser();
    const own = apiAs(app, user);
    const session = await createSession(own);
    await request(app.getHttpServer())
      .post(`${API}/sessions/${session.id}/messages`)
      .set({ Authorization: `Bearer ${tokenFor(user)}`, 'Content-Type': 'application/json' })
      .send(`{"role":"user","content":${odd}}`)
      .expect(201);
    const found = await search(own, { q: 'ocelot' });
    expect(found.items).toHaveLength(1);
    expect(found.items[0].snippet).toBe('nulptr ocelot ocelot2 😀 ocelot3');
    // The content itself comes back as sent.
    const page = await request(app.getHttpServer())
      .get(`${API}/sessions/${session.id}/messages`)
      .set({ Authorization: `Bearer ${tokenFor(user)}` })
      .expect(200);
    expect(page.text).toContain(odd);
  });

  it.each([
    ['q missing', ''],
    ['q of one character', 'q=a'],
    ['q over 200 characters', `q=${'x'.repeat(201)}`],
    ['q with a control character', `q=${encodeURIComponent('a\u0007b')}`],
    ['q with U+0000', `q=${encodeURIComponent('ab\u0000')}`],
    ['a cursor this service never issued', 'q=abc&cursor=bogus'],
    ['limit 0', 'q=abc&limit=0'],
    ['limit 101', 'q=abc&limit=101'],
    ['a sessionId that is not a uuid', 'q=abc&sessionId=nope'],
    ['an unknown parameter', 'q=abc&user=someone'],
  ])('refuses %s with 400', async (_, query) => {
    const response = await apiAs(app, newUser()).get(`/messages/search?${query}`).expect(400);
    expect(['VALIDATION_FAILED', 'INVALID_CURSOR']).toContain(response.body.code);
  });
  // Its plan among many users' messages (the index scoped to the user): test/medium/messages-search.medium-spec.ts.
});
