import { DataSource } from 'typeorm';
import { apiAs, createSession } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { useTestApp } from './utils/use-test-app.js';

describe('GET /sessions?q= (title contains, case-insensitive)', () => {
  const app = useTestApp();
  const titlesOf = (body: { items: { title: string }[] }) => body.items.map((item) => item.title);

  it('lists only the sessions whose title contains q, in any case, newest first', async () => {
    const api = apiAs(app, newUser());
    for (const title of ['Pricing in the EU', 'hiring plan', 'EU PRICING v2', 'Roadmap']) await createSession(api, { title });
    await createSession(api, {});

    const response = await api.get('/sessions?q=pricing').expect(200);
    expect(titlesOf(response.body)).toEqual(['EU PRICING v2', 'Pricing in the EU']);
    expect((await api.get('/sessions?q=EU%20p').expect(200)).body.items).toHaveLength(1);
    expect((await api.get('/sessions?q=zebra').expect(200)).body).toEqual({ items: [], nextCursor: null });
  });

  it('matches %, _ and \\ as themselves, not as LIKE wildcards', async () => {
    const api = apiAs(app, newUser());
    for (const title of ['50% off', '50 off', 'a_b', 'axb', 'back\\slash', 'backslash']) await createSession(api, { title });

    expect(titlesOf((await api.get(`/sessions?q=${encodeURIComponent('0%')}`).expect(200)).body)).toEqual(['50% off']);
    expect(titlesOf((await api.get(`/sessions?q=${encodeURIComponent('a_')}`).expect(200)).body)).toEqual(['a_b']);
    expect(titlesOf((await api.get(`/sessions?q=${encodeURIComponent('k\\s')}`).expect(200)).body)).toEqual(['back\\slash']);
  });

  it('combines with status and pages by cursor; never shows another user or a deleted session', async () => {
    const user = newUser();
    const api = apiAs(app, user);
    const other = apiAs(app, newUser());
    await createSession(other, { title: 'report 0' });
    const ids: string[] = [];
    for (let n = 1; n <= 5; n++) ids.push((await createSession(api, { title: `report ${n}` })).id);
    await createSession(api, { title: 'unrelated' });
    await api.post(`/sessions/${ids[0]}/kill`).expect(202);
    await api.delete(`/sessions/${ids[1]}`).expect(204);

    const first = (await api.get('/sessions?q=REPORT&limit=2').expect(200)).body;
    const second = (await api.get(`/sessions?q=REPORT&limit=2&cursor=${first.nextCursor}`).expect(200)).body;
    expect([...titlesOf(first), ...titlesOf(second)]).toEqual(['report 5', 'report 4', 'report 3', 'report 1']);
    expect(second.nextCursor).toBeNull();
    expect(titlesOf((await api.get('/sessions?q=report&status=killed').expect(200)).body)).toEqual(['report 1']);
  });

  it.each([
    ['empty', ''],
    ['over 200 characters', 'x'.repeat(201)],
    ['U+0000', '\u0000'],
    ['a control character', 'a\u0007b'],
  ])('refuses a q that is %s with 400', async (_, q) => {
    const response = await apiAs(app, newUser())
      .get(`/sessions?q=${encodeURIComponent(q)}`)
      .expect(400);
    expect(response.body.code).toBe('VALIDATION_FAILED');
  });

  it("is served by the trigram index on the user's titles, not a scan", async () => {
    const db = app.get(DataSource);
    const user = newUser('search');
    // 10,000 sessions of one user among others' (an SQL-level factory, as bench-seed does), two matching.
    await db.query(
      `INSERT INTO sessions (user_id, title, created_at, expires_at)
       SELECT CASE WHEN g % 3 = 0 THEN $1 ELSE 'someone-' || (g % 97) END,
              CASE WHEN g IN (3000, 6000) THEN 'Quarterly zebra review ' || g ELSE 'session ' || g END,
              now() - (30000 - g) * interval '1 millisecond', now() + interval '30 days'
       FROM generate_series(1, 30000) AS g`,
      [user],
    );
    // VACUUM as autovacuum would: it also merges the trigram index's pending list, which the other
    // specs' inserts fill while this suite runs beside them; the planner counts that list against
    // the index and, while it is long, prefers a scan (seen once in CI).
    await db.query('VACUUM ANALYZE sessions');
    const response = await apiAs(app, user).get('/sessions?q=Zebra').expect(200);
    expect(titlesOf(response.body)).toEqual(['Quarterly zebra review 6000', 'Quarterly zebra review 3000']);

    // The statement SessionsRepository.listOwned sends for that request.
    const plan = await db.query(
      `EXPLAIN SELECT * FROM sessions WHERE user_id = $1 AND status <> $2 AND title ILIKE $3 ORDER BY created_at DESC, id DESC LIMIT $4`,
      [user, 'deleted', '%zebra%', 21],
    );
    const text = plan.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');
    console.log(`EXPLAIN of a title search among 10,000 sessions of one user:\n${text}`);
    expect(text).toContain('sessions_user_title_trgm_idx');
    expect(text).not.toMatch(/Seq Scan on sessions/);
  });
});
