import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { API } from './factories/api.factory.js';
import { newUser, tokenFor } from './factories/token.factory.js';
import { createTestApp } from './utils/create-test-app.js';

/*
 * Authentication runs before the body is read, so an unauthenticated client cannot make the
 * service parse anything. Shown without timing: a body that parsing would refuse (bad JSON,
 * over the limit, wrong media type) gets the 401, not the parser's 400, 413 or 415.
 */
describe('authentication before the body', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await createTestApp({ BODY_LIMIT_BYTES: '1024' });
  });
  afterAll(() => app.close());

  const post = (authorization: string | undefined, contentType: string, body: string) => {
    const req = request(app.getHttpServer()).post(`${API}/sessions`).set('Content-Type', contentType);
    return (authorization === undefined ? req : req.set('Authorization', authorization)).send(body);
  };

  it.each([
    ['invalid JSON', 'application/json', '{"title": '],
    ['a body over BODY_LIMIT_BYTES', 'application/json', JSON.stringify({ title: 'x'.repeat(4096) })],
    ['an unsupported media type', 'text/plain', 'hello'],
  ])("answers 401, not the parser's error, to an unauthenticated request with %s", async (_label, contentType, body) => {
    for (const authorization of [undefined, `Bearer ${tokenFor('u', { secret: 'another-secret-of-16-chars' })}`]) {
      const response = await post(authorization, contentType, body).expect(401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
      expect(response.body).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED' });
    }
  });

  it('still parses and refuses the same bodies once authenticated (400, 413, 415)', async () => {
    const auth = `Bearer ${tokenFor(newUser())}`;
    await post(auth, 'application/json', '{"title": ').expect(400);
    await post(auth, 'application/json', JSON.stringify({ title: 'x'.repeat(4096) })).expect(413);
    await post(auth, 'text/plain', 'hello').expect(415);
    await post(auth, 'application/json', JSON.stringify({ title: 'fits' })).expect(201);
  });
});
