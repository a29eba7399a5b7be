import request from 'supertest';
import { API, apiAs, createSession, type Api } from './factories/api.factory.js';
import { newUser, tokenFor } from './factories/token.factory.js';
import { useTestApp } from './utils/use-test-app.js';

/** Each bad request gets its 4xx, never a 500, and nothing is stored. */
describe('bad input', () => {
  const app = useTestApp({ BODY_LIMIT_BYTES: '4096' });
  let user: string;
  let api: Api;

  beforeEach(() => {
    user = newUser();
    api = apiAs(app, user);
  });

  const raw = (path: string, body: string, contentType: string) =>
    request(app.getHttpServer())
      .post(API + path)
      .set('Authorization', `Bearer ${tokenFor(user)}`)
      .set('Content-Type', contentType)
      .send(body);
  const sessionCount = async () => (await api.get('/sessions').expect(200)).body.items.length;

  it.each([
    ['in a title', '{"title":"a\\u0000b"}'],
    ['in a context value', '{"context":{"nested":["ok","bad\\u0000"]}}'],
    ['in a metadata key', '{"metadata":{"k\\u0000":1}}'],
  ])('refuses U+0000 %s with 400', async (_label, body) => {
    const response = await raw('/sessions', body, 'application/json').expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, message: 'Strings must not contain U+0000' });
    expect(await sessionCount()).toBe(0);
  });

  it('refuses U+0000 in message content and appends nothing', async () => {
    const { id } = await createSession(api);
    await raw(`/sessions/${id}/messages`, '{"role":"user","content":[{"text":"x\\u0000"}]}', 'application/json').expect(400);
    expect((await api.get(`/sessions/${id}`)).body.messageCount).toBe(0);
  });

  it.each([
    ['a number that overflows to Infinity', '{"role":"user","content":1e400}', 'Numbers must be finite'],
    ['a lone surrogate in content', '{"role":"user","content":"\\ud800x"}', 'a value was not accepted by the database'],
  ])('refuses %s in a message with 400 and appends nothing', async (_label, body, message) => {
    const { id } = await createSession(api);
    const response = await raw(`/sessions/${id}/messages`, body, 'application/json').expect(400);
    expect(response.body.message).toBe(message);
    expect((await api.get(`/sessions/${id}`)).body.messageCount).toBe(0);
  });

  it('accepts an escaped backslash followed by u0000, which is not a NUL', async () => {
    const response = await raw('/sessions', '{"title":"C:\\\\u0000"}', 'application/json').expect(201);
    expect(response.body.title).toBe('C:\\u0000');
  });

  it('refuses a body nested deeper than 64 levels with 400, even 2000 deep, and accepts one 64 deep', async () => {
    const { id } = await createSession(api);
    const nested = (levels: number) => `{"role":"user","content":${'['.repeat(levels)}${']'.repeat(levels)}}`;
    for (const levels of [64, 2000]) {
      const response = await raw(`/sessions/${id}/messages`, nested(levels), 'application/json').expect(400);
      expect(response.body.message).toBe('Body must not nest deeper than 64 levels');
    }
    await raw(`/sessions/${id}/messages`, nested(63), 'application/json').expect(201);
    expect((await api.get(`/sessions/${id}`)).body.messageCount).toBe(1);
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
