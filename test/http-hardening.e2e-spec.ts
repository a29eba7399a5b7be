import { jest } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { JsonText } from '../src/common/json-text.js';
import { MessagesService } from '../src/messages/messages.service.js';
import { SessionsService } from '../src/sessions/sessions.service.js';
import { API, createSession, type Api, newUserApi } from './factories/api.factory.js';
import { tokenFor } from './factories/token.factory.js';
import { useTestApp } from './utils/use-test-app.js';

type Json = Record<string, any>;

/** Bodies are handled in linear time, kept exactly as sent where free-form, refused clearly elsewhere. */
describe('HTTP body handling (issue 9: items 2 and 7, bodies on body-less routes, UTF-8)', () => {
  const app = useTestApp();
  let user: string;
  let api: Api;

  beforeEach(() => ({ user, api } = newUserApi(app)));
  afterEach(() => jest.restoreAllMocks());

  const raw = (method: 'post' | 'patch' | 'delete', path: string, body: string) =>
    request(app.getHttpServer())
      [method](API + path)
      .set('Authorization', `Bearer ${tokenFor(user)}`)
      .set('Content-Type', 'application/json')
      .send(body);

  /** Every object JSON.parse returns while `send` runs: the body as the parser produced it is among them. */
  async function parsedBodiesDuring(send: () => Promise<unknown>): Promise<Json[]> {
    const parse = jest.spyOn(JSON, 'parse');
    await send();
    const results = parse.mock.results.map((result) => result.value as Json);
    parse.mockRestore();
    return results.filter((value) => value && typeof value === 'object');
  }

  it('refuses the 1 MB body of 70k keys on kill with 400 naming the unknown field, and leaves the parsed body unwalked', async () => {
    const junk: Json = { constructor: 'first' };
    for (let i = 0; i < 70000; i++) junk[`k${i}`] = i;
    const text = JSON.stringify({ junk });
    expect(text.length).toBeGreaterThan(1_000_000);
    let response: request.Response | undefined;
    const parsed = await parsedBodiesDuring(async () => {
      response = await raw('post', '/sessions/00000000-0000-4000-8000-000000000000/kill', text);
    });
    expect(response!.status).toBe(400);
    expect(response!.body).toMatchObject({ message: ['property junk should not exist'], code: 'VALIDATION_FAILED' });
    // Nothing rewrote the parsed body on its way to the 400 (NestJS's ValidationPipe deleted keys in place).
    const body = parsed.find((value) => value.junk);
    expect(Object.keys(body!.junk)).toHaveLength(70001);
    expect(body!.junk.constructor).toBe('first');
  });

  it('hands free-form JSON to the service as the exact text the client sent, cut out of the body', async () => {
    const create = jest.spyOn(app.get(SessionsService), 'create');
    const context = '{"a": [1, {"b":2}], "1":0}';
    const metadata = '{ "m" : {"n":"x"} }';
    await raw('post', '/sessions', `{"title":"t","context":  ${context}  ,"metadata":${metadata}}`).expect(201);
    const dto = create.mock.calls[0][1];
    expect(dto.context).toBeInstanceOf(JsonText);
    expect([dto.context!.text, dto.metadata!.text]).toEqual([context, metadata]);

    const append = jest.spyOn(app.get(MessagesService), 'append');
    const { id } = await createSession(api);
    const content = '[{"type":"text","text":"hi"}]';
    await raw('post', `/sessions/${id}/messages`, `{"items":[{"role":"user","content":${content},"metadata":{"k":1}}]}`).expect(201);
    const appended = append.mock.calls[0][2];
    expect([appended.items![0].content.text, appended.items![0].metadata!.text]).toEqual([content, '{"k":1}']);
  });

  // Keys with the names of built-ins, at every depth (compared as JS values here; as text in exact-json.e2e-spec.ts).
  const BUILT_IN_KEYS =
    '{"constructor":"keep me","list":[{"constructor":1,"b":2}],"__proto__":{"polluted":true},"prototype":{"x":1},' +
    '"toString":"t","valueOf":0,"hasOwnProperty":false,"nested":{"__proto__":[1],"constructor":{"prototype":null}}}';
  const sorted = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(sorted)
      : value && typeof value === 'object'
        ? Object.keys(value)
            .sort()
            .map((key) => [key, sorted((value as Json)[key])])
        : value;

  it('keeps keys named __proto__, constructor, prototype, toString... in stored JSON, without polluting Object.prototype', async () => {
    const expected = sorted(JSON.parse(BUILT_IN_KEYS));
    const created = await raw('post', '/sessions', `{"title":"b","context":${BUILT_IN_KEYS},"metadata":${BUILT_IN_KEYS}}`).expect(201);
    const message = await raw(
      'post',
      `/sessions/${created.body.id}/messages`,
      `{"role":"user","content":${BUILT_IN_KEYS},"metadata":${BUILT_IN_KEYS}}`,
    ).expect(201);
    const session = (await api.get(`/sessions/${created.body.id}`).expect(200)).body;
    const [stored] = (await api.get(`/sessions/${created.body.id}/messages`).expect(200)).body.items;
    for (const value of [
      created.body.context,
      created.body.metadata,
      session.context,
      session.metadata,
      message.body.items[0].content,
      stored.content,
      stored.metadata,
    ]) {
      expect(sorted(value)).toEqual(expected);
    }
    expect(({} as Json).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
  });

  it('refuses a body on a route that takes none with 400 naming the field; none, or {}, is fine', async () => {
    const { id } = await createSession(api);
    const response = await api.post(`/sessions/${id}/start`, { foo: 1 }).expect(400);
    expect(response.body).toMatchObject({ message: ['property foo should not exist'], code: 'VALIDATION_FAILED' });
    await raw('delete', `/sessions/${id}`, '{"bar":true}').expect(400);
    expect((await api.get(`/sessions/${id}`).expect(200)).body.status).toBe('created');
    await api.post(`/sessions/${id}/start`, {}).expect(202);
    const other = await createSession(api);
    await api.post(`/sessions/${other.id}/start`).expect(202);
  });

  it('refuses a body that is not valid UTF-8 with 400 instead of storing U+FFFD, and keeps well-formed text', async () => {
    const bytes = Buffer.concat([Buffer.from('{"title":"a'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    // supertest would send a Buffer as JSON of its bytes: these bytes go as they are.
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}${API}/sessions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tokenFor(user)}`, 'Content-Type': 'application/json' },
      body: bytes,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ message: 'Body is not valid UTF-8', code: 'VALIDATION_FAILED' });
    expect((await api.get('/sessions').expect(200)).body.items).toHaveLength(0);
    // Well-formed text outside the BMP (a surrogate pair when escaped) is kept.
    expect((await raw('post', '/sessions', '{"title":"\\ud83d\\ude00 ok"}').expect(201)).body.title).toBe('😀 ok');
  });

  it.each([
    ['a title', 'post', '/sessions', '{"title":"a\\ud800"}', 'title'],
    ['a problemStatement', 'post', '/sessions', '{"problemStatement":"\\udc00b"}', 'problemStatement'],
    ['a PATCHed title', 'patch', '/sessions/:id', '{"title":"x\\ud83d"}', 'title'],
    ['a message role', 'post', '/sessions/:id/messages', '{"role":"us\\ud800er","content":"x"}', 'role'],
    [
      'a role inside a batch',
      'post',
      '/sessions/:id/messages',
      '{"items":[{"role":"user","content":"x"},{"role":"\\ud800","content":"y"}]}',
      'items.1.role',
    ],
    ['a kill reason', 'post', '/sessions/:id/kill', '{"reason":"\\ud800"}', 'reason'],
  ] as const)(
    'refuses a lone surrogate in %s with 400 naming the field, and changes nothing',
    async (_label, method, path, body, field) => {
      const session = await createSession(api);
      const response = await raw(method, path.replace(':id', session.id), body).expect(400);
      expect(response.body.message).toEqual([`${field} must be well-formed Unicode (it holds a lone surrogate)`]);
      const after = (await api.get(`/sessions/${session.id}`).expect(200)).body;
      expect(after).toMatchObject({ title: session.title, status: 'created', messageCount: 0 });
      expect((await api.get('/sessions').expect(200)).body.items).toHaveLength(1);
    },
  );
});
