import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { apiAs, createSession } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { controlEnv, removeQueue } from './utils/control.js';
import { createTestApp } from './utils/create-test-app.js';

/* The quotas over HTTP (issue 9, item 8): 429 QUOTA_EXCEEDED with Retry-After, and nothing changed. */
describe('per-user quotas (MAX_SESSIONS_PER_USER, MAX_RUNNING_PER_USER)', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    // No worker: started sessions stay running, so the running quota stays full.
    app = await createTestApp(controlEnv({ WORKER_ENABLED: 'false', MAX_SESSIONS_PER_USER: '3', MAX_RUNNING_PER_USER: '2' }));
  });
  afterAll(async () => {
    await removeQueue(app);
    await app.close();
  });

  it('refuses a create past MAX_SESSIONS_PER_USER with 429 QUOTA_EXCEEDED, and a delete makes room', async () => {
    const api = apiAs(app, newUser());
    const kept = [await createSession(api), await createSession(api), await createSession(api)];
    const refused = await api.post('/sessions', { title: 'one too many' }).expect(429);
    expect(refused.body).toMatchObject({ statusCode: 429, code: 'QUOTA_EXCEEDED', quota: 'MAX_SESSIONS_PER_USER', limit: 3 });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await api.get('/sessions').expect(200)).body.items).toHaveLength(3);

    await api.delete(`/sessions/${kept[0].id}`).expect(204);
    await createSession(api);
    // Another user has a quota of their own.
    await createSession(apiAs(app, newUser()));
  });

  it('refuses a start past MAX_RUNNING_PER_USER with 429 QUOTA_EXCEEDED; the session stays created; an ended run makes room', async () => {
    const api = apiAs(app, newUser());
    const [first, second, third] = [await createSession(api), await createSession(api), await createSession(api)];
    await api.post(`/sessions/${first.id}/start`).expect(202);
    await api.post(`/sessions/${second.id}/start`).expect(202);
    const refused = await api.post(`/sessions/${third.id}/start`).expect(429);
    expect(refused.body).toMatchObject({ statusCode: 429, code: 'QUOTA_EXCEEDED', quota: 'MAX_RUNNING_PER_USER', limit: 2 });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await api.get(`/sessions/${third.id}`).expect(200)).body.status).toBe('created');
    expect((await api.get(`/sessions/${third.id}/transitions`).expect(200)).body.items).toEqual([]);
    // A session that could not start anyway keeps its own answer.
    await api.post(`/sessions/${first.id}/start`).expect(409);

    await api.post(`/sessions/${first.id}/kill`).expect(202);
    await api.post(`/sessions/${third.id}/start`).expect(202);
  });
});
