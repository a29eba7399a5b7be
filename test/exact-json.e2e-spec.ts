import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { runMigrations } from '../src/database/migrate.js';
import { rawAs } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { createTestApp } from './utils/create-test-app.js';
import { ownDatabase } from './utils/own-database.js';
import { withSql } from './utils/sql.js';
import { useTestApp } from './utils/use-test-app.js';
import type { Redis } from 'ioredis';
import { RedisKeys } from '../src/redis/keys.js';
import { REDIS_CLIENT } from '../src/redis/redis.constants.js';

/*
 * Free-form values come back byte for byte as sent (CONTRACT "(v2) Exactly as sent"). Bodies are
 * sent as raw text and answers compared as raw text: a JS object in between would already have
 * moved integer-like keys first, dropped a repeated key and respelled the numbers.
 */
const WEIRD =
  '{"b":1,"2":"two","a":{"10":[1.0,1e400,12345678901234567890,-0.0,1E-7],"1":null},' +
  '"__proto__":{"constructor":{"toString":"x","__proto__":[]}},"constructor":"c","toString":{"valueOf":1,"hasOwnProperty":0},' +
  '"esc":"\\/\\u00e9\\ud83d\\u0000\\\\ \\"}","half":"\\ud83d","ws":[ 1 ,\n\t2 ],"dup":1,"dup":2}';
const CALL = '{"type":"function_call","callId":"c1","name":"f","arguments":"{\\"x\\":1}","id":"fc_1","status":"completed"}';
const CONTENT = `[${CALL}, ${WEIRD}, "\\ud83d", "\\u0000", 1.50]`;
const META = '{"z":true,"1":"one","__proto__":{"toString":[]},"n":1.0}';
const nestedArrays = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

/** What an answer holds for a session's free-form fields: written side by side, as sent. */
const sessionFields = (context: string, metadata: string) => `"context":${context},"metadata":${metadata},"status"`;
const messageFields = (content: string, metadata: string) => `"content":${content},"metadata":${metadata},"createdAt"`;

describe('exactly as sent (issue 10 item 1)', () => {
  const app = useTestApp();
  let user: string;
  let raw: ReturnType<typeof rawAs>;

  beforeEach(() => {
    user = newUser();
    raw = rawAs(app, user);
  });

  it('answers session context and metadata as sent: on create, GET (from Redis, then in process), by key, list, and after PATCH', async () => {
    const created = await raw('post', '/sessions', `{"key":"k1","context":${WEIRD},"metadata":${META}}`).expect(201);
    expect(created.text).toContain(sessionFields(WEIRD, META));
    const id = created.body.id;
    for (let read = 0; read < 2; read++)
      expect((await raw('get', `/sessions/${id}`).expect(200)).text).toContain(sessionFields(WEIRD, META));
    expect((await raw('get', '/sessions/by-key/k1').expect(200)).text).toContain(sessionFields(WEIRD, META));
    expect((await raw('put', '/sessions/by-key/k1', '{}').expect(200)).text).toContain(sessionFields(WEIRD, META));
    expect((await raw('get', '/sessions').expect(200)).text).toContain(sessionFields(WEIRD, META));

    const patched = await raw('patch', `/sessions/${id}`, `{"metadata":${WEIRD}}`).expect(200);
    expect(patched.text).toContain(sessionFields(WEIRD, WEIRD));
    expect((await raw('get', `/sessions/${id}`).expect(200)).text).toContain(sessionFields(WEIRD, WEIRD));
    // The answer is still JSON that parses, with the keys JS keeps.
    expect(patched.body.context.esc).toBe('/é\ud83d\u0000\\ "}');
  });

  it('keeps whitespace inside a value as sent, and none around it', async () => {
    const context = '{ "a" :\n [ 1 , 2 ]\t}';
    const created = await raw('post', '/sessions', `{ "context" :  ${context}  , "metadata":{} }`).expect(201);
    expect(created.text).toContain(sessionFields(context, '{}'));
  });

  it('answers message content and metadata as sent: on append, in a page, in the limit=all stream, and when popped', async () => {
    const { id } = (await raw('post', '/sessions', '{}').expect(201)).body;
    const single = await raw('post', `/sessions/${id}/messages`, `{"role":"user","content":${CONTENT},"metadata":${META}}`).expect(201);
    expect(single.text).toContain(messageFields(CONTENT, META));
    const batch = `{"items":[{"role":"assistant","content":${WEIRD}},{"content":"\\ud800","metadata":${WEIRD},"role":"tool"},{"role":"user","content":1e400}]}`;
    const appended = await raw('post', `/sessions/${id}/messages`, batch).expect(201);
    const expected = [
      messageFields(CONTENT, META),
      messageFields(WEIRD, '{}'),
      messageFields('"\\ud800"', WEIRD),
      messageFields('1e400', '{}'),
    ];
    for (const fields of expected.slice(1)) expect(appended.text).toContain(fields);

    for (const path of [`/sessions/${id}/messages`, `/sessions/${id}/messages?limit=all`]) {
      const text = (await raw('get', path).expect(200)).text;
      let from = 0;
      for (const fields of expected) {
        const at = text.indexOf(fields, from);
        expect(at).toBeGreaterThanOrEqual(from); // each one, in order
        from = at + fields.length;
      }
    }
    expect((await raw('delete', `/sessions/${id}/messages/last`).expect(200)).text).toContain(expected[3]);
  });

  it(`accepts free-form values nested 512 levels deep and answers them as sent; 513 is a 400 naming the field, and nothing is stored`, async () => {
    const { id } = (await raw('post', '/sessions', '{}').expect(201)).body;
    const deep = nestedArrays(512);
    const deepObject = '{"a":'.repeat(511) + '{}' + '}'.repeat(511);
    await raw('post', `/sessions/${id}/messages`, `{"items":[{"role":"user","content":${deep},"metadata":${deepObject}}]}`).expect(201);
    expect((await raw('get', `/sessions/${id}/messages`).expect(200)).text).toContain(messageFields(deep, deepObject));
    const created = await raw('post', '/sessions', `{"context":${deepObject}}`).expect(201);
    expect(created.text).toContain(sessionFields(deepObject, '{}'));

    const tooDeep = nestedArrays(513);
    // In a batch the body itself passes its bound (515: the deepest a free-form value sits, plus 512).
    const refusals: Array<[string, string, string | string[]]> = [
      [`/sessions/${id}/messages`, `{"role":"user","content":${tooDeep}}`, ['content must not nest deeper than 512 levels']],
      [
        `/sessions/${id}/messages`,
        `{"items":[{"role":"user","content":1},{"role":"user","content":${tooDeep}}]}`,
        'Body must not nest deeper than 515 levels',
      ],
      ['/sessions', `{"context":{"a":${nestedArrays(512)}}}`, ['context must not nest deeper than 512 levels']],
    ];
    for (const [path, body, message] of refusals) expect((await raw('post', path, body).expect(400)).body.message).toEqual(message);
    expect((await raw('get', `/sessions/${id}`).expect(200)).body.messageCount).toBe(1);
    expect((await raw('get', '/sessions').expect(200)).body.items).toHaveLength(2);
  });

  it('measures the 64 KiB of metadata and context as the bytes sent, whitespace and escapes included', async () => {
    const ofBytes = (bytes: number) => `{"a":"${'x'.repeat(bytes - 8)}"}`;
    expect(ofBytes(65536)).toHaveLength(65536);
    await raw('post', '/sessions', `{"metadata":${ofBytes(65536)}}`).expect(201);
    // The same value with spaces around its colon: as JS sees it, no larger; as sent, over the limit.
    const spaced = ofBytes(65536).replace('"a":', '"a" : ');
    const response = await raw('post', '/sessions', `{"context":${spaced}}`).expect(400);
    expect(response.body.message).toEqual(['context must be a JSON object of at most 65536 bytes']);
    expect((await raw('get', '/sessions').expect(200)).body.items).toHaveLength(1);
  });

  it('reads a session cached before the exact texts (context and metadata as objects) as those objects', async () => {
    const created = await raw('post', '/sessions', '{"context":{"b":1,"a":2},"metadata":{"m":[1]}}').expect(201);
    const key = app.get(RedisKeys).session(created.body.id);
    const redis = app.get<Redis>(REDIS_CLIENT, { strict: false });
    const cached = (await redis.get(key))!;
    const [version, json] = [cached.slice(0, cached.indexOf('|')), cached.slice(cached.indexOf('|') + 1)];
    const old = { ...JSON.parse(json), title: 'from the old copy', context: { b: 1, a: 2 }, metadata: { m: [1] } };
    await redis.set(key, `${version}|${JSON.stringify(old)}`, 'KEEPTTL');
    const read = await raw('get', `/sessions/${created.body.id}`).expect(200);
    expect(read.body.title).toBe('from the old copy');
    expect(read.text).toContain(sessionFields('{"b":1,"a":2}', '{"m":[1]}'));
  });

  it('answers sessions and messages as sent from a restarted service without a cache', async () => {
    const created = await raw('post', '/sessions', `{"context":${WEIRD},"metadata":${META}}`).expect(201);
    const id = created.body.id;
    await raw('post', `/sessions/${id}/messages`, `{"role":"user","content":${CONTENT},"metadata":${WEIRD}}`).expect(201);
    const second = await createTestApp({ REDIS_URL: '' });
    try {
      const again = rawAs(second, user);
      expect((await again('get', `/sessions/${id}`).expect(200)).text).toContain(sessionFields(WEIRD, META));
      expect((await again('get', `/sessions/${id}/messages?limit=all`).expect(200)).text).toContain(messageFields(CONTENT, WEIRD));
    } finally {
      await second.close();
    }
  });
});

describe('exactly as sent: rows written as jsonb before the migration', () => {
  let url: string;

  beforeAll(async () => {
    url = await ownDatabase('exact_migration');
    const db = await new DataSource(dataSourceOptions(url)).initialize();
    try {
      // Back to just before FreeFormJsonAsSent: the migrations after it are undone first.
      let undone: string;
      do {
        [{ name: undone }] = await db.query(`SELECT name FROM migrations ORDER BY timestamp DESC LIMIT 1`);
        await db.undoLastMigration({ transaction: 'each' });
      } while (undone !== 'FreeFormJsonAsSent1764576000000');
      const [{ type }] = await db.query(
        `SELECT data_type AS type FROM information_schema.columns WHERE table_name = 'messages' AND column_name = 'content'`,
      );
      expect(type).toBe('jsonb');
    } finally {
      await db.destroy();
    }
  });

  it('reads them after the migration, as jsonb wrote them, and new rows beside them as sent', async () => {
    const user = newUser();
    // Rows as the schema of then wrote them: no API of now can.
    const id = await withSql(async (sql) => {
      const [row] = (
        await sql.query(
          `INSERT INTO sessions (user_id, context, expires_at, last_seq, message_count)
           VALUES ($1, '{"b":1,"a":[1.0]}', now() + interval '1 day', 1, 1) RETURNING id`,
          [user],
        )
      ).rows;
      await sql.query(`INSERT INTO messages (session_id, seq, role, content, metadata) VALUES ($1, 1, 'user', '{"z":1,"y":"old"}', '{}')`, [
        row.id,
      ]);
      return row.id as string;
    }, url);
    expect((await runMigrations(url))[0]).toBe('FreeFormJsonAsSent1764576000000');

    const app = await createTestApp({ DATABASE_URL: url, REDIS_URL: '' });
    try {
      const raw = rawAs(app, user);
      // jsonb's own text of what it stored: keys by length then bytes, a space after : and ,.
      expect((await raw('get', `/sessions/${id}`).expect(200)).text).toContain(sessionFields('{"a": [1.0], "b": 1}', '{}'));
      await raw('post', `/sessions/${id}/messages`, `{"role":"user","content":${WEIRD}}`).expect(201);
      const page = (await raw('get', `/sessions/${id}/messages`).expect(200)).text;
      expect(page).toContain(messageFields('{"y": "old", "z": 1}', '{}'));
      expect(page).toContain(messageFields(WEIRD, '{}'));
    } finally {
      await app.close();
    }
  });
});
