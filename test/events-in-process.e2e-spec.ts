import { compareEventIds } from '../src/events/event-id.js';
import { apiAs, createSession } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { controlEnv } from './utils/control.js';
import { baseUrlOf, type SseEvent, useSubscriptions } from './utils/sse-client.js';
import { useTestApp } from './utils/use-test-app.js';

const kinds = (events: SseEvent[]) => events.map((event) => [event.event, event.data.to ?? event.data.change ?? null]);

/*
 * The embedded first run's setting: no Redis, and the one instance says so (WORK_QUEUE=in-process,
 * as main.ts sets it). Its events are kept and followed in its memory, with the same stream format
 * and Last-Event-ID replay as over Redis (events.e2e-spec.ts).
 */
describe('events without Redis, on the one instance (in process)', () => {
  const app = useTestApp(controlEnv({ REDIS_URL: '', WORK_QUEUE: 'in-process', DELIBERATION_ROUNDS: '1' }));
  const open = useSubscriptions();
  let url: string;

  beforeAll(async () => {
    url = await baseUrlOf(app);
  });
  const subscribe = (user: string, path?: string, lastEventId?: string) => open(url, user, path, lastEventId);

  it('tells a session created, run by the in-process worker and completed, in order, as it happens', async () => {
    const user = newUser();
    const api = apiAs(app, user);
    const stream = await subscribe(user);
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);

    const { id } = await createSession(api, { title: 'told in process' });
    const [created] = await stream.until((events) => events.length === 1, 'session.created');
    expect(created).toEqual({
      id: expect.stringMatching(/^\d+-\d+$/),
      event: 'session.created',
      data: expect.objectContaining({ sessionId: id, status: 'created', title: 'told in process' }),
    });

    await api.post(`/sessions/${id}/start`).expect(202);
    const events = await stream.until((all) => all.some((event) => event.data.to === 'completed'), 'the run to complete');
    expect(events.every((event) => event.data.sessionId === id)).toBe(true);
    expect(kinds(events).at(1)).toEqual(['session.status', 'running']);
    expect(kinds(events).at(-1)).toEqual(['session.status', 'completed']);
    expect(kinds(events)).toContainEqual(['session.messages', 'appended']);
    expect(events.map((event) => event.event)).toContain('session.progress');
    // Ids only grow: a client resumes after any of them.
    const ids = events.map((event) => event.id);
    expect(ids.slice(1).every((eventId, index) => compareEventIds(ids[index], eventId) < 0)).toBe(true);
  });

  it('replays exactly what came after Last-Event-ID, then goes on live; tells no one else', async () => {
    const user = newUser();
    const api = apiAs(app, user);
    const first = await subscribe(user);
    const stranger = await subscribe(newUser());
    const a = await createSession(api, { title: 'a' });
    await api.post(`/sessions/${a.id}/messages`, { role: 'user', content: 'hi' }).expect(201);
    const b = await createSession(api, { title: 'b' });
    const told = await first.until((events) => events.length === 3, 'three events');
    first.close();

    const resumed = await subscribe(user, '/events', told[0].id);
    await resumed.until((events) => events.length === 2, 'the replay');
    expect(resumed.events).toEqual(told.slice(1));
    await api.delete(`/sessions/${b.id}`).expect(204);
    await resumed.until((events) => events.length === 4, 'the live deletion');
    expect(kinds(resumed.events.slice(2))).toEqual([
      ['session.status', 'deleted'],
      ['session.deleted', null],
    ]);
    expect(stranger.events).toEqual([]);
  });

  it("serves one session's stream too, which ends after its deletion", async () => {
    const user = newUser();
    const api = apiAs(app, user);
    const { id } = await createSession(api, { title: 'one' });
    const other = await createSession(api, { title: 'other' });
    const stream = await subscribe(user, `/sessions/${id}/events`);
    await api.post(`/sessions/${other.id}/messages`, { role: 'user', content: 'not this one' }).expect(201);
    await api.post(`/sessions/${id}/messages`, { role: 'user', content: 'this one' }).expect(201);
    await api.delete(`/sessions/${id}`).expect(204);
    const events = await stream.until(() => stream.ended, 'the stream to end after the deletion');
    expect(kinds(events)).toEqual([
      ['session.messages', 'appended'],
      ['session.status', 'deleted'],
      ['session.deleted', null],
    ]);
  });
});
