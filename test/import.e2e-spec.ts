import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { DataSource } from 'typeorm';
import { apiAs } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { agentsSqliteFile, python, row, runImport, startImport } from './import/import-run.js';
import { useTestApp } from './utils/use-test-app.js';

const dir = mkdtempSync(join(tmpdir(), 'import-spec-'));

/** A SQLite file in the layout of the SQLite-to-PostgreSQL guide (sqlite-conversations:), holding `inserts`. */
function conversationsFile(name: string, inserts: string): string {
  const file = join(dir, name);
  const db = new DatabaseSync(file);
  db.exec(`CREATE TABLE sessions (id TEXT PRIMARY KEY, title TEXT DEFAULT '', created_at TEXT NOT NULL, updated_at TEXT NOT NULL, metadata TEXT DEFAULT '{}');
    CREATE TABLE messages (id TEXT PRIMARY KEY, session_id TEXT NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL, metadata TEXT DEFAULT '{}', created_at TEXT NOT NULL);
    ${inserts}`);
  db.close();
  return file;
}
const maker = join(import.meta.dirname, 'import/make_agents_sqlite.py');

describe('npm run import', () => {
  const app = useTestApp();

  async function historyOf(user: string, key: string) {
    const api = apiAs(app, user);
    const session = await api.get(`/sessions/by-key/${encodeURIComponent(key)}`);
    if (session.status !== 200) return { session, messages: [] as any[], raw: '' };
    const page = await api.get(`/sessions/${session.body.id}/messages?limit=all`);
    return { session, messages: page.body.items as any[], raw: page.text };
  }

  describe('agents-sqlite: a file the real Agents SDK wrote', () => {
    const file = join(dir, 'sdk.db');
    const expectedFile = join(dir, 'sdk.json');
    const user = newUser('import');

    beforeAll(() => {
      // The pinned environment with the real SDK, installed when missing (quick otherwise).
      execFileSync(new URL('../scripts/python-venv.sh', import.meta.url).pathname, { stdio: 'inherit' });
      execFileSync(python, [maker, file, expectedFile, 'my_sessions', 'my_messages']);
    }, 600_000);

    it('imports every session under its id as key, and getItems() here is what get_items() returned there', async () => {
      const run = runImport(`agents-sqlite:${file}`, '--user', user, '--sessions-table', 'my_sessions', '--messages-table', 'my_messages');
      expect(run.status).toBe(0);
      const expected = JSON.parse(readFileSync(expectedFile, 'utf8')) as Record<string, unknown[]>;
      const total = Object.values(expected).reduce((sum, items) => sum + items.length, 0);
      expect(row(run.stdout, 'source')).toEqual([4, total]);
      expect(row(run.stdout, 'imported')).toEqual([4, total]);
      const sqlite = new DatabaseSync(file);
      for (const [key, items] of Object.entries(expected)) {
        const { session, messages } = await historyOf(user, key);
        expect(session.status).toBe(200);
        expect(messages.map((message) => message.content)).toEqual(items);
        expect(messages.map((message) => message.seq)).toEqual(items.map((_, index) => index + 1));
        expect(session.body.metadata.importedFrom).toEqual({
          source: `agents-sqlite:${file}#my_sessions,my_messages`,
          id: key,
          importedAt: expect.any(String),
        });
        const times = sqlite.prepare('SELECT created_at FROM my_sessions WHERE session_id = ?').get(key)!;
        expect(session.body.createdAt).toBe(new Date(`${String(times.created_at).replace(' ', 'T')}Z`).toISOString());
      }
      sqlite.close();
      // A tool call keeps its type as the message's role, as AgentsSession writes it.
      expect((await historyOf(user, 'conv-alpha')).messages.map((message) => message.role).slice(0, 4)).toEqual([
        'user',
        'function_call',
        'function_call_output',
        'assistant',
      ]);
    });

    it('a second run imports nothing: every session is already there', () => {
      const run = runImport(`agents-sqlite:${file}`, '--user', user, '--sessions-table', 'my_sessions', '--messages-table', 'my_messages');
      expect(run.status).toBe(0);
      expect(row(run.stdout, 'imported')).toEqual([0, 0]);
      expect(row(run.stdout, 'already there')[0]).toBe(4);
    });

    it('a session that grew in the source gets only its new messages', async () => {
      execFileSync(python, [maker, file, expectedFile, 'my_sessions', 'my_messages', '--grow']);
      const run = runImport(`agents-sqlite:${file}`, '--user', user, '--sessions-table', 'my_sessions', '--messages-table', 'my_messages');
      expect(row(run.stdout, 'appended')).toEqual([1, 1]);
      expect(row(run.stdout, 'already there')[0]).toBe(3);
      const expected = JSON.parse(readFileSync(expectedFile, 'utf8')) as Record<string, unknown[]>;
      expect((await historyOf(user, 'conv-alpha')).messages.map((message) => message.content)).toEqual(expected['conv-alpha']);
    });

    it('--dry-run prints the same table and stores nothing', async () => {
      const other = newUser('import-dry');
      const run = runImport(
        `agents-sqlite:${file}`,
        '--user',
        other,
        '--dry-run',
        '--sessions-table',
        'my_sessions',
        '--messages-table',
        'my_messages',
      );
      expect(run.status).toBe(0);
      expect(row(run.stdout, 'imported (dry)')[0]).toBe(4);
      expect((await historyOf(other, 'conv-alpha')).session.status).toBe(404);
    });
  });

  describe('bad input', () => {
    it('refuses a session with a row that is not JSON, messages without a session and a key too long, by name, and imports the rest', async () => {
      const user = newUser('import-bad');
      const file = join(dir, 'bad.db');
      const good = '{"role":"user","content":"fine"}';
      agentsSqliteFile(
        file,
        [
          { id: 'good-1', items: [good, good] },
          { id: 'broken', items: [good, '{"role": "user", "content": '] },
          { id: 'k'.repeat(300), items: [good] },
          { id: 'good-2', items: [good] },
        ],
        [{ id: 'orphan', items: [good, good] }],
      );
      const run = runImport(`agents-sqlite:${file}`, '--user', user);
      expect(run.status).toBe(1);
      expect(row(run.stdout, 'source')).toEqual([5, 8]);
      expect(row(run.stdout, 'imported')).toEqual([2, 3]);
      expect(row(run.stdout, 'refused')).toEqual([3, 5]);
      expect(run.stdout).toMatch(/refused "broken": message \d+: message_data is not JSON/);
      expect(run.stdout).toMatch(/refused "k{300}": key too long \(300 characters, at most 255\)/);
      expect(run.stdout).toMatch(/refused "orphan": no session/);
      expect((await historyOf(user, 'broken')).session.status).toBe(404);
      expect((await historyOf(user, 'good-2')).messages).toHaveLength(1);
    });

    it('a session PostgreSQL refuses (a time beyond its range) is refused by name, and the rest of its batch is imported', async () => {
      const user = newUser('import-db-refused');
      const file = conversationsFile(
        'db-refused.db',
        `
        INSERT INTO sessions VALUES ('a', '', '2025-03-01T10:00:00', '2025-03-01T10:00:00', '{}'), ('b', '', '2025-03-01T10:00:00', '2025-03-01T10:00:00', '{}'),
          ('c', '', '2025-03-01T10:00:00', '2025-03-01T10:00:00', '{}');
        INSERT INTO messages VALUES ('m-1', 'a', 'user', 'first', '{}', '2025-03-01T10:00:01'), ('m-2', 'b', 'user', 'too old', '{}', '-005000-01-01T00:00:00Z'),
          ('m-3', 'c', 'user', 'last', '{"n":1}', '2025-03-01T10:00:02.5');`,
      );
      const run = runImport(`sqlite-conversations:${file}`, '--user', user);
      expect(run.status).toBe(1);
      expect(row(run.stdout, 'imported')).toEqual([2, 2]);
      expect(run.stdout).toMatch(/refused "b": the database refused it: .*out of range/);
      expect((await historyOf(user, 'b')).session.status).toBe(404);
      expect((await historyOf(user, 'c')).messages.map((m) => [m.content, m.metadata, m.createdAt])).toEqual([
        ['last', { n: 1 }, '2025-03-01T10:00:02.500Z'],
      ]);
    });

    it('a source that cannot be opened is one line and exit code 2', () => {
      const missing = runImport(`agents-sqlite:${join(dir, 'missing.db')}`, '--user', 'someone');
      expect(missing.status).toBe(2);
      expect(missing.stderr.trim().split('\n')).toEqual([expect.stringContaining('cannot open')]);
      writeFileSync(join(dir, 'not-sqlite.db'), 'hello');
      const garbage = runImport(`agents-sqlite:${join(dir, 'not-sqlite.db')}`, '--user', 'someone');
      expect(garbage.status).toBe(2);
      expect(garbage.stderr.trim().split('\n')).toHaveLength(1);
    });
  });

  describe("jsonl: the store's own export", () => {
    it('reproduces every history byte for byte under another user', async () => {
      const [owner, other] = [newUser('import-owner'), newUser('import-other')];
      const api = apiAs(app, owner);
      const created = await api.post('/sessions', { title: 'exported', key: 'round-trip', metadata: { team: 'a' } });
      // Texts JS would rewrite: a number spelling, key order with integer-like keys, an escape.
      const items =
        '[{"role":"user","content":{"b":1.0,"2":"x","a":"\\u00e9 🦄"}},{"role":"assistant","content":[1e2,"ok"],"metadata":{"n":10}}]';
      await api.post(`/sessions/${created.body.id}/messages`).set('Content-Type', 'application/json').send(`{"items":${items}}`);
      const session = await api.get(`/sessions/${created.body.id}`);
      const page = await api.get(`/sessions/${created.body.id}/messages?limit=all`);
      const messagesText = page.text.slice('{"items":'.length, page.text.lastIndexOf(',"nextBefore"'));
      const file = join(dir, 'export.jsonl');
      writeFileSync(file, `{"format":"session-store/v1","session":${session.text},"messages":${messagesText}}\nnot json\n`);

      const run = runImport(`jsonl:${file}`, '--user', other);
      expect(row(run.stdout, 'imported')).toEqual([1, 2]);
      expect(run.stdout).toMatch(/refused "line 2": line 2 is not JSON/);
      const copy = await historyOf(other, 'round-trip');
      const ids = /"id":"[^"]+","sessionId":"[^"]+",/g;
      expect(copy.raw.replace(ids, '')).toBe(page.text.replace(ids, ''));
      expect(copy.session.body.title).toBe('exported');
      expect(copy.session.body.metadata).toEqual({
        team: 'a',
        importedFrom: { source: `jsonl:${file}`, id: 'round-trip', importedAt: expect.any(String) },
      });
    });
  });

  describe('sqlite-conversations: the layout of the SQLite-to-PostgreSQL guide', () => {
    it('imports sessions with their titles, times and metadata, content as text', async () => {
      const user = newUser('import-conv');
      const file = conversationsFile(
        'conversations.db',
        `
        INSERT INTO sessions VALUES ('s-1', 'Refunds', '2025-03-01T10:00:00.123456', '2025-03-01T10:05:00', '{"channel":"web"}');
        INSERT INTO messages VALUES ('m-2', 's-1', 'assistant', 'Sure — which order?', '{"sources":["kb/1"]}', '2025-03-01T10:00:05');
        INSERT INTO messages VALUES ('m-1', 's-1', 'user', 'I want a refund', '{}', '2025-03-01T10:00:01');`,
      );
      const run = runImport(`sqlite-conversations:${file}`, '--user', user);
      expect(row(run.stdout, 'imported')).toEqual([1, 2]);
      const { session, messages } = await historyOf(user, 's-1');
      expect(session.body).toMatchObject({ title: 'Refunds', createdAt: '2025-03-01T10:00:00.123Z', metadata: { channel: 'web' } });
      expect(messages.map((m) => [m.role, m.content, m.metadata, m.createdAt])).toEqual([
        ['user', 'I want a refund', {}, '2025-03-01T10:00:01.000Z'],
        ['assistant', 'Sure — which order?', { sources: ['kb/1'] }, '2025-03-01T10:00:05.000Z'],
      ]);
    });
  });

  describe('resumable', () => {
    it('killed mid-run and run again: no session half-imported, none doubled, the counts of a clean run', async () => {
      const user = newUser('import-kill');
      const file = join(dir, 'volume.db');
      const sessions = Array.from({ length: 3000 }, (_, n) => ({
        id: `s-${n}`,
        items: Array.from({ length: 1 + (n % 5) }, (_, i) => JSON.stringify({ role: 'user', content: `turn ${i} of ${n}` })),
      }));
      agentsSqliteFile(file, sessions);
      const total = sessions.reduce((sum, session) => sum + session.items.length, 0);
      const db = app.get(DataSource);
      const stored = async () =>
        (
          await db.query(
            `SELECT count(*)::int AS sessions, coalesce(sum(message_count), 0)::int AS counted,
               (SELECT count(*)::int FROM messages m JOIN sessions s ON s.id = m.session_id WHERE s.user_id = $1) AS messages
             FROM sessions WHERE user_id = $1`,
            [user],
          )
        )[0];
      const importer = startImport(`agents-sqlite:${file}`, '--user', user, '--batch-size', '20');
      while ((await stored()).sessions === 0) await new Promise((done) => setTimeout(done, 20));
      importer.kill('SIGKILL');
      await new Promise((done) => importer.once('exit', done));
      const killed = await stored();
      expect(killed.sessions).toBeLessThan(3000);
      expect(killed.messages).toBe(killed.counted);

      const rerun = runImport(`agents-sqlite:${file}`, '--user', user, '--batch-size', '500');
      expect(rerun.status).toBe(0);
      expect(row(rerun.stdout, 'imported')[0] + row(rerun.stdout, 'already there')[0]).toBe(3000);
      expect(row(rerun.stdout, 'already there')[0]).toBe(killed.sessions);
      expect(await stored()).toEqual({ sessions: 3000, counted: total, messages: total });
    });
  });
});
