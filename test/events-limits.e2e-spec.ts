import { EventsService } from '../src/events/events.service.js';
import { apiAs, createSession } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { controlEnv, removeQueue } from './utils/control.js';
import { startReadyProcess } from './utils/ready-process.js';
import { baseUrlOf, type SseClient, useSubscriptions } from './utils/sse-client.js';
import { useTestApp } from './utils/use-test-app.js';
import { waitFor } from './utils/wait-for.js';

const MAIN = new URL('../dist/src/main.js', import.meta.url).pathname;
const BUFFER = 256 * 1024;
const MAX_EVENT_DATA = 64 * 1024;
// MESSAGES_MAX_ITEMS: room for the big append, wherever the item cap stands.
const env = controlEnv({
  WORKER_ENABLED: 'false',
  MAX_RUNNING_PER_USER: '1000',
  RATE_LIMIT_PER_MINUTE: '0',
  STREAM_BUFFER_BYTES: String(BUFFER),
  MESSAGES_MAX_ITEMS: '100000',
});

describe('event stream limits', () => {
  const app = useTestApp(env, { beforeClose: removeQueue });
  const other = useTestApp(env); // a second instance on the same PostgreSQL and Redis
  const subscribe = useSubscriptions();
  let url: string;
  let otherUrl: string;

  beforeAll(async () => {
    url = await baseUrlOf(app);
    otherUrl = await baseUrlOf(other);
  });

  async function subscribeMany(base: string, user: string, paths: string[]): Promise<SseClient[]> {
    const clients = await Promise.all(paths.map((path) => subscribe(base, user, path)));
    expect(clients.map((client) => client.status)).toEqual(paths.map(() => 200));
    return clients;
  }

  /** Opens until one is answered 200 (the refusals are closed): a freed slot is freed after the server saw the close. */
  function subscribeOnceFree(base: string, user: string, timeoutMs = 10_000): Promise<SseClient> {
    return waitFor(
      () => subscribe(base, user),
      (client) => client.status === 200,
      { what: 'a free slot', timeoutMs, intervalMs: 200 },
    );
  }

  function expectRefused(client: SseClient): void {
    expect(client.status).toBe(429);
    expect(client.headers['retry-after']).toBeDefined();
    expect(JSON.parse(client.body)).toMatchObject({ statusCode: 429, code: 'TOO_MANY_STREAMS' });
  }

  it('refuses a 21st stream of one user (/events and /sessions/:id/events together) with 429; a closed one frees its slot', async () => {
    const user = newUser();
    const api = apiAs(app, user);
    const { id } = await createSession(api);
    const streams = await subscribeMany(url, user, [...Array(10).fill('/events'), ...Array(10).fill(`/sessions/${id}/events`)]);
    expectRefused(await subscribe(url, user));
    expectRefused(await subscribe(url, user, `/sessions/${id}/events`));
    expect((await subscribe(url, newUser())).status).toBe(200); // another user is not counted with them

    await api.post(`/sessions/${id}/messages`, { role: 'user', content: 'still told' }).expect(201);
    for (const stream of streams) await stream.until((events) => events.length === 1, 'the append');
    streams[0].close();
    const replacement = await subscribeOnceFree(url, user);
    expectRefused(await subscribe(url, user));
    await api.post(`/sessions/${id}/messages`, { role: 'user', content: 'and again' }).expect(201);
    await replacement.until((events) => events.length === 1, 'the second append');
  });

  it("counts a user's streams on every instance, through Redis", async () => {
    const user = newUser();
    const [first] = await subscribeMany(url, user, Array(12).fill('/events'));
    await subscribeMany(otherUrl, user, Array(8).fill('/events'));
    expectRefused(await subscribe(otherUrl, user)); // 8 here, 12 on the other instance
    expectRefused(await subscribe(url, user));
    first.close();
    await subscribeOnceFree(otherUrl, user);
    expectRefused(await subscribe(url, user));
  });

  it('frees the slots of an instance that crashed once their entries lapse', async () => {
    const user = newUser();
    // The built service in a process of its own (npm run build), on the same database, Redis and prefix.
    const crashing = await startReadyProcess(process.execPath, [MAIN], {
      readyLine: 'listening on',
      env: { ...env, PORT: '0', CLEANUP_CRON: 'off' },
      timeoutMs: 60_000,
      name: 'main.js',
    });
    try {
      const crashingUrl = `http://127.0.0.1:${/listening on 0\.0\.0\.0:(\d+)/.exec(crashing.output())![1]}`;
      await subscribeMany(crashingUrl, user, Array(20).fill('/events'));
      expectRefused(await subscribe(url, user));
      await crashing.stop('SIGKILL'); // its streams never say goodbye
      expectRefused(await subscribe(url, user)); // their entries are still there ...
      await subscribeOnceFree(url, user, 60_000); // ... until they lapse, unrenewed (30 s)
    } finally {
      await crashing.stop('SIGKILL');
    }
  }, 120_000);

  it('treats an empty Last-Event-ID as absent: the events from now on, no replay', async () => {
    const user = newUser();
    const api = apiAs(app, user);
    const before = await createSession(api, { title: 'before' });
    for (const header of ['', '  ']) {
      const stream = await subscribe(url, user, '/events', header);
      expect(stream.status).toBe(200);
      const after = await createSession(api, { title: 'after' });
      const events = await stream.until((all) => all.length === 1, 'the creation after connecting');
      expect(events[0].data).toMatchObject({ sessionId: after.id });
      expect(events.some((event) => event.data.sessionId === before.id)).toBe(false);
    }
  });

  it("gives a big append's seqs as their ends, within 64 KiB; a small one still lists them", async () => {
    const user = newUser();
    const api = apiAs(app, user);
    const stream = await subscribe(url, user);
    const { id } = await createSession(api);
    const items = Array.from({ length: 20_000 }, () => ({ role: 'a', content: 0 }));
    await api.post(`/sessions/${id}/messages`, { items }).expect(201);
    await api.post(`/sessions/${id}/messages`, { role: 'user', content: 'small' }).expect(201);
    const [, big, small] = await stream.until((all) => all.length === 3, 'both appends');
    expect(Buffer.byteLength(JSON.stringify(big.data))).toBeLessThanOrEqual(MAX_EVENT_DATA);
    expect(big.data).toMatchObject({ change: 'appended', firstSeq: 1, lastSeq: 20_000, messageCount: 20_000 });
    expect(big.data.seqs).toBeUndefined();
    expect(small.data).toMatchObject({ change: 'appended', seqs: [20_001], firstSeq: 20_001, lastSeq: 20_001 });
  });

  it('cuts off a subscriber that stops reading once it is STREAM_BUFFER_BYTES behind; the others flow on, and it resumes losing nothing', async () => {
    const user = newUser();
    const api = apiAs(other, user);
    const service = other.get(EventsService);
    await waitFor(
      async () => service.streams,
      (count) => count === 0,
      { what: 'the earlier tests’ streams to close' },
    );
    const witness = await subscribe(otherUrl, user);
    const stalled = await subscribe(otherUrl, user);
    stalled.pause();
    // Each step tells about 60 KB (a failure's reason of 10,000 characters, each escaped as six):
    // the sockets take a few MB, then the server holds what is unsent, until the cut-off.
    const reason = '\u0001'.repeat(10_000);
    const sent: number[] = []; // what the witness had read after each step
    while (service.streams === 2) {
      if (sent.length > 400) throw new Error(`not cut off after ${witness.bytes} bytes`);
      const { id } = await createSession(api);
      await api.post(`/sessions/${id}/start`).expect(202);
      await api.post(`/sessions/${id}/fail`, { error: reason }).expect(200);
      await witness.until((events) => events.length === 3 * (sent.length + 1), 'the step’s events');
      sent.push(witness.bytes);
    }
    expect(witness.ended).toBe(false);

    stalled.resume(); // what reached its socket before the cut-off, then the end
    await stalled.until(() => stalled.ended, 'the end of the cut-off stream');
    // Within an event of the buffer either way (the server counts a write the socket took in part as unsent).
    const behindBefore = sent.at(-2)! - stalled.bytes; // before the step that cut it off
    const behindAfter = sent.at(-1)! - stalled.bytes;
    expect(behindAfter).toBeGreaterThan(BUFFER - MAX_EVENT_DATA); // not cut off early
    expect(behindBefore).toBeLessThanOrEqual(BUFFER + MAX_EVENT_DATA); // nor late

    // Last-Event-ID: the rest, on either instance, nothing missed or repeated.
    const resumed = await subscribe(url, user, '/events', stalled.lastId);
    const missed = witness.events.length - stalled.events.length;
    // A deadline, not a speed check: once on a loaded run the resumed replay sent 5 of 13 events of
    // ~60 KB and then nothing for 15 s (not reproduced since; under investigation).
    await resumed.until((events) => events.length === missed, `the ${missed} events it missed`, 60_000);
    expect([...stalled.events, ...resumed.events].map((event) => event.id)).toEqual(witness.events.map((event) => event.id));
  }, 120_000);
});
