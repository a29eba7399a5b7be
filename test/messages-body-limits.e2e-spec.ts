import request from 'supertest';
import { type Api, userWithSession } from './factories/api.factory.js';
import { useTestApp } from './utils/use-test-app.js';

// MESSAGES_BODY_LIMIT_BYTES (POST/PUT of messages) beside BODY_LIMIT_BYTES (every other route).
describe('body limits of history writes, by default', () => {
  const app = useTestApp();
  let api: Api;
  let id: string;

  beforeEach(async () => ({ api, id } = await userWithSession(app)));

  it('stores a 2 MB message and a 1.5 MB screenshot (an input_image data URL), and gives them back as sent', async () => {
    const big = { role: 'user', content: 'x'.repeat(2 * 1024 * 1024) };
    const image = {
      role: 'user',
      content: [
        { type: 'input_text', text: 'what is on this screen?' },
        { type: 'input_image', image: `data:image/png;base64,${Buffer.alloc(1_100_000, 7).toString('base64')}`, detail: 'auto' },
      ],
    };
    await api.post(`/sessions/${id}/messages`, big).expect(201);
    await api.put(`/sessions/${id}/messages`, { items: [big, image] }).expect(200);
    const all = await api.get(`/sessions/${id}/messages?limit=all`).expect(200);
    expect(all.body.items.map((m: { role: string; content: unknown }) => ({ role: m.role, content: m.content }))).toEqual([big, image]);
  });

  it('keeps the 1 MiB limit on the other routes', async () => {
    const response = await api.post('/sessions', { title: 'x', problemStatement: 'y'.repeat(1024 * 1024) }).expect(413);
    expect(response.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    await api.patch(`/sessions/${id}`, { metadata: { blob: 'y'.repeat(1024 * 1024) } }).expect(413);
  });

  it("documents the history's headers in the OpenAPI document", async () => {
    const { body: spec } = await request(app.getHttpServer()).get('/docs-json').expect(200);
    const route = spec.paths['/api/v1/sessions/{id}/messages'];
    const headers = (operation: { parameters: Array<{ in: string; name: string }> }) =>
      operation.parameters.filter((p) => p.in === 'header').map((p) => p.name);
    expect(headers(route.post).sort()).toEqual(['Idempotency-Key', 'If-Match']);
    expect(headers(route.put).sort()).toEqual(['Idempotency-Key', 'If-Match']);
    expect(headers(route.delete)).toEqual(['If-Match']);
    expect(headers(spec.paths['/api/v1/sessions/{id}/messages/last'].delete)).toEqual(['If-Match']);
    for (const [operation, status] of [
      [route.post, '201'],
      [route.put, '200'],
      [route.get, '200'],
      [route.delete, '204'],
    ]) {
      expect(operation.responses[status].headers.ETag).toBeDefined();
    }
    expect(route.post.responses['412']).toBeDefined();
    expect(route.put.responses['413']).toBeDefined();
    expect(spec.components.schemas.AppendMessagesDto.properties.replaceFromSeq).toMatchObject({ minimum: 1 });
  });
});

describe('body limits of history writes, set small', () => {
  const app = useTestApp({ BODY_LIMIT_BYTES: '4096', MESSAGES_BODY_LIMIT_BYTES: '65536' });
  let api: Api;
  let id: string;

  beforeEach(async () => ({ api, id } = await userWithSession(app)));

  const stored = async () => (await api.get(`/sessions/${id}/messages?limit=all`).expect(200)).body.items;

  it('takes messages over BODY_LIMIT_BYTES up to MESSAGES_BODY_LIMIT_BYTES, on POST and PUT', async () => {
    await api.post(`/sessions/${id}/messages`, { role: 'user', content: 'a'.repeat(30_000) }).expect(201);
    await api.put(`/sessions/${id}/messages`, { items: [{ role: 'user', content: 'b'.repeat(60_000) }] }).expect(200);
    expect((await stored()).map((m: { content: string }) => m.content.length)).toEqual([60_000]);
  });

  it('answers 413 past MESSAGES_BODY_LIMIT_BYTES and stores nothing; other routes keep BODY_LIMIT_BYTES', async () => {
    const post = await api.post(`/sessions/${id}/messages`, { items: [{ role: 'user', content: 'a'.repeat(70_000) }] }).expect(413);
    expect(post.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    await api.put(`/sessions/${id}/messages`, { items: [{ role: 'user', content: 'a'.repeat(70_000) }] }).expect(413);
    expect(await stored()).toEqual([]);
    await api.patch(`/sessions/${id}`, { metadata: { blob: 'y'.repeat(5000) } }).expect(413);
    await api.post('/sessions', { title: 'x', problemStatement: 'y'.repeat(5000) }).expect(413);
  });
});
