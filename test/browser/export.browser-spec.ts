import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { API, apiAs, createSession } from '../factories/api.factory.js';
import { newUser, tokenFor } from '../factories/token.factory.js';
import { useTestApp } from '../utils/use-test-app.js';
import { launchChromium, personAt, signInAs, waitForRows } from './chromium.js';

describe('dashboard: Export my sessions', () => {
  const app = useTestApp();
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it("downloads the person's sessions as the export's JSON lines, each history exact", async () => {
    const user = newUser('exporter');
    const api = apiAs(app, user);
    const first = await createSession(api, { title: 'Ünïcode 🌍' });
    await request(app.getHttpServer())
      .post(`${API}/sessions/${first.id}/messages`)
      .set('Authorization', `Bearer ${tokenFor(user)}`)
      .set('Content-Type', 'application/json')
      .send('{"items":[{"role":"user","content":"héllo"},{"role":"assistant","content":[1.0,1e400,{"b":1,"a":2}]}]}')
      .expect(201);
    const second = await createSession(api, { title: 'second' });
    await createSession(apiAs(app, newUser()), { title: 'not theirs' });
    const expected = (
      await api
        .get('/export')
        .buffer(true)
        .parse((res, done) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => done(null, text));
        })
    ).body as string;

    const { context, page, errors } = await personAt(browser, base);
    await signInAs(page, user);
    await waitForRows(page, 2);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export my sessions' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^sessions-\d{4}-\d{2}-\d{2}\.jsonl$/);
    const text = await readFile(await download.path(), 'utf8');
    expect(text).toBe(expected);
    const lines = text.trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line).session.id)).toEqual([first.id, second.id]);
    expect(lines[0]).toContain('"content":[1.0,1e400,{"b":1,"a":2}]');
    expect(text).not.toContain('not theirs');
    await page.getByRole('button', { name: 'Export my sessions' }).waitFor();
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
