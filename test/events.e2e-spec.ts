import { apiAs, createSession, type Api } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { controlEnv, removeQueue } from './utils/control.js';
import { baseUrlOf, type SseEvent, useSubscriptions } from './utils/sse-client.js';
import { useTestApp } from './utils/use-test-app.js';

// No worker: started sessions stay running, so the test drives every status change itself.
const env = controlEnv({ WORKER_ENABLED: 'false', MAX_RUNNING_PER_USER: '1000', RATE_LIMIT_PER_MINUTE: '0' });
const ofSession = (events: SseEvent[], id: string) => events.filter((event) => event.data.sessionId === id);
const kinds = (events: SseEvent[]) => events.map((event) => event.event);
const LIFE = [
  'session.created',
  'session.messages',
  'session.messages',
  'session.status',
  'session.progress',
  'session.progress',
  'session.status',
  'session.status',
  'session.deleted',
];

describe('events (SSE over Redis Streams)', () => {
  const app = useTestApp(env, { beforeClose: removeQueue });
  const other = useTestApp(env); // a second instance on the same PostgreSQL and Redis
  const subscribe = useSubscriptions();
  let url: string;
  let otherUrl: string;

  beforeAll(async () => {
    url = await baseUrlOf(app);
    otherUrl = await baseUrlOf(other);
  });

  /** One session's life, told as LIFE. */
  async function lifeOf(api: Api): Promise<string> {
    const { id } = await createSession(api, { title: 'life' });
    await api.post(`/sessions/${id}/messages`, { role: 'user', content: 'hi' }).expect(201);
    await api
      .post(`/sessions/${id}/messages`, {
        items: [
          { role: 'assistant', content: 'a' },
          { role: 'user', content: 'b' },
        ],
      })
      .expect(201);
    await api.post(`/sessions/${id}/start`).expect(202);
    await api.post(`/sessions/${id}/progress`, { phase: 'research', roundNumber: 1 }).expect(202);
    await api.post(`/sessions/${id}/progress`, { costDelta: 0.5 }).expect(202);
    await api.post(`/sessions/${id}/complete`, {}).expect(200);
    await api.delete(`/sessions/${id}`).expect(204);
    return id;
  }

  it('tells every change after its commit, in order, with the audit fields, ids and JSON data', async () => {
    const user = newUser();
    const api = apiAs(app, user);
    const stream = await subscribe(url, user);
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
    const { id } = await createSession(api, { title: 'watched', key: 'k-1' });
    await api
      .post(`/sessions/${id}/messages`, {
        items: [
          { role: 'user', content: 'a' },
          { role: 'user', content: 'b' },
        ],
      })
      .expect(201);
    await api.post(`/sessions/${id}/complete`, {}).expect(409); // refused: nothing to tell
    await api.post(`/sessions/${id}/start`).expect(202);
    await api.post(`/sessions/${id}/progress`, { phase: 'research', roundNumber: 2, costDelta: 0.25 }).expect(202);
    await api.delete(`/sessions/${id}/messages/last`).expect(200);
    await api.post(`/sessions/${id}/messages`, { items: [{ role: 'user', content: 'c' }], replaceFromSeq: 1 }).expect(201);
    await api.post(`/sessions/${id}/kill`, { reason: 'enough' }).expect(202);
    await api.delete(`/sessions/${id}`).expect(204);

    const events = await stream.until((all) => all.some((event) => event.event === 'session.deleted'), 'the deletion');
    expect(kinds(events)).toEqual([
      'session.created',
      'session.messages',
      'session.status',
      'session.progress',
      'session.messages',
      'session.messages',
      'session.status',
      'session.status',
      'session.deleted',
    ]);
    expect(events.every((event) => event.data.sessionId === id && /^\d+-\d+$/.test(event.id))).toBe(true);
    expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
    expect(events[0].data).toMatchObject({ status: 'created', title: 'watched', key: 'k-1' });
    expect(events[1].data).toMatchObject({ change: 'appended', seqs: [1, 2], messageCount: 2 });
    expect(events[2].data).toMatchObject({ from: 'created', to: 'running', actor: user, reason: null });
    expect(events[3].data).toEqual({ sessionId: id, phase: 'research', roundNumber: 2, costDelta: 0.25 });
    expect(events[4].data).toMatchObject({ change: 'popped', seqs: [], messageCount: 1 });
    expect(events[5].data).toMatchObject({
      change: 'replaced',
      seqs: [3],
      removed: 1,
      removedFromSeq: 1,
      removedThroughSeq: 2,
      messageCount: 1,
    });
    expect(events[6].data).toMatchObject({ from: 'running', to: 'killed', actor: user, reason: 'enough' });
    expect(events[7].data).toMatchObject({ from: 'killed', to: 'deleted', actor: user });
    const versions = events.filter((event) => event.data.version !== undefined).map((event) => event.data.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));

    await api.get(`/sessions/${id}/transitions`).expect(404); // deleted: the session answers 404 from now on
  });

  it("two users, over 1,000 mixed events: each stream carries its own user's events and all of them", async () => {
    const users = [newUser('alice'), newUser('bob')];
    const streams = await Promise.all(users.map((user) => subscribe(url, user)));
    const lives = 56; // 9 events each: 56 x 9 x 2 users = 1,008
    const ids = await Promise.all(
      users.map(async (user) => {
        const api = apiAs(app, user);
        const made: string[] = [];
        // Four at a time per user, both users at once: the events interleave in the feed.
        for (let i = 0; i < lives; i += 4)
          made.push(...(await Promise.all(Array.from({ length: Math.min(4, lives - i) }, () => lifeOf(api)))));
        return made;
      }),
    );
    for (const [index, stream] of streams.entries()) {
      const mine = new Set(ids[index]);
      const events = await stream.until((all) => all.filter((e) => e.event === 'session.deleted').length === lives, `${lives} deletions`);
      expect(events.filter((event) => !mine.has(event.data.sessionId))).toEqual([]);
      expect(events).toHaveLength(lives * LIFE.length);
      for (const id of mine) expect(kinds(ofSession(events, id))).toEqual(LIFE);
    }
    const [alice, bob] = streams.map((stream) => new Set(stream.events.map((event) => event.id)));
    expect([...alice].filter((id) => bob.has(id))).toEqual([]);
  });

  it('a reconnect with Last-Event-ID to another instance gets exactly what it missed', async () => {
    const user = newUser();
    const api = apiAs(app, user);
    const witness = await subscribe(otherUrl, user); // never disconnects
    const first = await subscribe(url, user);
    const { id } = await createSession(api);
    for (let i = 0; i < 5; i++) await api.post(`/sessions/${id}/messages`, { role: 'user', content: `m${i}` }).expect(201);
    await first.until((all) => all.length === 6, 'six events');
    first.close();
    // Missed while disconnected, written through both instances.
    for (let i = 0; i < 5; i++)
      await apiAs(i % 2 ? app : other, user)
        .post(`/sessions/${id}/messages`, { role: 'user', content: `n${i}` })
        .expect(201);
    await api.post(`/sessions/${id}/start`).expect(202);
    const resumed = await subscribe(otherUrl, user, '/events', first.lastId);
    await api.post(`/sessions/${id}/kill`).expect(202);
    await witness.until((all) => all.length === 13, 'thirteen events');
    await resumed.until((all) => all.length === 7, 'the seven missed and later');
    expect([...first.events, ...resumed.events]).toEqual(witness.events);
    expect(resumed.events.map((event) => event.data.seqs?.[0] ?? event.event)).toEqual([
      6,
      7,
      8,
      9,
      10,
      'session.status',
      'session.status',
    ]);
  });

  it("GET /sessions/:id/events: only that session, ends after its deletion; another user's session is 404", async () => {
    const user = newUser();
    const api = apiAs(app, user);
    const [watched, ignored] = [await createSession(api), await createSession(api)];
    const stream = await subscribe(url, user, `/sessions/${watched.id}/events`);
    expect(stream.status).toBe(200);
    const stranger = await subscribe(url, newUser(), `/sessions/${watched.id}/events`);
    expect(stranger.status).toBe(404);
    expect(JSON.parse(stranger.body)).toMatchObject({ statusCode: 404, code: 'SESSION_NOT_FOUND' });

    await api.post(`/sessions/${ignored.id}/messages`, { role: 'user', content: 'x' }).expect(201);
    await api.post(`/sessions/${watched.id}/messages`, { role: 'user', content: 'y' }).expect(201);
    await api.delete(`/sessions/${ignored.id}`).expect(204);
    await api.delete(`/sessions/${watched.id}`).expect(204);
    await stream.until(() => stream.ended, 'the stream to end');
    expect(kinds(stream.events)).toEqual(['session.messages', 'session.status', 'session.deleted']);
    expect(stream.events.every((event) => event.data.sessionId === watched.id)).toBe(true);
    expect((await subscribe(url, user, `/sessions/${watched.id}/events`)).status).toBe(404);
  });

  it("keeps one session's events in the order its writes were answered", async () => {
    const user = newUser();
    const api = apiAs(app, user);
    const stream = await subscribe(url, user);
    const { id } = await createSession(api);
    for (let i = 0; i < 40; i++)
      await apiAs(i % 2 ? app : other, user)
        .post(`/sessions/${id}/messages`, { role: 'user', content: i })
        .expect(201);
    const events = await stream.until((all) => all.length === 41, '41 events');
    expect(events.slice(1).map((event) => event.data.seqs)).toEqual(Array.from({ length: 40 }, (_, i) => [i + 1]));
  });

  it('refuses a malformed Last-Event-ID with 400, and resuming from the start replays the last hour', async () => {
    const user = newUser();
    const bad = await subscribe(url, user, '/events', 'yesterday');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ code: 'INVALID_LAST_EVENT_ID' });
    const { id } = await createSession(apiAs(app, user));
    const replay = await subscribe(otherUrl, user, '/events', '0-0');
    await replay.until((all) => all.length === 1, 'the creation');
    expect(replay.events[0]).toMatchObject({ event: 'session.created', data: { sessionId: id } });
  });
});
