import { createSession, type Api, newUserApi } from './factories/api.factory.js';
import { useTestApp } from './utils/use-test-app.js';

/** If-Match as RFC 9110 defines it, and an Idempotency-Key that a delete frees. */
describe('sessions: If-Match and Idempotency-Key', () => {
  const app = useTestApp();
  let api: Api;

  beforeEach(() => ({ api } = newUserApi(app)));

  const patched = async (ifMatch: string) => {
    const { id } = await createSession(api, { title: 'v1' });
    const version = Number((await api.get(`/sessions/${id}`).expect(200)).headers.etag.replaceAll('"', ''));
    const response = await api.patch(`/sessions/${id}`, { title: 'v2' }).set('If-Match', ifMatch.replaceAll('N', String(version)));
    const title = (await api.get(`/sessions/${id}`).expect(200)).body.title;
    return { status: response.status, code: response.body.code, title };
  };

  it.each([
    ['an ETag beyond the integer version column', '"2147483648"'],
    ['a number of 20 digits', '"99999999999999999999"'],
    ['the current version as a weak ETag (If-Match compares strongly)', 'W/"N"'],
    ['the current version as a weak ETag in a list of stale ones', '"2147483647", W/"N"'],
  ])('answers 412 PRECONDITION_FAILED to %s, and changes nothing', async (_label, ifMatch) => {
    expect(await patched(ifMatch)).toEqual({ status: 412, code: 'PRECONDITION_FAILED', title: 'v1' });
  });

  it.each([
    ['a list where the current ETag is last', '"0", "N"'],
    ['a list where the current ETag is first, without spaces', '"N","2147483648"'],
    ['a weak and a strong tag of the current version', 'W/"N", "N"'],
  ])('matches %s; * still matches any live session', async (_label, ifMatch) => {
    expect(await patched(ifMatch)).toEqual({ status: 200, code: undefined, title: 'v2' });
    expect(await patched('*')).toEqual({ status: 200, code: undefined, title: 'v2' });
  });

  it('an Idempotency-Key reused after a DELETE creates a new session, which the key then returns', async () => {
    const first = (await api.post('/sessions', { title: 'first' }).set('Idempotency-Key', 'reused').expect(201)).body;
    await api.delete(`/sessions/${first.id}`).expect(204);

    const second = await api.post('/sessions', { title: 'second' }).set('Idempotency-Key', 'reused').expect(201);
    expect(second.body).toMatchObject({ title: 'second', status: 'created' });
    expect(second.body.id).not.toBe(first.id);
    await api.get(`/sessions/${second.body.id}`).expect(200);
    const again = await api.post('/sessions', { title: 'third' }).set('Idempotency-Key', 'reused').expect(201);
    expect(again.body.id).toBe(second.body.id);
  });

  it('20 concurrent creates with a key freed by a DELETE make one new session', async () => {
    const { id } = (await api.post('/sessions', {}).set('Idempotency-Key', 'raced').expect(201)).body;
    await api.delete(`/sessions/${id}`).expect(204);
    const responses = await Promise.all(Array.from({ length: 20 }, () => api.post('/sessions', {}).set('Idempotency-Key', 'raced')));
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(201));
    const ids = new Set(responses.map((response) => response.body.id));
    expect(ids.size).toBe(1);
    expect(ids.has(id)).toBe(false);
  });
});
