import { DataSource } from 'typeorm';
import { apiAs, createSession, type Api } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { useTestApp } from './utils/use-test-app.js';

const SECOND = 1000;

/** The stored expiry, last activity and version of a session, as PostgreSQL holds them. */
async function stored(db: DataSource, id: string): Promise<{ expiresAt: number; lastActivityAt: number; version: number }> {
  const [row] = await db.query(`SELECT expires_at, last_activity_at, version FROM sessions WHERE id = $1`, [id]);
  return { expiresAt: row.expires_at.getTime(), lastActivityAt: row.last_activity_at.getTime(), version: row.version };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/*
 * ttlSeconds 100 gives a lateness S of 1 s: a session created more than a second ago has an expiry
 * below now + T, which a write (and, with the setting, a read) must move to now + T + S.
 */
const TTL = { ttlSeconds: 100 };
const STALE_AFTER_MS = 1500;

const reads: Array<[string, (api: Api, id: string, key: string) => Promise<unknown>]> = [
  ['GET /sessions/:id', (api, id) => api.get(`/sessions/${id}`).expect(200)],
  ['GET /sessions/by-key/:key', (api, _, key) => api.get(`/sessions/by-key/${key}`).expect(200)],
  ['GET /sessions/:id/messages', (api, id) => api.get(`/sessions/${id}/messages?limit=5`).expect(200)],
  ['GET /sessions/:id/messages?limit=all', (api, id) => api.get(`/sessions/${id}/messages?limit=all`).expect(200)],
];

describe('EXPIRY_SLIDES_ON_READ=true: an owner’s read counts as activity', () => {
  const app = useTestApp({ EXPIRY_SLIDES_ON_READ: 'true' });
  let db: DataSource;
  beforeAll(() => {
    db = app.get(DataSource);
  });

  it.each(reads)('%s moves an expiry that must move to last activity + T + S, as a write would', async (_, read) => {
    const api = apiAs(app, newUser());
    const key = `k-${Date.now()}`;
    const { id } = await createSession(api, { ...TTL, key });
    const created = await stored(db, id);
    await sleep(STALE_AFTER_MS);

    await read(api, id, key);
    const moved = await stored(db, id);
    expect(moved.lastActivityAt).toBeGreaterThan(created.lastActivityAt);
    expect(moved.expiresAt - moved.lastActivityAt).toBe(101 * SECOND);
    expect(moved.version).toBe(created.version + 1);
  });

  it('a read within the lateness writes nothing (the same rule as writes), and GET shows the moved expiry', async () => {
    const api = apiAs(app, newUser());
    const { id } = await createSession(api, TTL);
    await sleep(STALE_AFTER_MS);
    const { body, headers } = await api.get(`/sessions/${id}`).expect(200);
    const moved = await stored(db, id);
    expect(Date.parse(body.expiresAt)).toBe(moved.expiresAt);
    expect(headers.etag).toBe(`"${moved.version}"`);

    for (let i = 0; i < 5; i++) await api.get(`/sessions/${id}/messages`).expect(200);
    await api.get(`/sessions/${id}`).expect(200);
    expect(await stored(db, id)).toEqual(moved);
  });

  it("another user's read is 404 and moves nothing; listing sessions is not a read of one", async () => {
    const owner = apiAs(app, newUser());
    const { id } = await createSession(owner, TTL);
    const created = await stored(db, id);
    await sleep(STALE_AFTER_MS);

    await apiAs(app, newUser()).get(`/sessions/${id}`).expect(404);
    await apiAs(app, newUser()).get(`/sessions/${id}/messages`).expect(404);
    await owner.get('/sessions').expect(200);
    expect(await stored(db, id)).toEqual(created);
  });
});

describe('EXPIRY_SLIDES_ON_READ unset (false): reads move nothing', () => {
  const app = useTestApp();

  it.each(reads)('%s leaves the expiry, activity and version as they were', async (_, read) => {
    const db = app.get(DataSource);
    const api = apiAs(app, newUser());
    const key = `k-${Date.now()}`;
    const { id } = await createSession(api, { ...TTL, key });
    const created = await stored(db, id);
    await sleep(STALE_AFTER_MS);

    await read(api, id, key);
    expect(await stored(db, id)).toEqual(created);
    // A write still moves it.
    await api.post(`/sessions/${id}/messages`, { role: 'user', content: 'hi' }).expect(201);
    const written = await stored(db, id);
    expect(written.expiresAt - written.lastActivityAt).toBe(101 * SECOND);
  });
});
