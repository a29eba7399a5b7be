import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import http from 'node:http';
import request from 'supertest';
import { apiAs, createSession } from './factories/api.factory.js';
import { newUser, tokenFor } from './factories/token.factory.js';
import { controlEnv, removeQueue } from './utils/control.js';
import { createTestApp } from './utils/create-test-app.js';
import { baseUrlOf } from './utils/sse-client.js';
import { TcpProxy } from './utils/tcp-proxy.js';
import { waitFor } from './utils/wait-for.js';

/*
 * Fairness between users (issue 9, item 8): one user created 20,000 sessions in 15 s and 200
 * starts by one user held up another user's run. Each app gets a key prefix of its own, so the
 * counters of other test files and runs (same Redis database, same minute) never meet these.
 */
const LIMIT = 5;

/** Windows are whole minutes: a test that counts to the limit starts where its window cannot end mid-count. */
async function awayFromWindowEdge(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 10_000) await new Promise((resolve) => setTimeout(resolve, left + 100));
}

describe('per-user rate limit (RATE_LIMIT_PER_MINUTE)', () => {
  const env = controlEnv({ WORKER_ENABLED: 'false', RATE_LIMIT_PER_MINUTE: String(LIMIT) });
  let app: NestFastifyApplication;
  let second: NestFastifyApplication;

  beforeAll(async () => {
    [app, second] = await Promise.all([createTestApp(env), createTestApp(env)]);
  });
  afterAll(async () => {
    await removeQueue(app);
    await Promise.all([app.close(), second.close()]);
  });
  beforeEach(awayFromWindowEdge);

  it('answers 429 RATE_LIMITED with Retry-After and the RateLimit headers once a user used up the minute', async () => {
    const api = apiAs(app, newUser());
    for (let n = 1; n <= LIMIT; n++) {
      const ok = await api.get('/sessions').expect(200);
      expect(ok.headers['ratelimit-policy']).toBe(`"per-user";q=${LIMIT};w=60`);
      expect(ok.headers.ratelimit).toMatch(new RegExp(`^"per-user";r=${LIMIT - n};t=\\d+$`));
    }
    const refused = await api.get('/sessions').expect(429);
    expect(refused.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests', code: 'RATE_LIMITED' });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter >= 1 && retryAfter <= 60).toBe(true);
    expect(refused.headers.ratelimit).toBe(`"per-user";r=0;t=${retryAfter}`);
    expect(refused.headers['ratelimit-policy']).toBe(`"per-user";q=${LIMIT};w=60`);
    // Every route under /api/v1 counts, writes included; routes without a user (health) are not limited.
    await api.post('/sessions', { title: 'refused' }).expect(429);
    await request(app.getHttpServer()).get('/health/live').expect(200);
  });

  it('limits one user only: another user is unaffected', async () => {
    await awayFromWindowEdge();
    const greedy = apiAs(app, newUser());
    for (let n = 0; n <= LIMIT; n++) await greedy.get('/sessions');
    await greedy.get('/sessions').expect(429);
    const other = apiAs(app, newUser());
    const session = await createSession(other);
    await other.get(`/sessions/${session.id}`).expect(200);
  });

  it('holds across instances: what a user spent on one app counts on another sharing the Redis', async () => {
    await awayFromWindowEdge();
    const user = newUser();
    for (let n = 0; n < LIMIT; n++) await apiAs(app, user).get('/sessions').expect(200);
    const refused = await apiAs(second, user).get('/sessions').expect(429);
    expect(refused.body.code).toBe('RATE_LIMITED');
  });
});

describe('rate limit while Redis is unreachable', () => {
  let proxy: TcpProxy;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    proxy = await TcpProxy.start(process.env.REDIS_URL!);
    app = await createTestApp(
      controlEnv({ WORKER_ENABLED: 'false', RATE_LIMIT_PER_MINUTE: String(LIMIT), REDIS_URL: proxy.url(process.env.REDIS_URL!) }),
    );
  });
  afterAll(async () => {
    await removeQueue(app);
    await app.close();
    await proxy.close();
  });

  it('lets requests pass (fails open), and limits again once Redis is back', async () => {
    const api = apiAs(app, newUser());
    await api.get('/sessions').expect(200);
    await proxy.cut();
    for (let n = 0; n < 3 * LIMIT; n++) await api.get('/sessions').expect(200);
    await proxy.restore();
    const refused = await waitFor(
      () => api.get('/sessions'),
      (response) => response.status === 429,
      { timeoutMs: 20_000, what: 'a 429 once Redis is back' },
    );
    expect(refused.body.code).toBe('RATE_LIMITED');
    expect(refused.headers['retry-after']).toBeDefined();
  });
});

/*
 * The largest legal appends from one user, as fast as the request limit allows, took the
 * instances' CPU from everyone else: bodies are counted too, per user, in KiB.
 */
describe('per-user budget of request bodies (RATE_LIMIT_BODY_MIB_PER_MINUTE)', () => {
  let app: NestFastifyApplication;
  const KIB_300 = 'x'.repeat(300 * 1024);

  beforeAll(async () => {
    app = await createTestApp(controlEnv({ WORKER_ENABLED: 'false', RATE_LIMIT_PER_MINUTE: '1000', RATE_LIMIT_BODY_MIB_PER_MINUTE: '1' }));
  });
  afterAll(async () => {
    await removeQueue(app);
    await app.close();
  });
  beforeEach(awayFromWindowEdge);

  it('refuses a body past the budget before reading it: 429 with Retry-After, nothing stored, other users unaffected', async () => {
    const api = apiAs(app, newUser());
    const session = await createSession(api);
    for (let n = 0; n < 3; n++) await api.post(`/sessions/${session.id}/messages`, { role: 'user', content: KIB_300 }).expect(201);
    const refused = await api.post(`/sessions/${session.id}/messages`, { role: 'user', content: KIB_300 }).expect(429);
    expect(refused.body.code).toBe('RATE_LIMITED');
    expect(refused.body.message).toContain('1 MiB of bodies a minute');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.headers['ratelimit-policy']).toBe('"per-user-body-kib";q=1024;w=60');
    // Reads carry no body: they still pass, and show the three appends only.
    const read = await api.get(`/sessions/${session.id}`).expect(200);
    expect(read.body.messageCount).toBe(3);

    const other = apiAs(app, newUser());
    const theirs = await createSession(other);
    await other.post(`/sessions/${theirs.id}/messages`, { role: 'user', content: KIB_300 }).expect(201);
  });

  it('counts a body sent without Content-Length (chunked) once it is parsed', async () => {
    const owner = newUser();
    const created = await apiAs(app, owner).post('/sessions', { title: 'chunked' }).expect(201);
    const { port } = new URL(await baseUrlOf(app));
    const chunked = (content: string) =>
      new Promise<number>((resolve, reject) => {
        const sent = http.request(
          {
            host: '127.0.0.1',
            port: Number(port),
            method: 'POST',
            path: `/api/v1/sessions/${created.body.id}/messages`,
            headers: { authorization: `Bearer ${tokenFor(owner)}`, 'content-type': 'application/json' },
          },
          (response) => {
            response.resume();
            response.on('end', () => resolve(response.statusCode ?? 0));
          },
        );
        sent.on('error', reject);
        // Written in two parts with no length given: Node sends it chunked.
        const body = JSON.stringify({ role: 'user', content });
        sent.write(body.slice(0, 1000));
        sent.end(body.slice(1000));
      });
    expect([await chunked(KIB_300), await chunked(KIB_300), await chunked(KIB_300)]).toEqual([201, 201, 201]);
    // 900 KiB so far: the next one is parsed, counted past the budget and refused, nothing stored.
    expect(await chunked(KIB_300)).toBe(429);
    const read = await apiAs(app, owner).get(`/sessions/${created.body.id}`).expect(200);
    expect(read.body.messageCount).toBe(3);
  });

  it('counts each item of a batch as at least 1 KiB: many tiny items are not nearly free', async () => {
    const api = apiAs(app, newUser());
    const session = await createSession(api);
    const items = (n: number) => ({ items: Array.from({ length: n }, () => ({ role: 'user', content: 'x' })) });
    // 600 tiny items: about 17 KiB of body, counted as 600 KiB. A second batch passes the 1 MiB.
    await api.post(`/sessions/${session.id}/messages`, items(600)).expect(201);
    const refused = await api.post(`/sessions/${session.id}/messages`, items(600)).expect(429);
    expect(refused.body.code).toBe('RATE_LIMITED');
    expect((await api.get(`/sessions/${session.id}`).expect(200)).body.messageCount).toBe(600);
  });
});
