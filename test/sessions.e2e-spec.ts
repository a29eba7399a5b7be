import { apiAs, createSession, type Api, newUserApi } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { useTestApp } from './utils/use-test-app.js';

describe('sessions', () => {
  const app = useTestApp();
  let api: Api;

  beforeEach(() => ({ api } = newUserApi(app)));

  describe('POST /sessions', () => {
    it('creates a session in status created with every field of the contract', async () => {
      const response = await api
        .post('/sessions', { title: 'Pricing', problemStatement: 'Which tier?', context: { a: 1 }, metadata: { tag: 'x' } })
        .expect(201);
      expect(response.headers.etag).toMatch(/^"\d+"$/);
      expect(response.body).toMatchObject({
        title: 'Pricing',
        problemStatement: 'Which tier?',
        context: { a: 1 },
        metadata: { tag: 'x' },
        status: 'created',
        phase: null,
        roundNumber: 0,
        totalCost: 0,
        messageCount: 0,
        synthesisText: null,
        finalRecommendation: null,
        error: null,
        startedAt: null,
        claimedAt: null,
        endedAt: null,
        forkedFrom: null,
      });
      expect(Object.keys(response.body).sort()).toEqual([
        'claimedAt',
        'context',
        'createdAt',
        'endedAt',
        'error',
        'expiresAt',
        'finalRecommendation',
        'forkedFrom',
        'historyLimit',
        'id',
        'key',
        'lastActivityAt',
        'messageCount',
        'metadata',
        'phase',
        'problemStatement',
        'roundNumber',
        'startedAt',
        'status',
        'synthesisText',
        'title',
        'totalCost',
        'trimmedThroughSeq',
        'updatedAt',
        'userId',
      ]);
    });

    it('expires after the retention (30 days) or the session own ttlSeconds, plus the 1 % (<= 1 h) lateness', async () => {
      const plain = await createSession(api);
      const short = await createSession(api, { ttlSeconds: 3600 });
      const seconds = (s: Record<string, string>) => (Date.parse(s.expiresAt) - Date.parse(s.lastActivityAt)) / 1000;
      expect(seconds(plain)).toBe(30 * 86400 + 3600);
      expect(seconds(short)).toBe(3600 + 36);
    });

    it('returns the same session for the same Idempotency-Key, even from 20 concurrent requests', async () => {
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => api.post('/sessions', { title: 'once' }).set('Idempotency-Key', 'key-1')),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
      expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
      const list = await api.get('/sessions').expect(200);
      expect(list.body.items).toHaveLength(1);
    });

    it('scopes idempotency keys to the user', async () => {
      const other = apiAs(app, newUser());
      const mine = await api.post('/sessions', {}).set('Idempotency-Key', 'shared').expect(201);
      const theirs = await other.post('/sessions', {}).set('Idempotency-Key', 'shared').expect(201);
      expect(theirs.body.id).not.toBe(mine.body.id);
    });

    it.each([
      ['a 501-character title', { title: 'x'.repeat(501) }, 'title'],
      ['a 20001-character problem statement', { problemStatement: 'x'.repeat(20001) }, 'problemStatement'],
      ['an array as context', { context: [1, 2] }, 'context'],
      ['a string as metadata', { metadata: 'text' }, 'metadata'],
      ['metadata over 64 KiB', { metadata: { big: 'x'.repeat(65 * 1024) } }, 'metadata'],
      ['ttlSeconds 0', { ttlSeconds: 0 }, 'ttlSeconds'],
      ['a non-numeric ttlSeconds', { ttlSeconds: 'soon' }, 'ttlSeconds'],
      ['an unknown field', { status: 'running' }, 'status'],
    ])('refuses %s with 400 naming the field, and stores nothing', async (_label, body, field) => {
      const response = await api.post('/sessions', body).expect(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request', code: 'VALIDATION_FAILED' });
      expect(JSON.stringify(response.body.message)).toContain(field);
      expect((await api.get('/sessions').expect(200)).body.items).toEqual([]);
    });

    it('refuses a malformed Idempotency-Key', async () => {
      await api.post('/sessions', {}).set('Idempotency-Key', 'x'.repeat(256)).expect(400);
    });
  });

  describe('GET /sessions/:id', () => {
    it('returns the session with its ETag', async () => {
      const created = await createSession(api);
      const response = await api.get(`/sessions/${created.id}`).expect(200);
      expect(response.body).toEqual(created);
      expect(response.headers.etag).toMatch(/^"\d+"$/);
    });

    it('answers 404 SESSION_NOT_FOUND for an unknown and for a malformed id', async () => {
      const unknown = await api.get('/sessions/00000000-0000-4000-8000-000000000000').expect(404);
      const malformed = await api.get('/sessions/not-a-uuid').expect(404);
      expect(unknown.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'Session not found', code: 'SESSION_NOT_FOUND' });
      expect(malformed.body).toEqual(unknown.body);
    });
  });

  describe('GET /sessions', () => {
    it('pages newest first by cursor until nextCursor is null', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await createSession(api, { title: `s${i}` })).id);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: any = await api.get(`/sessions?limit=2${cursor ? `&cursor=${cursor}` : ''}`).expect(200);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.items.map((s: { id: string }) => s.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());
    });

    it('filters by status and hides deleted sessions unless asked for', async () => {
      const kept = await createSession(api);
      const gone = await createSession(api);
      await api.delete(`/sessions/${gone.id}`).expect(204);
      const all = await api.get('/sessions').expect(200);
      expect(all.body.items.map((s: { id: string }) => s.id)).toEqual([kept.id]);
      const deleted = await api.get('/sessions?status=deleted').expect(200);
      expect(deleted.body.items.map((s: { id: string }) => s.id)).toEqual([gone.id]);
      expect(deleted.body.items[0].status).toBe('deleted');
      const created = await api.get('/sessions?status=created').expect(200);
      expect(created.body.items.map((s: { id: string }) => s.id)).toEqual([kept.id]);
    });

    it.each(['limit=0', 'limit=101', 'limit=abc', 'status=paused', 'cursor=bogus', 'unknown=1'])('refuses ?%s with 400', async (query) => {
      const response = await api.get(`/sessions?${query}`).expect(400);
      expect(response.body.statusCode).toBe(400);
      expect(response.body.code).toBeDefined();
    });
  });

  describe('PATCH /sessions/:id', () => {
    it('updates title and metadata and moves the ETag', async () => {
      const created = await api.post('/sessions', { title: 'old' }).expect(201);
      const response = await api.patch(`/sessions/${created.body.id}`, { title: 'new', metadata: { k: 'v' } }).expect(200);
      expect(response.body).toMatchObject({ title: 'new', metadata: { k: 'v' } });
      expect(response.headers.etag).not.toBe(created.headers.etag);
      expect((await api.get(`/sessions/${created.body.id}`)).body.title).toBe('new');
    });

    it('honours If-Match: the current ETag wins, a stale one gets 412 and changes nothing', async () => {
      const created = await api.post('/sessions', { title: 'v1' }).expect(201);
      const id = created.body.id;
      const first = await api.patch(`/sessions/${id}`, { title: 'v2' }).set('If-Match', created.headers.etag).expect(200);
      const stale = await api.patch(`/sessions/${id}`, { title: 'v3' }).set('If-Match', created.headers.etag).expect(412);
      expect(stale.body).toMatchObject({ code: 'PRECONDITION_FAILED', currentEtag: first.headers.etag });
      await api.patch(`/sessions/${id}`, { title: 'v3' }).set('If-Match', 'garbage').expect(412);
      expect((await api.get(`/sessions/${id}`)).body.title).toBe('v2');
      await api.patch(`/sessions/${id}`, { title: 'v4' }).set('If-Match', first.headers.etag).expect(200);
    });

    it('lets exactly one of two racing writers with the same If-Match win', async () => {
      const created = await api.post('/sessions', { title: 'race' }).expect(201);
      const results = await Promise.all(
        ['a', 'b'].map((title) => api.patch(`/sessions/${created.body.id}`, { title }).set('If-Match', created.headers.etag)),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 412]);
      const winner = results.find((r) => r.status === 200)!.body.title;
      expect((await api.get(`/sessions/${created.body.id}`)).body.title).toBe(winner);
    });

    it('refuses fields that cannot be patched and leaves the session untouched', async () => {
      const created = await createSession(api, { title: 'same' });
      await api.patch(`/sessions/${created.id}`, { status: 'completed' }).expect(400);
      await api.patch(`/sessions/${created.id}`, { title: 42 }).expect(400);
      expect((await api.get(`/sessions/${created.id}`)).body).toEqual(created);
    });
  });

  describe('DELETE /sessions/:id', () => {
    it('answers 204, marks it deleted, and then the session answers 404 everywhere', async () => {
      const created = await createSession(api);
      await api.delete(`/sessions/${created.id}`).expect(204);
      await api.get(`/sessions/${created.id}`).expect(404);
      await api.patch(`/sessions/${created.id}`, { title: 'x' }).expect(404);
      await api.post(`/sessions/${created.id}/messages`, { role: 'user', content: 'x' }).expect(404);
      await api.get(`/sessions/${created.id}/messages`).expect(404);
      await api.delete(`/sessions/${created.id}`).expect(404);
    });
  });
});
