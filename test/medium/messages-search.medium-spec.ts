import { MessagesSearchRepository, searchQuery } from '../../src/search/messages-search.repository.js';
import { withSql } from '../utils/sql.js';
import { useMediumContext } from './medium.js';

/*
 * How PostgreSQL serves a message search: the plan of the statement MessagesSearchRepository sends,
 * among many users' messages. What a client sees of a search: test/messages-search.e2e-spec.ts.
 */
describe('message search plans in PostgreSQL', () => {
  const ctx = useMediumContext();

  const explain = async (statement: { text: string; values: unknown[] }) =>
    (await ctx.db.query(`EXPLAIN ${statement.text}`, statement.values)).map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');

  it("is served by an index scoped to the user's messages, not a scan", async () => {
    const user = ctx.newUser();
    // 300 sessions of 100 messages, one user's every third; two of the user's messages match. 30,000
    // rows through the search index, on a connection of the test's own: on a loaded machine this
    // outlives the app's statement limit (10 s) and its client's wait (15 s).
    const title = `bulk-${user}`;
    await withSql(async (sql) => {
      await sql.query(
        `INSERT INTO sessions (user_id, title, expires_at)
         SELECT CASE WHEN g % 3 = 0 THEN $1 ELSE 'someone-' || (g % 97) END, $2 || ' ' || g, now() + interval '30 days'
         FROM generate_series(1, 300) AS g`,
        [user, title],
      );
      await sql.query(
        `INSERT INTO messages (session_id, seq, role, content)
         SELECT s.id, n, 'user', json_build_array(json_build_object('type', 'input_text',
                'text', CASE WHEN s.user_id = $1 AND n IN (7, 77) AND s.title = $2 || ' 150' THEN 'a quokka sighting ' || n ELSE 'message ' || n || ' of bulk ' || s.title END))
         FROM sessions s, generate_series(1, 100) AS n WHERE s.title LIKE $2 || ' %'`,
        [user, title],
      );
      // Both tables: with stale counts of sessions, the planner may walk the user's sessions instead.
      await sql.query('VACUUM ANALYZE messages');
      await sql.query('ANALYZE sessions');
    });

    const found = await ctx.get(MessagesSearchRepository).search(user, { text: 'QUOKKA', limit: 21 });
    expect(found.map((hit) => hit.seq)).toEqual([77, 7]);

    const plan = await explain(searchQuery(user, { text: 'quokka', limit: 21 }));
    console.log(`EXPLAIN of a message search among 10,000 messages of one user (30,000 in all):\n${plan}`);
    // Usually the trigram index; with other specs' rows in the shared table the planner may walk the
    // user's sessions instead. Either way an index scoped to the user, never a scan of the table.
    expect(plan).toMatch(/messages_user_search_text_idx|messages_user_created_idx|sessions_user_\w+_idx/);
    expect(plan).toMatch(/Index Cond: .*user_id\)?::text = '/);
    expect(plan).not.toMatch(/Seq Scan on messages/);

    // A text in every message of the user: walking them newest first finds a page soonest.
    const walk = await explain(searchQuery(user, { text: 'of bulk', limit: 21 }));
    console.log(`EXPLAIN of a search for a text in every message of that user:\n${walk}`);
    // Scoped to the user either way: by the user's messages, or through the user's sessions.
    expect(walk).toMatch(/messages_user_created_idx|messages_user_search_text_idx|sessions_user_\w+_idx/);
    expect(walk).not.toMatch(/Seq Scan on messages/);
  }, 240_000);
});
