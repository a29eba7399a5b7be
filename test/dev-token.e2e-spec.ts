import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { API } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { useTestApp } from './utils/use-test-app.js';

const PATH = `${API}/dev/token`;
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** The answer of a route that does not exist, as Nest gives it: the dev route must look exactly so. */
const absent = (method: string) => ({ statusCode: 404, error: 'Not Found', message: `Cannot ${method} ${PATH}`, code: 'NOT_FOUND' });

/** Every method, with a body a local client could use, from a client on another machine (an address of TEST-NET-1). */
function fromAnotherMachine(app: NestFastifyApplication, method: (typeof METHODS)[number], url = PATH) {
  return app.inject({ method, url, remoteAddress: '192.0.2.10', headers: { host: 'dev-box:3000' }, payload: { user: 'mallory' } });
}

async function expectEveryMethodAbsent(app: NestFastifyApplication): Promise<void> {
  for (const method of METHODS) {
    const verb = method.toLowerCase() as Lowercase<typeof method>;
    const response = await request(app.getHttpServer())[verb](PATH).send({ user: 'mallory' });
    expect({ method, status: response.status, body: response.body }).toEqual({ method, status: 404, body: absent(method) });
  }
  expect((await request(app.getHttpServer()).get('/dashboard/config').expect(200)).body).toEqual({ devSignIn: false });
}

describe('the development sign-in, in development with no secret configured', () => {
  // NODE_ENV is `test` in every spec; without AUTH_JWT_SECRET the development default signs.
  const app = useTestApp({ AUTH_JWT_SECRET: '' });
  const http = () => request(app.getHttpServer());

  it('is offered to this machine, and mints a token the API accepts as that user', async () => {
    expect((await http().get('/dashboard/config').expect(200)).body).toEqual({ devSignIn: true });
    expect((await http().get(PATH).expect(200)).body).toEqual({ available: true });
    const user = newUser('dev');
    const minted = await http().post(PATH).send({ user }).expect(200);
    expect(minted.body.expiresAt).toEqual(expect.any(String));
    const auth = { Authorization: `Bearer ${minted.body.token}` };
    const created = await http().post(`${API}/sessions`).set(auth).send({ title: 'mine' }).expect(201);
    const listed = await http().get(`${API}/sessions`).set(auth).expect(200);
    expect(listed.body.items.map((item: { id: string }) => item.id)).toEqual([created.body.id]);
  });

  it.each([
    ['no user', {}],
    ['an empty user', { user: '' }],
    ['a user of 129 characters', { user: 'u'.repeat(129) }],
    ['a control character', { user: 'a\u0007b' }],
    ['an unknown field', { user: 'a', roles: ['admin'] }],
  ])('refuses %s with 400', async (_, body) => {
    const response = await http().post(PATH).send(body).expect(400);
    expect(response.body.code).toBe('VALIDATION_FAILED');
  });

  it('answers a client on another machine as if it did not exist, on every method, before reading the body', async () => {
    for (const method of METHODS) {
      const response = await fromAnotherMachine(app, method);
      expect({ method, status: response.statusCode, body: response.json() }).toEqual({ method, status: 404, body: absent(method) });
    }
    // Malformed JSON would be a 400 had the body been read: the route would show itself.
    const malformed = await app.inject({
      method: 'POST',
      url: PATH,
      remoteAddress: '192.0.2.10',
      headers: { 'content-type': 'application/json' },
      payload: '{',
    });
    expect(malformed.statusCode).toBe(404);
    const config = await app.inject({ method: 'GET', url: '/dashboard/config', remoteAddress: '192.0.2.10' });
    expect(config.json()).toEqual({ devSignIn: false });
  });

  it.each([
    ['through a proxy on this machine (X-Forwarded-For)', { 'X-Forwarded-For': '203.0.113.7' }],
    ['through a proxy on this machine (Forwarded)', { Forwarded: 'for=203.0.113.7' }],
    ['from a page whose name was rebound to 127.0.0.1 (its own Host)', { Host: 'attacker.example:3000' }],
  ])('answers 404 to a loopback connection %s', async (_, headers) => {
    const response = await http().post(PATH).set(headers).send({ user: 'mallory' }).expect(404);
    expect(response.body).toEqual(absent('POST'));
    expect((await http().get('/dashboard/config').set(headers).expect(200)).body).toEqual({ devSignIn: false });
  });
});

describe('the development sign-in with AUTH_JWT_SECRET configured, outside production', () => {
  // The global test setup configures AUTH_JWT_SECRET: a token minted with it would be a real one.
  const app = useTestApp();

  it('does not exist: every method is 404, nothing is minted, and the dashboard is told', async () => {
    await expectEveryMethodAbsent(app);
  });
});

describe('the development sign-in with an identity provider (AUTH_JWKS_URL), outside production', () => {
  const app = useTestApp({
    AUTH_JWT_SECRET: '',
    AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json',
    AUTH_ISSUER: 'https://issuer.example/',
    AUTH_AUDIENCE: 'session-store',
  });

  it('does not exist: every method is 404', async () => {
    await expectEveryMethodAbsent(app);
  });
});

describe('the development sign-in in production', () => {
  const app = useTestApp({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'a-production-secret-of-enough-length' });

  it('does not exist: every method is 404, and nothing is minted', async () => {
    await expectEveryMethodAbsent(app);
  });
});
