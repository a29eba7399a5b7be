import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { ensureDatabase } from '../src/database/ensure-database.js';
import { apiAs } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { python, row, runImport } from './import/import-run.js';
import { claimRedisIndex } from './setup/test-redis.mjs';
import { databaseNamed, dropDatabase, withSql } from './utils/sql.js';
import { useTestApp } from './utils/use-test-app.js';

/*
 * The Agents SDK's server-backed sessions as sources: RedisSession in a Redis index of this
 * file's own, SQLAlchemySession in a PostgreSQL database of its own, both written by the real SDK
 * (the pinned Python environment), then imported and read back through the API.
 */
const dir = mkdtempSync(join(tmpdir(), 'import-servers-spec-'));
const maker = join(import.meta.dirname, 'import/make_agents_server.py');
type Expected = Record<string, unknown[]>;

describe('npm run import from the Agents SDK servers', () => {
  const app = useTestApp();
  let redisUrl: string;
  let releaseRedis: () => Promise<unknown>;
  let redis: Redis;
  let pgUrl: string;

  beforeAll(async () => {
    // The pinned environment with the real SDK, installed when missing (quick otherwise).
    execFileSync(new URL('../scripts/python-venv.sh', import.meta.url).pathname, { stdio: 'inherit' });
    ({ url: redisUrl, release: releaseRedis } = await claimRedisIndex());
    redis = new Redis(redisUrl);
    pgUrl = databaseNamed(`${new URL(process.env.DATABASE_URL!).pathname.slice(1)}_agents_pg`);
    await dropDatabase(pgUrl);
    await ensureDatabase(pgUrl);
  }, 600_000);

  afterAll(async () => {
    redis?.disconnect();
    await releaseRedis?.();
    if (pgUrl) await dropDatabase(pgUrl);
  });

  async function historyOf(user: string, key: string) {
    const api = apiAs(app, user);
    const session = await api.get(`/sessions/by-key/${encodeURIComponent(key)}`);
    if (session.status !== 200) return { session, messages: [] as any[] };
    const page = await api.get(`/sessions/${session.body.id}/messages?limit=all`);
    return { session, messages: page.body.items as any[] };
  }

  async function expectImported(user: string, source: string, expected: Expected, createdAt: (key: string) => Promise<string>) {
    for (const [key, items] of Object.entries(expected)) {
      const { session, messages } = await historyOf(user, key);
      expect(session.status).toBe(200);
      expect(messages.map((message) => message.content)).toEqual(items);
      expect(session.body.metadata.importedFrom).toEqual({ source, id: key, importedAt: expect.any(String) });
      expect(session.body.createdAt).toBe(await createdAt(key));
    }
    // A tool call keeps its type as the message's role, as AgentsSession writes it.
    expect((await historyOf(user, 'conv-alpha')).messages.map((message) => message.role).slice(0, 4)).toEqual([
      'user',
      'function_call',
      'function_call_output',
      'assistant',
    ]);
  }

  /** The rerun and the grown source, for a source already imported once for `user`. */
  function expectIdempotent(args: () => string[], user: string, grow: () => Expected) {
    it('a second run imports nothing: every session is already there', () => {
      const run = runImport(...args(), '--user', user);
      expect(run.status).toBe(0);
      expect(row(run.stdout, 'imported')).toEqual([0, 0]);
      expect(row(run.stdout, 'already there')[0]).toBe(4);
    });

    it('a session that grew in the source gets only its new messages', async () => {
      const expected = grow();
      const run = runImport(...args(), '--user', user);
      expect(row(run.stdout, 'appended')).toEqual([1, 1]);
      expect(row(run.stdout, 'already there')[0]).toBe(3);
      expect((await historyOf(user, 'conv-alpha')).messages.map((message) => message.content)).toEqual(expected['conv-alpha']);
    });
  }

  const good = '{"role":"user","content":"fine"}';

  describe('agents-redis: what RedisSession wrote', () => {
    const prefix = 'myapp:sessions';
    const expectedFile = join(dir, 'redis.json');
    const user = newUser('import-redis');
    const args = () => [`agents-redis:${redisUrl}`, '--key-prefix', prefix];

    beforeAll(() => {
      execFileSync(python, [maker, 'redis', redisUrl, prefix, expectedFile]);
    }, 120_000);

    it('imports every session under its id as key, and getItems() here is what get_items() returned there', async () => {
      const run = runImport(...args(), '--user', user);
      expect(run.status).toBe(0);
      const expected = readExpected(expectedFile);
      const total = Object.values(expected).reduce((sum, items) => sum + items.length, 0);
      expect(row(run.stdout, 'source')).toEqual([4, total]);
      expect(row(run.stdout, 'imported')).toEqual([4, total]);
      // The items as stored there: json.dumps' compact text with non-ASCII escaped, kept as it is.
      const stored = await redis.lrange(`${prefix}:conv-β-ünïcode:messages`, 0, -1);
      expect(stored[0]).toContain('\\u00dcn\\u00efc');
      await expectImported(user, `agents-redis:${redisUrl}#${prefix}`, expected, async (key) =>
        new Date(Number(await redis.hget(`${prefix}:${key}`, 'created_at')) * 1000).toISOString(),
      );
    });

    expectIdempotent(args, user, () => {
      execFileSync(python, [maker, 'redis', redisUrl, prefix, expectedFile, '--grow']);
      return readExpected(expectedFile);
    });

    it('refuses by name a session with an item that is not JSON or not UTF-8, a list without its hash and a key too long', async () => {
      // Written by hand in RedisSession's layout (the SDK never writes such items).
      const bad = 'legacy:s';
      const session = (id: string, items: Array<string | Buffer>) =>
        redis
          .multi()
          .hset(`${bad}:${id}`, { session_id: id, created_at: '1700000000', updated_at: '1700000100' })
          .rpush(`${bad}:${id}:messages`, ...items)
          .exec();
      await session('good', [good, good]);
      await session('team:42', [good]); // a colon in the id: the key layout still tells it apart
      await session('broken', [good, '{"role": "user", "content": ']);
      await session('latin1', [Buffer.from([0x7b, 0xff, 0x7d])]);
      await session('k'.repeat(300), [good]);
      await redis.rpush(`${bad}:orphan:messages`, good, good);
      await redis.set(`${bad}:good:counter`, '2');
      const other = newUser('import-redis-bad');
      const run = runImport(`agents-redis:${redisUrl}`, '--key-prefix', bad, '--user', other);
      expect(run.status).toBe(1);
      expect(row(run.stdout, 'source')).toEqual([6, 9]);
      expect(row(run.stdout, 'imported')).toEqual([2, 3]);
      expect(row(run.stdout, 'refused')).toEqual([4, 6]);
      expect(run.stdout).toMatch(/refused "broken": item 2 is not JSON/);
      expect(run.stdout).toMatch(/refused "latin1": item 1 is not UTF-8/);
      expect(run.stdout).toMatch(/refused "k{300}": key too long/);
      expect(run.stdout).toMatch(/refused "orphan": no session/);
      const imported = await historyOf(other, 'team:42');
      expect(imported.messages.map((message) => message.content)).toEqual([{ role: 'user', content: 'fine' }]);
      expect(imported.session.body.createdAt).toBe('2023-11-14T22:13:20.000Z');
      expect((await historyOf(other, 'broken')).session.status).toBe(404);
    });

    it('a Redis that cannot be reached is one line and exit code 2', () => {
      const run = runImport('agents-redis:redis://127.0.0.1:1/0', '--user', 'someone');
      expect(run.status).toBe(2);
      expect(run.stderr.trim().split('\n')).toEqual([expect.stringContaining('cannot open Redis at redis://127.0.0.1:1/0')]);
    });
  });

  describe('agents-postgres: what SQLAlchemySession wrote in PostgreSQL', () => {
    const expectedFile = join(dir, 'postgres.json');
    const user = newUser('import-pg');
    const args = () => [`agents-postgres:${pgUrl}`];
    const sdkUrl = () => pgUrl.replace(/^postgres(ql)?:/, 'postgresql+asyncpg:');

    beforeAll(() => {
      execFileSync(python, [maker, 'postgres', sdkUrl(), expectedFile]);
    }, 120_000);

    it('imports every session under its id as key, and getItems() here is what get_items() returned there', async () => {
      const run = runImport(...args(), '--user', user);
      expect(run.status).toBe(0);
      const expected = readExpected(expectedFile);
      const total = Object.values(expected).reduce((sum, items) => sum + items.length, 0);
      expect(row(run.stdout, 'source')).toEqual([4, total]);
      expect(row(run.stdout, 'imported')).toEqual([4, total]);
      await withSource(async (source) => {
        await expectImported(user, `agents-postgres:${pgUrl}`, expected, async (key) => {
          const { rows } = await source.query('SELECT created_at::timestamptz AS t FROM agent_sessions WHERE session_id = $1', [key]);
          return (rows[0].t as Date).toISOString();
        });
        // Each message keeps its time there.
        const { rows } = await source.query(
          `SELECT created_at::timestamptz AS t FROM agent_messages WHERE session_id = 'conv-large' ORDER BY created_at, id`,
        );
        const { messages } = await historyOf(user, 'conv-large');
        expect(messages.map((message) => message.createdAt)).toEqual(rows.map((r) => (r.t as Date).toISOString()));
      });
    });

    expectIdempotent(args, user, () => {
      execFileSync(python, [maker, 'postgres', sdkUrl(), expectedFile, '--grow']);
      return readExpected(expectedFile);
    });

    it('refuses by name a session with a row that is not JSON and messages without a session, in tables of other names', async () => {
      // SQLAlchemySession's columns under --sessions-table/--messages-table names, written by hand
      // without the foreign key, so that messages can lack their session.
      await withSource((source) =>
        source.query(`CREATE TABLE my_sessions (session_id varchar PRIMARY KEY, created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
            updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP);
          CREATE TABLE my_messages (id serial PRIMARY KEY, session_id varchar NOT NULL, message_data text NOT NULL,
            created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP);
          INSERT INTO my_sessions (session_id) VALUES ('good'), ('broken');
          INSERT INTO my_messages (session_id, message_data) VALUES ('good', '${good}'), ('broken', '${good}'), ('broken', 'not json'),
            ('orphan', '${good}');`),
      );
      const other = newUser('import-pg-bad');
      const run = runImport(
        `agents-postgres:${pgUrl}`,
        '--sessions-table',
        'my_sessions',
        '--messages-table',
        'my_messages',
        '--user',
        other,
      );
      expect(run.status).toBe(1);
      expect(row(run.stdout, 'source')).toEqual([3, 4]);
      expect(row(run.stdout, 'imported')).toEqual([1, 1]);
      expect(row(run.stdout, 'refused')).toEqual([2, 3]);
      expect(run.stdout).toMatch(/refused "broken": message \d+: message_data is not JSON/);
      expect(run.stdout).toMatch(/refused "orphan": no session/);
      expect((await historyOf(other, 'good')).messages).toHaveLength(1);
      expect((await historyOf(other, 'broken')).session.status).toBe(404);
    });

    it('a database without those tables is one line and exit code 2', () => {
      const run = runImport(`agents-postgres:${pgUrl}`, '--sessions-table', 'nothing_here', '--user', 'someone');
      expect(run.status).toBe(2);
      expect(run.stderr.trim().split('\n')).toEqual([expect.stringContaining('cannot read')]);
    });
  });

  /** The source database as the SDK wrote it: what an import is compared with, or a layout the SDK never writes. */
  const withSource = <T>(use: (client: pg.Client) => Promise<T>): Promise<T> => withSql(use, pgUrl);
});

function readExpected(file: string): Expected {
  return JSON.parse(readFileSync(file, 'utf8')) as Expected;
}
