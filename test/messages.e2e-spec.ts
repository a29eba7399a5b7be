import { type Api, userWithSession } from './factories/api.factory.js';
import { useTestApp } from './utils/use-test-app.js';

describe('messages', () => {
  const app = useTestApp();
  let api: Api;
  let id: string;

  beforeEach(async () => ({ api, id } = await userWithSession(app)));

  const append = (body: object) => api.post(`/sessions/${id}/messages`, body);
  const seqs = (items: Array<{ seq: number }>) => items.map((m) => m.seq);

  it('appends one message and answers 201 with its seq', async () => {
    const response = await append({ role: 'user', content: 'hello', metadata: { lang: 'en' } }).expect(201);
    expect(response.body.items).toEqual([
      expect.objectContaining({ sessionId: id, seq: 1, role: 'user', content: 'hello', metadata: { lang: 'en' } }),
    ]);
  });

  it('appends a batch in order and keeps any JSON content as sent', async () => {
    const items = [
      { role: 'user', content: 'plain text' },
      { role: 'assistant', content: [{ type: 'output_text', text: 'structured', annotations: [] }] },
      { role: 'tool', content: { call_id: 'c1', output: { rows: [1, 2, 3] } } },
      { role: 'assistant', content: 42 },
    ];
    const response = await append({ items }).expect(201);
    expect(seqs(response.body.items)).toEqual([1, 2, 3, 4]);
    const history = await api.get(`/sessions/${id}/messages`).expect(200);
    expect(history.body.items.map((m: { role: string; content: unknown }) => ({ role: m.role, content: m.content }))).toEqual(items);
    expect((await api.get(`/sessions/${id}`)).body.messageCount).toBe(4);
  });

  it('returns the latest `limit` before `before`, oldest first, with nextBefore to page back', async () => {
    await append({ items: Array.from({ length: 7 }, (_, i) => ({ role: 'user', content: `m${i + 1}` })) }).expect(201);
    const latest = await api.get(`/sessions/${id}/messages?limit=3`).expect(200);
    expect(seqs(latest.body.items)).toEqual([5, 6, 7]);
    expect(latest.body.nextBefore).toBe(5);
    const older = await api.get(`/sessions/${id}/messages?limit=3&before=5`).expect(200);
    expect(seqs(older.body.items)).toEqual([2, 3, 4]);
    const oldest = await api.get(`/sessions/${id}/messages?limit=3&before=2`).expect(200);
    expect(seqs(oldest.body.items)).toEqual([1]);
    expect(oldest.body.nextBefore).toBeNull();
    const all = await api.get(`/sessions/${id}/messages`).expect(200);
    expect(seqs(all.body.items)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(all.body.nextBefore).toBeNull();
  });

  it('pops the last message (200 with it), then 204 when none is left', async () => {
    await append({
      items: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'b' },
      ],
    }).expect(201);
    const popped = await api.delete(`/sessions/${id}/messages/last`).expect(200);
    expect(popped.body).toMatchObject({ seq: 2, content: 'b' });
    await api.delete(`/sessions/${id}/messages/last`).expect(200);
    const empty = await api.delete(`/sessions/${id}/messages/last`).expect(204);
    expect(empty.text).toBe('');
    expect((await api.get(`/sessions/${id}`)).body.messageCount).toBe(0);
  });

  it('never reuses a seq, even after a pop', async () => {
    await append({
      items: [
        { role: 'user', content: 'a' },
        { role: 'user', content: 'b' },
      ],
    }).expect(201);
    await api.delete(`/sessions/${id}/messages/last`).expect(200);
    const next = await append({ role: 'user', content: 'c' }).expect(201);
    expect(next.body.items[0].seq).toBe(3);
  });

  it('clears the history with 204 and keeps counting seqs afterwards', async () => {
    await append({
      items: [
        { role: 'user', content: 'a' },
        { role: 'user', content: 'b' },
      ],
    }).expect(201);
    await api.delete(`/sessions/${id}/messages`).expect(204);
    expect((await api.get(`/sessions/${id}/messages`)).body).toEqual({ items: [], nextBefore: null });
    expect((await api.get(`/sessions/${id}`)).body.messageCount).toBe(0);
    expect((await append({ role: 'user', content: 'c' }).expect(201)).body.items[0].seq).toBe(3);
  });

  it('gives 50 concurrent appends the seqs 1..50, each once, with no 5xx', async () => {
    const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => append({ role: 'user', content: `c${i}` })));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(201));
    const allocated = responses.map((r) => r.body.items[0].seq).sort((a, b) => a - b);
    expect(allocated).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const stored = await api.get(`/sessions/${id}/messages?limit=1000`).expect(200);
    expect(seqs(stored.body.items)).toEqual(allocated);
    expect((await api.get(`/sessions/${id}`)).body.messageCount).toBe(50);
  });

  it('moves the session activity, expiry and ETag forward on every append', async () => {
    const before = await api.get(`/sessions/${id}`).expect(200);
    await append({ role: 'user', content: 'x' }).expect(201);
    const after = await api.get(`/sessions/${id}`).expect(200);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect(Date.parse(after.body.lastActivityAt)).toBeGreaterThanOrEqual(Date.parse(before.body.lastActivityAt));
    expect(Date.parse(after.body.expiresAt)).toBeGreaterThanOrEqual(Date.parse(before.body.expiresAt));
  });

  it.each([
    ['no role', { content: 'x' }],
    ['no content', { role: 'user' }],
    ['null content', { role: 'user', content: null }],
    ['an empty role', { role: '', content: 'x' }],
    ['an empty batch', { items: [] }],
    ['replaceFromSeq 0', { items: [{ role: 'user', content: 'x' }], replaceFromSeq: 0 }],
    ['replaceFromSeq 1.5', { items: [{ role: 'user', content: 'x' }], replaceFromSeq: 1.5 }],
    ['replaceFromSeq as a string', { items: [{ role: 'user', content: 'x' }], replaceFromSeq: '1' }],
    ['replaceFromSeq past an integer', { items: [{ role: 'user', content: 'x' }], replaceFromSeq: 2147483648 }],
    ['an item without content', { items: [{ role: 'user' }] }],
    ['an unknown field in an item', { items: [{ role: 'user', content: 'x', extra: 1 }] }],
    ['both forms at once', { role: 'user', content: 'x', items: [{ role: 'user', content: 'y' }] }],
    ['an array as metadata', { role: 'user', content: 'x', metadata: [] }],
  ])('refuses %s with 400 and appends nothing', async (_label, body) => {
    const response = await append(body).expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    expect((await api.get(`/sessions/${id}/messages`)).body.items).toEqual([]);
  });

  // limit=0 is an empty page since v2 (messages-reads.e2e-spec.ts).
  it.each(['limit=-1', 'limit=1001', 'limit=1.5', 'limit=ALL', 'limit=', 'limit=all&limit=3', 'before=0', 'before=x', 'after=3'])(
    'refuses ?%s with 400',
    async (query) => {
      await api.get(`/sessions/${id}/messages?${query}`).expect(400);
    },
  );

  it('answers 404 for messages of an unknown session', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    await api.post(`/sessions/${unknown}/messages`, { role: 'user', content: 'x' }).expect(404);
    await api.get(`/sessions/${unknown}/messages`).expect(404);
    await api.delete(`/sessions/${unknown}/messages/last`).expect(404);
    await api.delete(`/sessions/${unknown}/messages`).expect(404);
  });
});
