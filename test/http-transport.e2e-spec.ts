import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { connect, type AddressInfo } from 'node:net';
import request from 'supertest';
import { API } from './factories/api.factory.js';
import { tokenFor } from './factories/token.factory.js';
import { createTestApp } from './utils/create-test-app.js';

const ORIGIN = 'https://dashboard.example.com';

/** Opens a raw connection, writes `data` and nothing more, and returns what comes back until it closes. */
function rawExchange(port: number, data: string, waitMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(data));
    let answer = '';
    // Not a timing assertion: a bound on the wait, so that a server that never answers fails the test.
    const giveUp = setTimeout(() => {
      socket.destroy();
      resolve(answer);
    }, waitMs);
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('close', () => {
      clearTimeout(giveUp);
      resolve(answer);
    });
    socket.on('error', reject);
  });
}

/** The body of a raw HTTP answer, parsed. */
const bodyOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));

/** What the HTTP layer itself answers (timeouts, oversized headers, malformed requests), security headers, CORS. */
describe('HTTP transport (issue 9: timeouts, HTTP-layer errors, security headers, CORS)', () => {
  let app: NestFastifyApplication;
  let port: number;

  beforeAll(async () => {
    // Small bounds, so that a slow client is seen to be answered without waiting 10 s.
    app = await createTestApp({
      HTTP_HEADERS_TIMEOUT_MS: '300',
      HTTP_REQUEST_TIMEOUT_MS: '600',
      CORS_ORIGINS: `${ORIGIN}, https://other.example.com`,
    });
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(() => app.close());

  it('answers 408 in the API shape when the headers do not arrive in time, and closes the connection', async () => {
    const answer = await rawExchange(port, `GET ${API}/sessions HTTP/1.1\r\nHost: x\r\nX-Slow: `, 10_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(answer).toMatch(/\r\nConnection: close\r\n/i);
    expect(bodyOf(answer)).toEqual({ statusCode: 408, error: 'Request Timeout', message: expect.any(String), code: 'REQUEST_TIMEOUT' });
  });

  it('answers 408 in the API shape when the body does not arrive in time', async () => {
    // Authenticated: an unauthenticated request is answered 401 before its body is awaited.
    const head = `POST ${API}/sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tokenFor('slow-writer')}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n`;
    const answer = await rawExchange(port, `${head}{"title":`, 10_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(bodyOf(answer)).toMatchObject({ statusCode: 408, code: 'REQUEST_TIMEOUT' });
  });

  it('answers 431 in the API shape to headers over the limit', async () => {
    const answer = await rawExchange(port, `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 10_000);
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(bodyOf(answer)).toEqual({
      statusCode: 431,
      error: 'Request Header Fields Too Large',
      message: expect.any(String),
      code: 'HEADERS_TOO_LARGE',
    });
  });

  it('answers 400 in the API shape to a request that is not HTTP', async () => {
    const answer = await rawExchange(port, 'HELLO THERE\r\n\r\n', 10_000);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(bodyOf(answer)).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.any(String), code: 'MALFORMED_REQUEST' });
  });

  it('sends security headers with a CSP that allows same-origin scripts only, on answers and errors alike', async () => {
    for (const response of [
      await request(app.getHttpServer()).get('/health/live'),
      await request(app.getHttpServer()).get(`${API}/sessions`),
    ]) {
      const csp = response.headers['content-security-policy'];
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/script-src[^;]*unsafe/);
      expect(response.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'SAMEORIGIN' });
    }
  });

  it('serves /docs under that CSP: every script it loads comes from this origin and exists', async () => {
    const page = await request(app.getHttpServer()).get('/docs').expect(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const scripts = [...page.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, inline] of scripts) {
      expect(inline.trim()).toBe('');
      const src = /src=["']([^"']+)["']/.exec(attributes)![1];
      expect(src).not.toMatch(/^(https?:)?\/\//);
      await request(app.getHttpServer()).get(new URL(src, 'http://x/docs').pathname).expect(200);
    }
  });

  it('answers a CORS preflight from a listed origin and exposes ETag to it; an unlisted origin gets no CORS headers', async () => {
    const preflight = await request(app.getHttpServer())
      .options(`${API}/sessions`)
      .set('Origin', ORIGIN)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type,if-match');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(ORIGIN);
    const answer = await request(app.getHttpServer()).get('/health/live').set('Origin', ORIGIN);
    expect(answer.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(answer.headers['access-control-expose-headers']).toContain('ETag');
    const unlisted = await request(app.getHttpServer()).get('/health/live').set('Origin', 'https://evil.example.com');
    expect(unlisted.headers['access-control-allow-origin']).toBeUndefined();
  });

  describe('without CORS_ORIGINS', () => {
    let plain: NestFastifyApplication;
    beforeAll(async () => {
      plain = await createTestApp();
    });
    afterAll(() => plain.close());

    it('answers no origin with CORS headers, yet still sends the security headers', async () => {
      const preflight = await request(plain.getHttpServer())
        .options(`${API}/sessions`)
        .set('Origin', ORIGIN)
        .set('Access-Control-Request-Method', 'POST');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      const answer = await request(plain.getHttpServer()).get('/health/live').set('Origin', ORIGIN);
      expect(answer.headers['access-control-allow-origin']).toBeUndefined();
      expect(answer.headers['content-security-policy']).toContain("script-src 'self'");
    });
  });
});
