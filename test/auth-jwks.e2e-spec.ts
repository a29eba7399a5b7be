import { jest } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiAs, API } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { createTestApp } from './utils/create-test-app.js';
import request from 'supertest';

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'session-store';

type Alg = 'RS256' | 'ES256';
type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
interface Key {
  kid: string;
  alg: Alg;
  privateKey: PrivateKey;
  jwk: JWK;
}

async function newKey(kid: string, alg: Alg): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

function sign(key: Key, user: string, claims: { iss?: string; aud?: string; exp?: boolean } = {}): Promise<string> {
  // A jti per token: RS256 signatures are deterministic, and an identical string would be answered
  // from the verified-token reuse instead of being verified.
  const jwt = new SignJWT({ roles: [] })
    .setJti(randomUUID())
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .setSubject(user)
    .setIssuer(claims.iss ?? ISSUER)
    .setAudience(claims.aud ?? AUDIENCE)
    .setIssuedAt();
  return (claims.exp === false ? jwt : jwt.setExpirationTime('1h')).sign(key.privateKey);
}

/*
 * An identity provider served by the test on 127.0.0.1: its JWKS is whatever `published` holds,
 * and every fetch of it is counted, so the test sees when jose's cache goes back to it.
 */
describe('authentication with an identity provider (AUTH_JWKS_URL)', () => {
  let app: NestFastifyApplication;
  let provider: Server;
  let published: Key[] = [];
  let fetches = 0;
  let rsa: Key;
  let ec: Key;

  beforeAll(async () => {
    [rsa, ec] = await Promise.all([newKey('rsa-1', 'RS256'), newKey('ec-1', 'ES256')]);
    published = [rsa, ec];
    provider = createServer((_req, res) => {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published.map((key) => key.jwk) }));
    });
    await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
    const { port } = provider.address() as AddressInfo;
    app = await createTestApp({ AUTH_JWKS_URL: `http://127.0.0.1:${port}/jwks.json`, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE });
  });
  afterAll(async () => {
    await app.close();
    await new Promise((resolve) => provider.close(resolve));
  });

  const list = (token: string) => request(app.getHttpServer()).get(`${API}/sessions`).set('Authorization', `Bearer ${token}`);

  it('accepts RS256 and ES256 tokens signed by the provider, and the HS256 secret alongside', async () => {
    const user = newUser('idp');
    await apiAs(app, user).post('/sessions', { title: 'made with HS256' }).expect(201);
    for (const key of [rsa, ec]) {
      const { body } = await list(await sign(key, user)).expect(200);
      expect(body.items.map((s: { title: string }) => s.title)).toEqual(['made with HS256']);
    }
  });

  it.each([
    ['another issuer', { iss: 'https://evil.example.test/' }],
    ['another audience', { aud: 'another-service' }],
    ['no exp', { exp: false }],
  ])('answers 401 with WWW-Authenticate: Bearer to a provider token with %s', async (_label, claims) => {
    const response = await list(await sign(rsa, newUser(), claims)).expect(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  it('answers 401 to a token signed by a key the provider does not publish, under a kid it does', async () => {
    const impostor = await newKey(rsa.kid, 'RS256');
    await list(await sign(impostor, newUser())).expect(401);
  });

  it('follows a key rotation: a new kid is fetched once the cooldown has passed, a removed key stops working', async () => {
    const user = newUser('rotation');
    const before = await sign(rsa, user);
    await list(before).expect(200);
    const fetchesBefore = fetches;

    const rotated = await newKey('rsa-2', 'RS256');
    published = [rotated, ec];
    // jose refetches on an unknown kid only if its copy is older than its 30 s cooldown:
    // within it, the new key is unknown and the removed one still verifies from the cached set.
    await list(await sign(rotated, user)).expect(401);
    await list(await sign(rsa, user)).expect(200);
    expect(fetches).toBe(fetchesBefore);

    // Past the cooldown (jose reads Date.now; exp checks use new Date(), which stays real).
    const realNow = Date.now.bind(Date);
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 31_000);
    try {
      await list(await sign(rotated, user)).expect(200);
      expect(fetches).toBe(fetchesBefore + 1);
      // The refetched set no longer holds the old key: a token it signs is refused...
      await list(await sign(rsa, user)).expect(401);
      // ...except one verified before the rotation, reused until its exp, capped at 5 minutes.
      await list(before).expect(200);
    } finally {
      clock.mockRestore();
    }
  });
});
