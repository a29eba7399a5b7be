import { createSession, type Api, newUserApi } from './factories/api.factory.js';
import { ownDatabase } from './utils/own-database.js';
import { withSql } from './utils/sql.js';
import { useTestApp } from './utils/use-test-app.js';

/*
 * The hot statements run prepared (src/database/prepared-query.ts). A migration that changes a
 * table's columns while an instance runs (a rolling deploy) makes PostgreSQL refuse what was
 * prepared before it: the instance prepares anew and answers, instead of failing from then on.
 */
describe('prepared statements across a change of the schema', () => {
  let url: string;
  const app = useTestApp(async () => {
    url = await ownDatabase('prepared');
    // PostgreSQL alone and one connection: every read below runs the same prepared statements.
    return { DATABASE_URL: url, REDIS_URL: '', DATABASE_POOL_SIZE: '1' };
  });
  let api: Api;
  beforeEach(() => ({ api } = newUserApi(app)));

  it('keeps answering reads and appends after a column is added to sessions and messages', async () => {
    const { id } = await createSession(api);
    for (let turn = 0; turn < 3; turn++) {
      await api.post(`/sessions/${id}/messages`, { role: 'user', content: `before ${turn}` }).expect(201);
      await api.get(`/sessions/${id}`).expect(200);
      await api.get(`/sessions/${id}/messages?limit=20`).expect(200);
    }
    // Another instance's migration, on a connection of its own.
    await withSql(async (sql) => {
      await sql.query('ALTER TABLE sessions ADD COLUMN added_later int');
      await sql.query('ALTER TABLE messages ADD COLUMN added_later int');
    }, url);
    expect((await api.get(`/sessions/${id}`).expect(200)).body.id).toBe(id);
    await api.post(`/sessions/${id}/messages`, { role: 'user', content: 'after' }).expect(201);
    const page = await api.get(`/sessions/${id}/messages?limit=20`).expect(200);
    expect(page.body.items.map((item: { content: string }) => item.content)).toEqual(['before 0', 'before 1', 'before 2', 'after']);
  });
});
