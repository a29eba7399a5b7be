import request from 'supertest';
import { apiAs, createSession } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { TcpProxy } from './utils/tcp-proxy.js';
import { useTestApp } from './utils/use-test-app.js';
import { waitFor } from './utils/wait-for.js';

describe('PostgreSQL outage', () => {
  let proxy: TcpProxy;
  const app = useTestApp(
    async () => {
      proxy = await TcpProxy.start(process.env.DATABASE_URL!);
      return { DATABASE_URL: proxy.url(process.env.DATABASE_URL!), REDIS_URL: '' };
    },
    { afterClose: () => proxy.close() },
  );

  it('answers 503 with Retry-After while PostgreSQL is away, writes nothing half, and recovers', async () => {
    const api = apiAs(app, newUser());
    const session = await createSession(api);
    await proxy.cut();

    for (const attempt of [
      () => api.post('/sessions', { title: 'lost?' }),
      () =>
        api.post(`/sessions/${session.id}/messages`, {
          items: [
            { role: 'user', content: 'a' },
            { role: 'user', content: 'b' },
          ],
        }),
      () => api.get(`/sessions/${session.id}`),
      () => api.get('/sessions'),
    ]) {
      const response = await attempt();
      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.body).toMatchObject({ statusCode: 503, code: 'DATABASE_UNAVAILABLE' });
    }
    const ready = await request(app.getHttpServer()).get('/health/ready');
    expect(ready.status).toBe(503);
    await request(app.getHttpServer()).get('/health/live').expect(200);

    await proxy.restore();
    await waitFor(
      async () => (await request(app.getHttpServer()).get('/health/ready')).status,
      (status) => status === 200,
      { what: 'ready again' },
    );
    const list = await api.get('/sessions').expect(200);
    expect(list.body.items.map((s: { id: string }) => s.id)).toEqual([session.id]);
    expect((await api.get(`/sessions/${session.id}`)).body.messageCount).toBe(0);
    expect((await api.get(`/sessions/${session.id}/messages`)).body.items).toEqual([]);
    await api.post(`/sessions/${session.id}/messages`, { role: 'user', content: 'after' }).expect(201);
  });
});
