import request from 'supertest';
import { API, createSession, type Api, newUserApi } from './factories/api.factory.js';
import { tokenFor } from './factories/token.factory.js';
import { useTestApp } from './utils/use-test-app.js';

/** Each bad request gets its 4xx, never a 500, and nothing is stored. */
describe('bad input', () => {
  const app = useTestApp({ BODY_LIMIT_BYTES: '4096' });
  let user: string;
  let api: Api;

  beforeEach(() => ({ user, api } = newUserApi(app)));

  const raw = (path: string, body: string, contentType: string) =>
    request(app.getHttpServer())
      .post(API + path)
      .set('Authorization', `Bearer ${tokenFor(user)}`)
      .set('Content-Type', contentType)
      .send(body);
  const sessionCount = async () => (await api.get('/sessions').expect(200)).body.items.length;

  it.each([
    ['a title', '/sessions', '{"title":"a\\u0000b"}', 'title'],
    ['a problem statement', '/sessions', '{"problemStatement":"\\u0000"}', 'problemStatement'],
    ['a session key', '/sessions', '{"key":"k\\u0000"}', 'key'],
  ])('refuses U+0000 in %s (a typed string) with 400 naming the field', async (_label, path, body, field) => {
    const response = await raw(path, body, 'application/json').expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, message: [`${field} must not contain U+0000`] });
    expect(await sessionCount()).toBe(0);
  });

  it.each([
    ['U+0000 in a role', '{"role":"u\\u0000","content":"x"}', 'role must not contain U+0000'],
    ['U+0000 in a role of a batch', '{"items":[{"role":"u\\u0000","content":"x"}]}', 'items.0.role must not contain U+0000'],
    ['a number that overflows to Infinity where a typed value belongs', '{"role":1e400,"content":1e400}', 'role must be a finite number'],
  ])('refuses %s with 400 and appends nothing', async (_label, body, message) => {
    const { id } = await createSession(api);
    const response = await raw(`/sessions/${id}/messages`, body, 'application/json').expect(400);
    expect(response.body.message).toEqual([message]);
    expect((await api.get(`/sessions/${id}`)).body.messageCount).toBe(0);
  });

  it('refuses an infinite ttlSeconds with 400', async () => {
    const response = await raw('/sessions', '{"ttlSeconds":1e400}', 'application/json').expect(400);
    expect(response.body.message).toEqual(['ttlSeconds must be a finite number']);
    expect(await sessionCount()).toBe(0);
  });

  it('accepts an escaped backslash followed by u0000, which is not a NUL', async () => {
    const response = await raw('/sessions', '{"title":"C:\\\\u0000"}', 'application/json').expect(201);
    expect(response.body.title).toBe('C:\\u0000');
  });

  it('refuses a body nested deeper than the deepest free-form value may sit (515 levels) with 400, even 2000 deep', async () => {
    const { id } = await createSession(api);
    const nested = (levels: number) => `{"role":"user","content":${'['.repeat(levels)}${']'.repeat(levels)}}`;
    for (const levels of [515, 2000]) {
      const response = await raw(`/sessions/${id}/messages`, nested(levels), 'application/json').expect(400);
      expect(response.body.message).toBe('Body must not nest deeper than 515 levels');
    }
    expect((await api.get(`/sessions/${id}`)).body.messageCount).toBe(0);
  });

  it('answers 413 to a body over BODY_LIMIT_BYTES', async () => {
    const response = await api.post('/sessions', { title: 'x', problemStatement: 'y'.repeat(5000) }).expect(413);
    expect(response.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(await sessionCount()).toBe(0);
  });

  it.each([
    ['text/plain', 'hello'],
    ['application/x-www-form-urlencoded', 'title=x'],
    ['application/xml', '<title>x</title>'],
  ])('answers 415 to a %s body', async (contentType, body) => {
    const response = await raw('/sessions', body, contentType).expect(415);
    expect(response.body).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(response.body.message).toContain('Content-Type: application/json');
    expect(await sessionCount()).toBe(0);
  });

  it('answers 400 to malformed JSON', async () => {
    const response = await raw('/sessions', '{"title": ', 'application/json').expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, message: 'Body is not valid JSON' });
    expect(await sessionCount()).toBe(0);
  });

  it.each([
    ['a JSON array', '[1,2]'],
    ['a JSON string', '"title"'],
    ['JSON null', 'null'],
  ])('answers 400 to %s as the body', async (_label, body) => {
    await raw('/sessions', body, 'application/json').expect(400);
    expect(await sessionCount()).toBe(0);
  });

  it('answers 404 to malformed ids on every session route', async () => {
    for (const path of ['/sessions/123', '/sessions/123/messages', "/sessions/'%20OR%201=1--"]) {
      const response = await api.get(path);
      expect(response.status).toBe(404);
    }
    await api.patch('/sessions/zzz', { title: 'x' }).expect(404);
    await api.delete('/sessions/zzz').expect(404);
    await api.post('/sessions/zzz/messages', { role: 'user', content: 'x' }).expect(404);
  });

  it('refuses PATCH {"metadata":null} with 400 and keeps the metadata', async () => {
    const { id } = await createSession(api, { metadata: { kept: true } });
    const patched = await api.patch(`/sessions/${id}`, { metadata: null }).expect(400);
    expect(patched.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    expect((await api.get(`/sessions/${id}`).expect(200)).body.metadata).toEqual({ kept: true });
  });

  it.each([['{"items":null}'], ['{"items":null,"role":"user"}']])('refuses messages %s with 400 and appends nothing', async (body) => {
    const { id } = await createSession(api);
    const response = await raw(`/sessions/${id}/messages`, body, 'application/json').expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    expect((await api.get(`/sessions/${id}`)).body.messageCount).toBe(0);
  });

  it('answers 404 in the same shape to an unknown route', async () => {
    const response = await api.get('/nope').expect(404);
    expect(response.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });
});
