import request from 'supertest';
import { API } from './factories/api.factory.js';
import { tokenFor } from './factories/token.factory.js';
import { useTestApp } from './utils/use-test-app.js';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('authentication', () => {
  const app = useTestApp();

  const call = (authorization?: string) => {
    const req = request(app.getHttpServer()).get(`${API}/sessions`);
    return authorization === undefined ? req : req.set('Authorization', authorization);
  };

  it.each([
    ['no header', undefined],
    ['a non-bearer scheme', 'Basic dXNlcjpwYXNz'],
    ['a malformed token', 'Bearer not.a.jwt'],
    ['a token signed with another secret', `Bearer ${tokenFor('u', { secret: 'another-secret-of-16-chars' })}`],
    ['an expired token', `Bearer ${tokenFor('u', { expiresIn: -10 })}`],
    ['alg none', `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'u', exp: 9999999999 })}.`],
    ['an empty sub', `Bearer ${tokenFor('')}`],
    ['a sub over 128 characters', `Bearer ${tokenFor('x'.repeat(129))}`],
    ['a sub holding U+0000', `Bearer ${tokenFor('eve\u0000')}`],
  ])('answers 401 with WWW-Authenticate: Bearer for %s', async (_label, header) => {
    const response = await call(header).expect(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.body).toMatchObject({ statusCode: 401, error: 'Unauthorized', code: 'UNAUTHENTICATED' });
  });

  it('accepts a valid token, and a sub of exactly 128 characters', async () => {
    await call(`Bearer ${tokenFor('x'.repeat(128))}`).expect(200);
  });

  it('leaves health and docs open', async () => {
    await request(app.getHttpServer()).get('/health/live').expect(200, { status: 'ok' });
    const ready = await request(app.getHttpServer()).get('/health/ready').expect(200);
    expect(ready.body.info).toMatchObject({ postgres: { status: 'up' }, redis: { state: 'up' } });
    await request(app.getHttpServer()).get('/docs').expect(200);
    const spec = await request(app.getHttpServer()).get('/docs-json').expect(200);
    expect(Object.keys(spec.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/sessions', '/api/v1/sessions/{id}', '/api/v1/sessions/{id}/messages', '/api/v1/sessions/{id}/messages/last']),
    );
    expect(spec.body.components.schemas.CreateSessionDto.properties.title).toMatchObject({ maxLength: 500 });
  });
});
