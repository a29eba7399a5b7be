import request from 'supertest';
import { API, apiAs, createSession } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { useTestApp } from './utils/use-test-app.js';

describe('POST /api/v1/dev/token (the dashboard\'s "sign in as", development only)', () => {
  const app = useTestApp();
  const http = () => request(app.getHttpServer());

  it('is offered without a token and mints one that the API accepts as that user', async () => {
    expect((await http().get(`${API}/dev/token`).expect(200)).body).toEqual({ available: true });
    const user = newUser('dev');
    const session = await createSession(apiAs(app, user), { title: 'mine' });

    const minted = await http().post(`${API}/dev/token`).send({ user }).expect(200);
    expect(minted.body.expiresAt).toEqual(expect.any(String));
    const listed = await http().get(`${API}/sessions`).set('Authorization', `Bearer ${minted.body.token}`).expect(200);
    expect(listed.body.items.map((item: { id: string }) => item.id)).toEqual([session.id]);
  });

  it.each([
    ['no user', {}],
    ['an empty user', { user: '' }],
    ['a user of 129 characters', { user: 'u'.repeat(129) }],
    ['a control character', { user: 'a\u0007b' }],
    ['an unknown field', { user: 'a', roles: ['admin'] }],
  ])('refuses %s with 400', async (_, body) => {
    const response = await http().post(`${API}/dev/token`).send(body).expect(400);
    expect(response.body.code).toBe('VALIDATION_FAILED');
  });
});

describe('POST /api/v1/dev/token in production', () => {
  const app = useTestApp({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'a-production-secret-of-enough-length' });

  it('does not exist: 404, and nothing is minted', async () => {
    await request(app.getHttpServer()).get(`${API}/dev/token`).expect(404);
    const response = await request(app.getHttpServer()).post(`${API}/dev/token`).send({ user: 'mallory' }).expect(404);
    expect(response.body).not.toHaveProperty('token');
  });
});
