import request from 'supertest';
import { API, apiAs, createSession, type Api, newUserApi } from './factories/api.factory.js';
import { newUser, tokenFor } from './factories/token.factory.js';
import { useTestApp } from './utils/use-test-app.js';

/** A session's client-chosen key: unique among the user's visible sessions, free again after a delete. */
describe('sessions: keys', () => {
  const app = useTestApp();
  let user: string;
  let api: Api;

  beforeEach(() => ({ user, api } = newUserApi(app)));

  const byKey = (key: string) => `/sessions/by-key/${encodeURIComponent(key)}`;
  const put = (key: string, body: object = {}, as = user) =>
    request(app.getHttpServer())
      .put(API + byKey(key))
      .set('Authorization', `Bearer ${tokenFor(as)}`)
      .send(body);
  const rawPost = (json: string) =>
    request(app.getHttpServer())
      .post(`${API}/sessions`)
      .set('Authorization', `Bearer ${tokenFor(user)}`)
      .set('Content-Type', 'application/json')
      .send(json);
  const visibleIds = async () => (await api.get('/sessions').expect(200)).body.items.map((s: { id: string }) => s.id);

  describe('POST /sessions with a key', () => {
    it('stores the key and answers it; a session without one answers key null', async () => {
      const keyed = await createSession(api, { key: 'agent_42' });
      expect(keyed.key).toBe('agent_42');
      // Read by id (the cache, then the list from PostgreSQL) shows it too.
      expect((await api.get(`/sessions/${keyed.id}`).expect(200)).body.key).toBe('agent_42');
      expect((await api.get('/sessions').expect(200)).body.items[0].key).toBe('agent_42');
      expect((await createSession(api, { title: 'plain' })).key).toBeNull();
    });

    it('answers 409 SESSION_KEY_TAKEN for a key another visible session holds, and creates nothing', async () => {
      const first = await createSession(api, { key: 'k' });
      const again = await api.post('/sessions', { key: 'k', title: 'second' }).expect(409);
      expect(again.body.code).toBe('SESSION_KEY_TAKEN');
      expect(await visibleIds()).toEqual([first.id]);
    });

    it('lets another user take the same key', async () => {
      await createSession(api, { key: 'shared' });
      expect((await createSession(apiAs(app, newUser()), { key: 'shared' })).key).toBe('shared');
    });

    it('frees the key when its session is deleted', async () => {
      const first = await createSession(api, { key: 'reused' });
      await api.delete(`/sessions/${first.id}`).expect(204);
      const second = await createSession(api, { key: 'reused' });
      expect(second.id).not.toBe(first.id);
      expect((await api.get(byKey('reused')).expect(200)).body.id).toBe(second.id);
    });

    it('returns the same session to a retry with the same Idempotency-Key, not a 409', async () => {
      const first = await api.post('/sessions', { key: 'retried' }).set('Idempotency-Key', 'idem-1').expect(201);
      const retry = await api.post('/sessions', { key: 'retried' }).set('Idempotency-Key', 'idem-1').expect(201);
      expect(retry.body.id).toBe(first.body.id);
    });

    it.each([
      ['an empty key', '{"key":""}'],
      ['a key of 256 characters', JSON.stringify({ key: 'k'.repeat(256) })],
      ['a control character', JSON.stringify({ key: 'a\u0007b' })],
      ['a C1 control character', JSON.stringify({ key: 'a\u0085b' })],
      ['a lone surrogate', '{"key":"a\\ud800b"}'],
      ['a number', '{"key":42}'],
    ])('answers 400 to %s with the key rule, and creates nothing', async (_label, json) => {
      const refused = await rawPost(json).expect(400);
      // Refused for what the key holds, not as an unknown field (which it was before keys).
      expect(JSON.stringify(refused.body.message)).toMatch(/^\["key(: a key is 1 to 255 characters| must be well-formed Unicode)/);
      expect(await visibleIds()).toEqual([]);
    });

    it('accepts 255 characters outside the BMP (510 UTF-16 units)', async () => {
      const key = '😀'.repeat(255);
      expect((await createSession(api, { key })).key).toBe(key);
      expect((await api.get(byKey(key)).expect(200)).body.key).toBe(key);
    });
  });

  describe('PUT /sessions/by-key/:key', () => {
    it('creates from the body (201), then returns that session (200) and ignores the body', async () => {
      const created = await put('conv-1', { title: 'first', metadata: { a: 1 } }).expect(201);
      expect(created.body).toMatchObject({ key: 'conv-1', title: 'first', metadata: { a: 1 }, status: 'created' });
      expect(created.headers.etag).toBeDefined();
      const again = await put('conv-1', { title: 'other' }).expect(200);
      expect(again.body).toMatchObject({ id: created.body.id, key: 'conv-1', title: 'first' });
      expect(await visibleIds()).toEqual([created.body.id]);
    });

    it('accepts a key in the body equal to the path, and refuses a different one with 400', async () => {
      await put('same', { key: 'same' }).expect(201);
      await put('path', { key: 'body' }).expect(400);
      expect((await api.get(byKey('path'))).status).toBe(404);
    });

    it('creates exactly one session for 20 concurrent PUTs of one key', async () => {
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => put('raced', { title: `t${i}` })));
      expect(answers.map((a) => a.status).sort()).toEqual([...Array(19).fill(200), 201]);
      expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
      expect(await visibleIds()).toEqual([answers[0].body.id]);
    });

    it('creates a new session after the key holder was deleted', async () => {
      const first = await put('again').expect(201);
      await api.delete(`/sessions/${first.body.id}`).expect(204);
      const second = await put('again').expect(201);
      expect(second.body.id).not.toBe(first.body.id);
    });

    it('answers 400 to a key in the path with a control character', async () => {
      expect(JSON.stringify((await put('a\u0001b').expect(400)).body.message)).toContain('a key is 1 to 255 characters');
    });
  });

  describe('GET /sessions/by-key/:key', () => {
    it('answers 200 with the session and its ETag', async () => {
      const created = await createSession(api, { key: 'read-me', title: 't' });
      const read = await api.get(byKey('read-me')).expect(200);
      expect(read.body).toMatchObject({ id: created.id, key: 'read-me', title: 't' });
      expect(read.headers.etag).toBe((await api.get(`/sessions/${created.id}`)).headers.etag);
    });

    it('answers 404 SESSION_NOT_FOUND for an unknown key, a deleted session and another user', async () => {
      const created = await createSession(api, { key: 'mine' });
      const unknown = await api.get(byKey('nobody')).expect(404);
      expect(unknown.body.code).toBe('SESSION_NOT_FOUND');
      expect((await apiAs(app, newUser()).get(byKey('mine')).expect(404)).body.code).toBe('SESSION_NOT_FOUND');
      await api.delete(`/sessions/${created.id}`).expect(204);
      expect((await api.get(byKey('mine')).expect(404)).body.code).toBe('SESSION_NOT_FOUND');
    });

    it.each([['messages'], ['transitions'], ['0b6f4f5e-2f7c-4b4e-9d8a-2a1b3c4d5e6f'], ['a/b c?d#e%'], ['by-key']])(
      'is matched before the :id routes for the key %s',
      async (key) => {
        const created = await put(key).expect(201);
        expect((await api.get(byKey(key)).expect(200)).body.id).toBe(created.body.id);
      },
    );
  });
});
