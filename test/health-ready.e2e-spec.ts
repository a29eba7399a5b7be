import request from 'supertest';
import { apiAs, createSession } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { controlEnv, removeQueue } from './utils/control.js';
import { TcpProxy } from './utils/tcp-proxy.js';
import { useTestApp } from './utils/use-test-app.js';
import { waitFor } from './utils/wait-for.js';

describe('GET /health/ready through a Redis outage', () => {
  let proxy: TcpProxy;
  const app = useTestApp(
    async () => {
      proxy = await TcpProxy.start(process.env.REDIS_URL!);
      return controlEnv({ WORKER_ENABLED: 'false', REDIS_URL: proxy.url(process.env.REDIS_URL!) });
    },
    { beforeClose: removeQueue, afterClose: () => proxy.close() },
  );
  const ready = async () => {
    const response = await request(app.getHttpServer()).get('/health/ready');
    return { status: response.status, body: response.body };
  };

  it('reports the Redis queue down while Redis is, without failing readiness, and up again after', async () => {
    // Through the proxy, on a loaded machine, the client may still be connecting when the app is up.
    const before = await waitFor(ready, (answer) => answer.body.info?.redis?.state === 'up' && answer.body.info?.queue?.status === 'up', {
      what: 'Redis and the queue reported up',
    });
    expect(before.status).toBe(200);
    expect(before.body.info).toMatchObject({
      postgres: { status: 'up' },
      redis: { status: 'up', state: 'up' },
      queue: { status: 'up', kind: 'redis' },
    });

    await proxy.cut();
    const during = await waitFor(ready, (answer) => answer.body.details?.redis?.state === 'down', { what: 'Redis reported down' });
    // Readiness stays: PostgreSQL answers, and pulling every instance out for a Redis outage helps nobody.
    expect(during.status).toBe(200);
    expect(during.body.status).toBe('ok');
    expect(during.body.error).toEqual({
      redis: { status: 'down', state: 'down' },
      queue: { status: 'down', kind: 'redis', note: expect.stringContaining('starting sessions is refused') },
    });
    expect(during.body.info).not.toHaveProperty('queue');
    // What the note says is what happens.
    const api = apiAs(app, newUser());
    const session = await createSession(api);
    expect((await api.post(`/sessions/${session.id}/start`)).body).toMatchObject({ statusCode: 503, code: 'WORK_QUEUE_UNAVAILABLE' });

    await proxy.restore();
    const after = await waitFor(ready, (answer) => answer.body.details?.redis?.state === 'up', { what: 'Redis reported up again' });
    expect(after.body.info.queue).toEqual({ status: 'up', kind: 'redis' });
    expect(after.body.error).toEqual({});
  });
});
