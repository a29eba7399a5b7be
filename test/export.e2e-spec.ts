import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import request from 'supertest';
import { API, apiAs, createSession, type Api, rawAs } from './factories/api.factory.js';
import { newUser, tokenFor } from './factories/token.factory.js';
import { seedHistory } from './utils/history.js';
import { sqlRows } from './utils/sql.js';
import { baseUrlOf } from './utils/sse-client.js';
import { useTestApp } from './utils/use-test-app.js';

/*
 * GET /api/v1/export and `npm run export`: one JSON line per session, the session as GET shows it
 * and its messages as limit=all shows them, byte for byte (bodies are compared as raw text).
 */
const WEIRD = '{"b":1,"2":"two","a":{"10":[1.0,1e400,12345678901234567890,-0.0,1E-7],"1":null},"esc":"\\/\\u00e9\\ud83d","dup":1,"dup":2}';
const UNICODE = '"héllo wörld 🌍 — 日本語"';

// A full garbage collection on demand, for live heap figures (the app runs in this process).
v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as () => void;

/** The raw text of an answer (supertest would parse JSON lines as nothing). */
const rawText = (response: unknown, done: (error: Error | null, body: string) => void) => {
  const res = response as NodeJS.ReadableStream;
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (text += chunk));
  res.on('end', () => done(null, text));
  res.on('error', (error: Error) => done(error, text));
};

/** The line an export must hold for this session: GET's text and limit=all's items, side by side. */
async function expectedLine(api: Api, id: string): Promise<string> {
  const session = (await api.get(`/sessions/${id}`).buffer(true).parse(rawText).expect(200)).body as string;
  const history = (await api.get(`/sessions/${id}/messages?limit=all`).buffer(true).parse(rawText).expect(200)).body as string;
  const items = history.slice('{"items":'.length, -',"nextBefore":null}'.length);
  return `{"format":"session-store/v1","session":${session},"messages":${items}}`;
}

async function exportOf(api: Api): Promise<{ text: string; type: string }> {
  const response = await api.get('/export').buffer(true).parse(rawText).expect(200);
  return { text: response.body as string, type: response.headers['content-type'] };
}

/** `count` sessions of `user`, each with `messages` messages of `chars` characters, in SQL (the API would take minutes). */
async function seedSessions(user: string, count: number, messages: number, chars: number): Promise<void> {
  await sqlRows(
    `WITH s AS (
       INSERT INTO sessions (user_id, title, last_seq, message_count, expires_at)
       SELECT $1, 'bulk ' || n, $3, $3, now() + interval '1 day' FROM generate_series(1, $2::int) AS n RETURNING id)
     INSERT INTO messages (session_id, seq, role, content, metadata, text_bytes)
     SELECT s.id, g, 'user', to_json(repeat('x', $4::int)), '{}', $4::int + 4 FROM s, generate_series(1, $3::int) AS g`,
    [user, count, messages, chars],
  );
}

describe('export (GET /api/v1/export, npm run export)', () => {
  const app = useTestApp();

  it('answers 401 without a token', async () => {
    await request(app.getHttpServer()).get(`${API}/export`).expect(401);
  });

  it("gives each of the user's sessions as GET shows it with its history byte for byte, oldest first, and nothing of anyone else's", async () => {
    const user = newUser();
    const owner = apiAs(app, user);
    const raw = (path: string, body: string) => rawAs(app, user)('post', path, body);

    const exact = (await raw('/sessions', `{"key":"exact","title":"ünïcödé 🌍","context":${WEIRD},"metadata":{"z":1,"a":1.0}}`).expect(201))
      .body.id;
    await raw(
      `/sessions/${exact}/messages`,
      `{"items":[{"role":"user","content":${UNICODE}},{"role":"assistant","content":${WEIRD},"metadata":${WEIRD}}]}`,
    ).expect(201);
    await raw(`/sessions/${exact}/messages`, '{"role":"tool","content":[1.0,1e400,{"b":1,"a":2}]}').expect(201);
    const empty = (await createSession(owner, { title: 'empty' })).id;
    // More than one batch of the snapshot (1000 messages): the history is read in several.
    const large = (await createSession(owner, { title: 'large' })).id;
    await seedHistory(owner, large, 2500, 300);
    const gone = (await createSession(owner, { title: 'deleted' })).id;
    await owner.delete(`/sessions/${gone}`).expect(204);
    const other = apiAs(app, newUser());
    await other
      .post(`/sessions/${(await createSession(other, { title: 'not yours' })).id}/messages`, { role: 'user', content: 'secret' })
      .expect(201);

    const { text, type } = await exportOf(owner);
    expect(type).toMatch(/^application\/x-ndjson/);
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    expect(lines).toEqual([await expectedLine(owner, exact), await expectedLine(owner, empty), await expectedLine(owner, large)]);
    expect(JSON.parse(lines[2]).messages).toHaveLength(2500);
    expect(text).not.toContain('not yours');
    expect(text).not.toContain('secret');
    expect(text).not.toContain(gone);
  }, 120_000);

  it('answers an empty body for a user without sessions', async () => {
    const { text } = await exportOf(apiAs(app, newUser()));
    expect(text).toBe('');
  });

  it('streams a large export as the client reads it, with bounded server memory, and frees its place when the client goes away', async () => {
    const user = newUser();
    const owner = apiAs(app, user);
    // 150 sessions of 10 x 100 kB: 150 MB of export, more than two pages of the walk's positions.
    await seedSessions(user, 150, 10, 100_000);
    const url = `${await baseUrlOf(app)}${API}/export`;
    const headers = { Authorization: `Bearer ${tokenFor(user)}` };

    // Live heap (after a full collection) at a few points of the read: garbage left behind does not count.
    const liveHeap = () => (collect(), process.memoryUsage().heapUsed);
    const heapBefore = liveHeap();
    let heapPeak = heapBefore;
    let bytes = 0;
    const titles: string[] = [];
    await new Promise<void>((resolve, reject) => {
      http
        .get(url, { headers }, (res) => {
          expect(res.statusCode).toBe(200);
          let carry = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            bytes += Buffer.byteLength(chunk);
            const text = carry + chunk;
            const end = text.lastIndexOf('\n');
            carry = end < 0 ? text : text.slice(end + 1);
            const before = titles.length;
            for (const line of end < 0 ? [] : text.slice(0, end).split('\n')) titles.push(/"title":"([^"]*)"/.exec(line)![1]);
            if (Math.floor(before / 40) !== Math.floor(titles.length / 40) || (before === 0 && titles.length))
              heapPeak = Math.max(heapPeak, liveHeap());
            if (before === 0 && titles.length) {
              // The first line is here: a session made now is still ahead of the walk, so it is in this export.
              res.pause();
              createSession(owner, { title: 'made during the export' }).then(() => res.resume(), reject);
            }
          });
          res.on('end', () => (carry ? reject(new Error('the answer ended inside a line')) : resolve()));
          res.on('error', reject);
        })
        .on('error', reject);
    });
    const mib = (n: number) => Math.round(n / 1048576);
    console.log(`export of ${mib(bytes)} MiB: live heap ${mib(heapBefore)} MiB before, at most ${mib(heapPeak)} MiB during`);
    expect(titles).toHaveLength(151);
    expect(titles.at(-1)).toBe('made during the export');
    expect(bytes).toBeGreaterThan(150 * 10 * 100_000);
    // A few batches in flight at most: the whole answer held would be 150 MB at least.
    expect(heapPeak - heapBefore).toBeLessThan(bytes / 4);

    // One export at a time per user: a second one while the first runs is refused...
    const first = await new Promise<http.ClientRequest>((resolve, reject) => {
      const req = http.get(url, { headers }, (res) => res.once('data', () => resolve(req)));
      req.on('error', () => undefined);
      setTimeout(() => reject(new Error('no first byte')), 30_000).unref();
    });
    const second = await owner.get('/export').expect(429);
    expect(second.body.code).toBe('TOO_MANY_CONCURRENT_EXPORTS');
    expect(second.headers['retry-after']).toBeDefined();
    // ...and once its client goes away, its place (and its transaction) are given back.
    first.destroy();
    for (let attempt = 0; ; attempt++) {
      const next = await owner.get('/export').buffer(true).parse(rawText);
      if (next.status === 200) break;
      expect(next.status).toBe(429);
      if (attempt > 50) throw new Error('the export slot was never given back');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 300_000);

  it('writes the same lines with npm run export, to a file or to stdout', async () => {
    const user = newUser();
    const owner = apiAs(app, user);
    const id = (await createSession(owner, { title: 'cli', metadata: { b: 1, a: 2 } })).id;
    await request(app.getHttpServer())
      .post(`${API}/sessions/${id}/messages`)
      .set('Authorization', `Bearer ${tokenFor(user)}`)
      .set('Content-Type', 'application/json')
      .send(`{"role":"user","content":${WEIRD}}`)
      .expect(201);
    const { text } = await exportOf(owner);
    expect(text).toBe(`${await expectedLine(owner, id)}\n`);

    const out = join(tmpdir(), `export-${user}.jsonl`);
    const cli = (args: string[]) => promisify(execFile)(process.execPath, ['dist/scripts/export.js', ...args], { maxBuffer: 1 << 26 });
    try {
      await cli(['--user', user, '--out', out]);
      expect(await readFile(out, 'utf8')).toBe(text);
    } finally {
      await rm(out, { force: true });
    }
    expect((await cli(['--user', user])).stdout).toBe(text);
    await expect(cli([])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--user is required') });
  }, 120_000);
});
