import request from 'supertest';
import { API, apiAs, createSession } from './factories/api.factory.js';
import { newUser, tokenFor, tokenWithClaims } from './factories/token.factory.js';
import { useTestApp } from './utils/use-test-app.js';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/**
 * The same token with its signature's last character changed in the bits base64url leaves unused
 * (an HS256 signature is 32 bytes: its last character carries 4 bits and 2 unused ones).
 */
function respelled(token: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(token.at(-1)!);
  return token.slice(0, -1) + alphabet[last ^ 1];
}

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
    ['a token without exp', `Bearer ${tokenWithClaims({ sub: 'u', iat: now() })}`],
    ['a token with exp 1e300', `Bearer ${tokenWithClaims({ sub: 'u', exp: 1e300 })}`],
    ['a token with a non-numeric exp', `Bearer ${tokenWithClaims({ sub: 'u', exp: 'never' })}`],
    ['a token whose nbf is in the future', `Bearer ${tokenWithClaims({ sub: 'u', nbf: now() + 120, exp: now() + 3600 })}`],
    ['a token whose iat is more than 60 s ahead', `Bearer ${tokenWithClaims({ sub: 'u', iat: now() + 120, exp: now() + 3600 })}`],
    ['a sub with a lone surrogate', `Bearer ${tokenFor('bob\ud800')}`],
    ['a sub with a control character (BEL)', `Bearer ${tokenFor('eve\u0007')}`],
    ['a sub with a control character (U+009F)', `Bearer ${tokenFor('eve\u009f')}`],
    ['a sub that is not a string', `Bearer ${tokenWithClaims({ sub: 42, exp: now() + 3600 })}`],
    ['a bearer scheme without a token', 'Bearer '],
    ['a valid token with = appended to its signature', `Bearer ${tokenFor('u')}=`],
    ['a valid token with == appended to its signature', `Bearer ${tokenFor('u')}==`],
    ['a valid token whose signature ends in another spelling of the same bytes', `Bearer ${respelled(tokenFor('u'))}`],
  ])('answers 401 with WWW-Authenticate: Bearer for %s', async (_label, header) => {
    const response = await call(header).expect(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.body).toMatchObject({ statusCode: 401, error: 'Unauthorized', code: 'UNAUTHENTICATED' });
  });

  it('accepts a valid token, and a sub of exactly 128 characters', async () => {
    await call(`Bearer ${tokenFor('x'.repeat(128))}`).expect(200);
  });

  it('accepts the Bearer scheme in any case', async () => {
    for (const scheme of ['bearer', 'BEARER', 'bEaReR']) await call(`${scheme} ${tokenFor('u')}`).expect(200);
  });

  it('accepts an iat a little ahead (clock skew within 60 s) and an nbf already passed', async () => {
    await call(`Bearer ${tokenWithClaims({ sub: 'u', iat: now() + 30, nbf: now() - 5, exp: now() + 3600 })}`).expect(200);
  });

  it("says, outside production, that a wrong signature does not match this service's secret", async () => {
    const response = await call(`Bearer ${tokenFor('u', { secret: 'another-secret-of-16-chars' })}`).expect(401);
    expect(response.body.message).toMatch("signature does not match this service's secret");
  });

  it.each([
    [
      'an expired token',
      () => tokenFor('u', { expiresIn: -10 }),
      /^Invalid token: the token expired at \d{4}-\d\d-\d\dT[\d:.]+Z: get a new one$/,
    ],
    ['a token without exp', () => tokenWithClaims({ sub: 'u', iat: now() }), /^Invalid token: the token has no exp claim$/],
    [
      'a token whose nbf is ahead',
      () => tokenWithClaims({ sub: 'u', nbf: now() + 120, exp: now() + 3600 }),
      /^Invalid token: the token is not valid before \d{4}-/,
    ],
    [
      'a token issued ahead',
      () => tokenWithClaims({ sub: 'u', iat: now() + 120, exp: now() + 3600 }),
      /^Invalid token: the token was issued in the future/,
    ],
  ])('says in its own words why %s is refused', async (_label, token, message) => {
    const response = await call(`Bearer ${token()}`).expect(401);
    expect(response.body.message).toMatch(message);
    expect(response.body.message).not.toMatch(/"exp"|"nbf"|"iat"|claim timestamp check failed/);
  });

  it.each(['abc.def.ghi', 'not.a.jwt', 'a.b'])('says that %s is a malformed token, not that keys could not be fetched', async (token) => {
    const response = await call(`Bearer ${token}`).expect(401);
    expect(response.body.message).toMatch(/^Invalid token: the token is malformed/);
  });

  it('keeps a sub with a lone surrogate away from the user whose id it would turn into (bob\\ufffd)', async () => {
    const realId = `${newUser('bob')}\ufffd`;
    const real = apiAs(app, realId);
    const session = await createSession(real, { title: 'mine' });
    await real.post(`/sessions/${session.id}/messages`, { items: [{ role: 'user', content: 'hi' }] }).expect(201);
    const forged = apiAs(app, `${realId.slice(0, -1)}\ud800`);

    expect((await forged.get('/sessions').expect(401)).headers['www-authenticate']).toBe('Bearer');
    await forged.get(`/sessions/${session.id}`).expect(401);
    await forged.patch(`/sessions/${session.id}`, { title: 'stolen' }).expect(401);
    await forged.post(`/sessions/${session.id}/messages`, { items: [{ role: 'user', content: 'forged' }] }).expect(401);
    await forged.delete(`/sessions/${session.id}`).expect(401);

    const after = await real.get(`/sessions/${session.id}`).expect(200);
    expect(after.body).toMatchObject({ title: 'mine', messageCount: 1 });
    expect((await real.get('/sessions').expect(200)).body.items.map((s: { id: string }) => s.id)).toEqual([session.id]);
  });

  it('still answers 403 to a valid token without the admin role on /admin routes, and not to an admin', async () => {
    const response = await apiAs(app, newUser()).get('/admin/cleanup/runs').expect(403);
    expect(response.body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
    await apiAs(app, newUser('ops'), ['admin']).get('/admin/cleanup/runs').expect(200);
  });

  it('leaves health and docs open', async () => {
    await request(app.getHttpServer()).get('/health/live').expect(200, { status: 'ok' });
    const ready = await request(app.getHttpServer()).get('/health/ready').expect(200);
    expect(ready.body.info).toMatchObject({ postgres: { status: 'up' }, redis: { state: 'up' } });
    await request(app.getHttpServer()).get('/docs').expect(200);
    const spec = await request(app.getHttpServer()).get('/docs-json').expect(200);
    expect(Object.keys(spec.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/sessions',
        '/api/v1/sessions/{id}',
        '/api/v1/sessions/{id}/messages',
        '/api/v1/sessions/{id}/messages/last',
      ]),
    );
    expect(spec.body.components.schemas.CreateSessionDto.properties.title).toMatchObject({ maxLength: 500 });
  });
});
