import type { IncomingMessage } from 'node:http';
import { apiAs, type Api, userWithSession } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { useTestApp } from './utils/use-test-app.js';
import { seedHistory } from './utils/history.js';

// Reads of the contract's (v2) "Agent memory": limit 0..1000 or all, before.
describe('reading a history: limit=0 and limit=all', () => {
  // Client and server share this process: on a loaded machine the client can take less than the
  // default 2 MiB/s a slow reader is held to, and its stream would be cut (messages-slow-readers tests that).
  const app = useTestApp({ HISTORY_STREAM_MS_PER_MIB: '10000' });
  let api: Api;
  let id: string;

  beforeEach(async () => ({ api, id } = await userWithSession(app)));

  const append = (items: object[]) => api.post(`/sessions/${id}/messages`, { items }).expect(201);
  const read = (query: string) => api.get(`/sessions/${id}/messages?${query}`).expect(200);

  it("answers limit=0 with an empty page, and 404 for a session that is not the caller's", async () => {
    await append([
      { role: 'user', content: 'a' },
      { role: 'user', content: 'b' },
    ]);
    expect((await read('limit=0')).body).toEqual({ items: [], nextBefore: null });
    expect((await read('limit=0&before=2')).body).toEqual({ items: [], nextBefore: null });
    await apiAs(app, newUser()).get(`/sessions/${id}/messages?limit=0`).expect(404);
  });

  it('answers limit=all with the whole history, the items exactly as a page gives them', async () => {
    await append(
      Array.from({ length: 12 }, (_, i) => ({
        role: i % 2 ? 'assistant' : 'user',
        content: [{ type: 'text', text: `m${i + 1}` }],
        metadata: { i },
      })),
    );
    const all = await read('limit=all');
    expect(all.headers['content-type']).toMatch(/^application\/json/);
    expect(all.body).toEqual((await read('limit=1000')).body);
    expect(all.body.items.map((m: { seq: number }) => m.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(all.body.nextBefore).toBeNull();
    // With before: everything older than it.
    expect((await read('limit=all&before=4')).body).toEqual({ items: all.body.items.slice(0, 3), nextBefore: null });
  });

  it("answers limit=all on an empty history, and 404 for a session that is not the caller's", async () => {
    expect((await read('limit=all')).body).toEqual({ items: [], nextBefore: null });
    await apiAs(app, newUser()).get(`/sessions/${id}/messages?limit=all`).expect(404);
  });

  it('streams all of 100,000 small messages, in order, and then serves again', async () => {
    await seedHistory(api, id, 100_000, 20);
    const all = await read('limit=all');
    const seqs: number[] = all.body.items.map((m: { seq: number }) => m.seq);
    expect(seqs.length).toBe(100_000);
    expect(seqs.every((seq, i) => seq === i + 1)).toBe(true);
    expect(all.body.items[99_999]).toMatchObject({ seq: 100_000, role: 'user', content: 'z'.repeat(20), metadata: { n: 100_000 } });
    // The stream's connection and admission went back: the next reads are answered.
    expect((await read('limit=2')).body.items.map((m: { seq: number }) => m.seq)).toEqual([99_999, 100_000]);
    expect((await read('limit=all&before=3')).body.items.map((m: { seq: number }) => m.seq)).toEqual([1, 2]);
  }, 120_000);

  it('lets a client that goes away mid-stream go, and serves the next stream', async () => {
    await seedHistory(api, id, 20_000, 200);
    // The answer is abandoned after its first bytes.
    await new Promise<void>((resolve) => {
      const call = api
        .get(`/sessions/${id}/messages?limit=all`)
        .buffer(true)
        .parse((res, done) => {
          res.once('data', () => {
            (call as unknown as { abort(): void }).abort();
            resolve();
          });
          res.on('error', () => done(null, null));
        });
      call.end(() => resolve());
    });
    // Four streams in a row: more than the stream pool holds, so the abandoned one's connection came back.
    for (let i = 0; i < 4; i++) expect((await read('limit=all&before=3')).body.items).toHaveLength(2);
  }, 120_000);

  it('streams limit=all from one snapshot: a clear committed while the answer is read does not show', async () => {
    await seedHistory(api, id, 20_000, 200);
    const tag = (await read('limit=0')).headers.etag;
    // The snapshot is taken before the headers go out; the client holds the body back until the clear committed.
    const streamed = await api
      .get(`/sessions/${id}/messages?limit=all`)
      .buffer(true)
      .parse((response, done) => {
        const res = response as unknown as IncomingMessage;
        res.pause();
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => done(null, { etag: res.headers.etag, body: JSON.parse(text) }));
        void api
          .delete(`/sessions/${id}/messages`)
          .expect(204)
          .then(
            () => res.resume(),
            (error: Error) => done(error, null),
          );
      })
      .expect(200);
    const { etag, body } = streamed.body as { etag: string; body: { items: Array<{ seq: number }> } };
    expect(body.items.length).toBe(20_000);
    expect(body.items[19_999].seq).toBe(20_000);
    expect(etag).toBe(tag);
    expect((await read('limit=all')).body.items).toEqual([]);
  }, 120_000);
});
