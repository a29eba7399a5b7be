import { DataSource } from 'typeorm';
import { createSession, type Api, newUserApi } from './factories/api.factory.js';
import { useTestApp } from './utils/use-test-app.js';
import { waitFor } from './utils/wait-for.js';

const SECOND = 1000;
const DAY = 86400 * SECOND;

/** The stored expiry and last activity of a session, in ms, as PostgreSQL holds them. */
async function stored(db: DataSource, id: string): Promise<{ expiresAt: number; lastActivityAt: number }> {
  const [row] = await db.query(`SELECT expires_at, last_activity_at FROM sessions WHERE id = $1`, [id]);
  return { expiresAt: row.expires_at.getTime(), lastActivityAt: row.last_activity_at.getTime() };
}

/** Row updates of `sessions` in this database so far, as the statistics collector has them. */
async function updateCounts(db: DataSource): Promise<{ updates: number; hot: number }> {
  // Each backend reports its counts when it goes idle (at most once a second); a fresh snapshot each read.
  await db.query(`SELECT pg_stat_clear_snapshot()`);
  const [row] = await db.query(
    `SELECT n_tup_upd::int AS updates, n_tup_hot_upd::int AS hot FROM pg_stat_user_tables WHERE relname = 'sessions'`,
  );
  return row;
}

describe('session expiry: at least TTL after the last activity, at most 1 % (<= 1 h) later', () => {
  const app = useTestApp();
  let db: DataSource;
  let api: Api;

  beforeAll(() => {
    db = app.get(DataSource);
  });
  beforeEach(() => ({ api } = newUserApi(app)));

  const append = (id: string, content: string) => api.post(`/sessions/${id}/messages`, { role: 'user', content }).expect(201);

  it('a new session expires TTL + 1 % after its creation (the retention: 30 days + the 1 h cap)', async () => {
    const plain = await createSession(api);
    const short = await createSession(api, { ttlSeconds: 7200 });
    const after = (session: Record<string, string>) => Date.parse(session.expiresAt) - Date.parse(session.lastActivityAt);
    expect(after(plain)).toBe(30 * DAY + 3600 * SECOND);
    expect(after(short)).toBe((7200 + 72) * SECOND);
  });

  it('keeps the stored expiry through writes within the lateness, always within [last activity + T, + T + S]', async () => {
    const T = 7200 * SECOND; // S = 72 s: the writes below come well within it
    const S = 72 * SECOND;
    const { id } = await createSession(api, { ttlSeconds: 7200 });
    const first = await stored(db, id);
    expect(first.expiresAt - first.lastActivityAt).toBe(T + S);

    for (const write of [() => append(id, 'a'), () => append(id, 'b'), () => api.patch(`/sessions/${id}`, { title: 't' }).expect(200)]) {
      await write();
      const now = await stored(db, id);
      expect(now.lastActivityAt).toBeGreaterThan(first.lastActivityAt);
      expect(now.expiresAt).toBe(first.expiresAt);
      expect(now.expiresAt).toBeGreaterThanOrEqual(now.lastActivityAt + T);
      expect(now.expiresAt).toBeLessThanOrEqual(now.lastActivityAt + T + S);
    }
    const { body } = await api.get(`/sessions/${id}`).expect(200);
    expect(Date.parse(body.expiresAt)).toBe(first.expiresAt);
  });

  it.each([
    ['has fallen below now + T (it would expire early)', '50 seconds'],
    ['lies beyond now + T + S (it would expire too late)', '1 day'],
  ])('moves a stored expiry that %s to last activity + T + S', async (_, storedIn) => {
    const { id } = await createSession(api, { ttlSeconds: 100 }); // S = 1 s
    await db.query(`UPDATE sessions SET expires_at = now() + $2::interval WHERE id = $1`, [id, storedIn]);
    await append(id, 'still here');
    const now = await stored(db, id);
    expect(now.expiresAt - now.lastActivityAt).toBe(101 * SECOND);
  });

  it('a status change follows the same rule', async () => {
    const { id } = await createSession(api, { ttlSeconds: 100 });
    await db.query(`UPDATE sessions SET expires_at = now() + interval '50 seconds' WHERE id = $1`, [id]);
    await api.post(`/sessions/${id}/kill`, {}).expect(202);
    const now = await stored(db, id);
    expect(now.expiresAt - now.lastActivityAt).toBe(101 * SECOND);
  });

  it('the sessions table leaves 10 % of each page free for HOT row versions (migration SessionsFillfactor)', async () => {
    const [row] = await db.query(`SELECT reloptions FROM pg_class WHERE relname = 'sessions' AND relkind = 'r'`);
    expect(row.reloptions).toContain('fillfactor=90');
  });

  it('appends are HOT updates of the session row (no index entries written)', async () => {
    const { id } = await createSession(api); // the retention: S = 1 h, far more than 50 appends take
    const before = await updateCounts(db);
    for (let i = 0; i < 50; i++) await append(id, `m${i}`);
    // Backends report their counts when idle, so the count is awaited rather than read once. Other
    // specs of the run only add to it, and without the rule (expires_at moved on every append) almost
    // no update of sessions is HOT.
    const after = await waitFor(
      () => updateCounts(db),
      (counts) => counts.hot - before.hot >= 40,
      { timeoutMs: 30_000, intervalMs: 250, what: 'at least 40 of the 50 appends counted as HOT updates' },
    );
    expect(after.hot - before.hot).toBeGreaterThanOrEqual(40);
  });
});
