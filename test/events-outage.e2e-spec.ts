import { apiAs, createSession } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { controlEnv } from './utils/control.js';
import { baseUrlOf, SseClient } from './utils/sse-client.js';
import { TcpProxy } from './utils/tcp-proxy.js';
import { useTestApp } from './utils/use-test-app.js';
import { waitFor } from './utils/wait-for.js';

describe('events without Redis', () => {
  let proxy: TcpProxy;
  const app = useTestApp(
    async () => {
      proxy = await TcpProxy.start(process.env.REDIS_URL!);
      return controlEnv({ WORKER_ENABLED: 'false', REDIS_URL: proxy.url(process.env.REDIS_URL!) });
    },
    { afterClose: () => proxy.close() },
  );
  const cacheless = useTestApp({ REDIS_URL: '' });
  const open: SseClient[] = [];
  afterAll(() => open.forEach((client) => client.close()));

  it('answers 503 with Retry-After while Redis is away; changes made meanwhile are told, in order, once it is back', async () => {
    const url = await baseUrlOf(app);
    const user = newUser();
    const api = apiAs(app, user);
    const stream = await SseClient.open(url, user);
    open.push(stream);
    const before = await createSession(api, { title: 'before' });
    await stream.until((events) => events.length === 1, 'the first creation');

    await proxy.cut();
    const refused = await waitFor(
      async () => {
        const client = await SseClient.open(url, user);
        open.push(client);
        return client;
      },
      (client) => client.status === 503,
      { what: 'a 503' },
    );
    expect(refused.headers['retry-after']).toBe('5');
    expect(JSON.parse(refused.body)).toMatchObject({ statusCode: 503, code: 'EVENTS_UNAVAILABLE' });
    // Writes go on (PostgreSQL is the source of truth); their events wait for Redis.
    const during = await createSession(api, { title: 'during' });
    await api.post(`/sessions/${during.id}/messages`, { role: 'user', content: 'x' }).expect(201);

    await proxy.restore();
    const events = await stream.until((all) => all.length === 3, 'the changes made during the outage');
    expect(events.map((event) => [event.event, event.data.sessionId])).toEqual([
      ['session.created', before.id],
      ['session.created', during.id],
      ['session.messages', during.id],
    ]);
    const again = await waitFor(
      async () => {
        const client = await SseClient.open(url, user, '/events', events[0].id);
        open.push(client);
        return client;
      },
      (client) => client.status === 200,
      { what: 'streams served again' },
    );
    await again.until((all) => all.length === 2, 'the replay');
    expect(again.events).toEqual(events.slice(1));
  });

  it('answers 503 EVENTS_UNAVAILABLE when the service runs without Redis', async () => {
    const user = newUser();
    const client = await SseClient.open(await baseUrlOf(cacheless), user);
    expect(client.status).toBe(503);
    expect(client.headers['retry-after']).toBe('5');
    expect(JSON.parse(client.body)).toMatchObject({ code: 'EVENTS_UNAVAILABLE' });
  });
});
