import type { IncomingMessage } from 'node:http';
import { apiAs, createSession, type Api } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { seedHistory } from './utils/history.js';
import { useTestApp } from './utils/use-test-app.js';

interface PausedRead {
  /** Starts reading what is left; resolves with the whole text, or with `cut` when the answer ended unfinished. */
  finish(): Promise<{ cut: boolean; text: string }>;
}

/**
 * A `limit=all` reader that stops reading once the headers came (a slow client): resolves when
 * the service has admitted the read (status 200), with a handle to read the rest later.
 */
function pausedRead(api: Api, sessionId: string): Promise<PausedRead> {
  return new Promise((admitted, failed) => {
    let outcome!: Promise<{ cut: boolean; text: string }>;
    api
      .get(`/sessions/${sessionId}/messages?limit=all`)
      .buffer(true)
      .parse((response, done) => {
        const res = response as unknown as IncomingMessage;
        res.pause();
        let text = '';
        outcome = new Promise((settle) => {
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => settle({ cut: false, text }));
          res.on('aborted', () => settle({ cut: true, text }));
          res.on('error', () => settle({ cut: true, text }));
        });
        if (res.statusCode !== 200) failed(new Error(`limit=all answered ${res.statusCode}`));
        admitted({ finish: () => (res.resume(), outcome) });
        void outcome.then(() => done(null, null));
      })
      .end(() => undefined);
  });
}

// DATABASE_POOL_SIZE 4: one limit=all stream at a time in this instance.
describe('limit=all readers that stop reading a large history', () => {
  const app = useTestApp({ DATABASE_POOL_SIZE: '4', HISTORY_STREAM_MS_PER_MIB: '200' });

  it("are cut off once they fall behind HISTORY_STREAM_MS_PER_MIB, and another user's limit=all is served", async () => {
    const slow = apiAs(app, newUser('slow'));
    const other = apiAs(app, newUser('other'));
    const large = await createSession(slow);
    await seedHistory(slow, large.id, 24, 1024 * 1024);
    const small = await createSession(other);
    await other.post(`/sessions/${small.id}/messages`, { items: [1, 2, 3].map((n) => ({ role: 'user', content: n })) }).expect(201);

    const reader = await pausedRead(slow, large.id);
    // Without a bound, the slow reader held the only admission until its socket idled out (30 s),
    // and this read waited its 10 s in the queue for a 429.
    const served = await other.get(`/sessions/${small.id}/messages?limit=all`).expect(200);
    expect(served.body.items.map((m: { content: number }) => m.content)).toEqual([1, 2, 3]);

    const { cut, text } = await reader.finish();
    expect(cut).toBe(true);
    expect(() => JSON.parse(text)).toThrow();
  }, 60_000);
});

describe('limit=all readers that stop reading a history that fits the read-ahead', () => {
  const app = useTestApp({ DATABASE_POOL_SIZE: '4', HISTORY_STREAM_MS_PER_MIB: '3600000' });

  it('hold no admission: another user is served, and the slow reader still gets the whole history', async () => {
    const slow = apiAs(app, newUser('slow'));
    const other = apiAs(app, newUser('other'));
    const medium = await createSession(slow);
    await seedHistory(slow, medium.id, 12, 1024 * 1024);
    const small = await createSession(other);
    await other.post(`/sessions/${small.id}/messages`, { role: 'user', content: 'hi' }).expect(201);

    const reader = await pausedRead(slow, medium.id);
    // The 12 MiB were read out of the snapshot ahead of the client, and its admission freed.
    expect((await other.get(`/sessions/${small.id}/messages?limit=all`).expect(200)).body.items).toHaveLength(1);

    const { cut, text } = await reader.finish();
    expect(cut).toBe(false);
    expect(JSON.parse(text).items.map((m: { seq: number }) => m.seq)).toEqual(Array.from({ length: 12 }, (_, n) => n + 1));
  }, 60_000);
});
