// Functions passed to page.evaluate/waitForFunction run in the page: they see the DOM.
/// <reference lib="dom" />
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { API, apiAs, createSession } from '../factories/api.factory.js';
import { newUser, tokenFor } from '../factories/token.factory.js';
import { TcpProxy } from '../utils/tcp-proxy.js';
import { useTestApp } from '../utils/use-test-app.js';
import { launchChromium, NARROW, personAt, rows, signInAs, titles, waitForRows, WIDE } from './chromium.js';
import { seedHistory, seedMany, TRANSCRIPT } from './seed.js';

// Screenshots of each run (dist/ is not committed); the README's come from here.
const SHOTS = 'dist/screenshots';

describe('dashboard in a real browser', () => {
  // The scripted handler, slowed to many short steps: a run lasts long enough to be watched and killed.
  // A run long enough (100 rounds of 400 ms) that a page whose event stream had to reconnect on a
  // loaded machine still sees it in deliberation.
  const app = useTestApp({ DELIBERATION_STEP_MS: '400', DELIBERATION_ROUNDS: '100' });
  const alice = newUser('alice');
  let base: string;
  let browser: Browser;
  let seeded: Awaited<ReturnType<typeof seedHistory>>;

  beforeAll(async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    browser = await launchChromium();
    seeded = await seedHistory(apiAs(app, alice));
    mkdirSync(SHOTS, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  const shoot = async (page: Page, name: string) => {
    for (const [label, viewport] of [
      ['1440', WIDE],
      ['360', NARROW],
    ] as const) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: `${SHOTS}/${name}-${label}.png`, fullPage: label === '360' ? false : true });
    }
    await page.setViewportSize(WIDE);
  };

  it('signs in as a user, shows the 60 sessions newest first, 20 at a time as the list scrolls', async () => {
    const { context, page, errors } = await personAt(browser, base);
    await signInAs(page, alice);
    await waitForRows(page, 20);
    expect((await titles(page)).slice(0, 3)).toEqual(['Transcript: EU pricing', 'Seeded 59', 'Seeded 58']);
    await shoot(page, 'history');

    await page.getByRole('button', { name: 'Load more sessions' }).scrollIntoViewIfNeeded();
    await waitForRows(page, 40);
    await page.getByRole('button', { name: 'Load more sessions' }).scrollIntoViewIfNeeded();
    await waitForRows(page, 60);
    await page.getByText('60 sessions shown: that is all.').waitFor();
    expect((await titles(page)).at(-1)).toBe('Seeded 01');
    expect(new Set(await titles(page)).size).toBe(60);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('filters by status and searches titles (case-insensitively) through the API', async () => {
    const { context, page } = await personAt(browser, base);
    await signInAs(page, alice);
    await waitForRows(page, 20);

    await page.getByLabel('Status').selectOption('killed');
    await waitForRows(page, 6);
    expect(await page.locator('tr[data-session-id] [data-status]').evaluateAll((els) => els.map((el) => el.textContent))).toEqual(
      Array(6).fill('killed'),
    );

    await page.getByLabel('Status').selectOption('');
    await page.getByLabel('Title contains').fill('Alpha');
    await waitForRows(page, 5);
    expect(await titles(page)).toEqual([
      'Seeded 50 ALPHA review',
      'Seeded 40 alpha review',
      'Seeded 30 alpha review',
      'Seeded 20 alpha review',
      'Seeded 10 alpha review',
    ]);
    await page.getByLabel('Title contains').fill('no such title');
    await page.getByText('No session matches this filter.').waitFor();
    await context.close();
  });

  it('opens a transcript: text, a tool call with its arguments, its result, an image, and the audit trail', async () => {
    const { context, page, errors } = await personAt(browser, base);
    await signInAs(page, alice);
    await page.getByRole('link', { name: 'Transcript: EU pricing' }).click();
    await page.getByRole('heading', { name: 'Transcript: EU pricing' }).waitFor();

    await page.getByText('Which tier should we launch in the EU?').waitFor();
    const call = page.locator('.tool-call').first();
    expect(await call.locator('code').innerText()).toBe('search_prices');
    expect(JSON.parse(await call.locator('pre').innerText())).toEqual({ market: 'EU', tiers: ['basic', 'pro'] });
    expect(await page.locator('.tool-result pre').first().innerText()).toBe('pro: 29 EUR');
    const image = page.locator('img.image');
    await image.waitFor();
    expect(await image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(240);
    await page.getByText('Launch pro first; basic follows in Q3.').waitFor();
    expect(await page.locator('.message').count()).toBe(TRANSCRIPT.length);
    // Never started: nothing in its audit trail yet (the live-run test checks a filled one).
    await page.getByText('No transitions yet.').waitFor();
    await shoot(page, 'session');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('creates and starts a session, shows its phase move without a reload, kills it (badge within 2 s)', async () => {
    const { context, page, errors } = await personAt(browser, base);
    await signInAs(page, alice);
    await page.getByRole('button', { name: 'New session' }).click();
    await page.getByLabel('Title', { exact: true }).fill('Live run');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'Live run' }).waitFor();
    await page.locator('.session-head [data-status="created"]').waitFor();

    await page.getByRole('button', { name: 'Start Live run' }).click();
    await page.locator('.session-head [data-status="running"]').waitFor();
    // The handler reports decomposition, then deliberation rounds: the page follows without a reload.
    await page.waitForFunction(() => document.querySelector('[data-field="phase"]')?.textContent === 'deliberation', null, {
      timeout: 40_000,
    });
    expect(await page.getByRole('button', { name: 'Start Live run' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Kill Live run' }).click();
    await page.getByLabel('Reason (optional, kept in the audit trail)').fill('seen enough');
    await page.getByRole('dialog').getByRole('button', { name: 'Kill' }).click();
    await page.locator('.session-head [data-status="killed"]').waitFor({ timeout: 2_000 });
    await page.locator('.timeline q', { hasText: 'seen enough' }).waitFor();
    // Only delete is legal from killed.
    expect(await page.locator('.session .controls button').allInnerTexts()).toEqual(['Delete']);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it('deletes from the history only after confirmation', async () => {
    const { context, page } = await personAt(browser, base);
    await signInAs(page, alice);
    await page.getByLabel('Title contains').fill('Seeded 01');
    await waitForRows(page, 1);

    await page.getByRole('button', { name: 'Delete Seeded 01' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    expect(await rows(page).count()).toBe(1);

    await page.getByRole('button', { name: 'Delete Seeded 01' }).click();
    // Keyboard: focus starts on Cancel; Tab reaches the destructive button.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByText('No session matches this filter.').waitFor();
    await apiAs(app, alice)
      .get(`/sessions/${seeded.ids.get('Seeded 01')}`)
      .expect(404);
    await context.close();
  });

  it('says what happened when someone else acted first (409) and shows the row as it now is', async () => {
    const api = apiAs(app, alice);
    const raced = await createSession(api, { title: 'Raced' });
    const { context, page } = await personAt(browser, base);
    await signInAs(page, alice);
    const row = page.locator(`tr[data-session-id="${raced.id}"]`);
    await row.waitFor();
    // The kill lands between the click and the start reaching the service: the start is a 409.
    await page.route(`**/api/v1/sessions/${raced.id}/start`, async (route) => {
      await api.post(`/sessions/${raced.id}/kill`, { reason: 'elsewhere' }).expect(202);
      await route.continue();
    });
    await row.getByRole('button', { name: 'Start Raced' }).click();
    await row.getByRole('alert').filter({ hasText: 'someone else acted first, the session is now killed' }).waitFor();
    await row.locator('[data-status="killed"]').waitFor();
    expect(await row.locator('.controls button').allInnerTexts()).toEqual(['Delete']);
    await context.close();
  });

  it('shows another user none of it, even by the address of a session', async () => {
    const { context, page } = await personAt(browser, base);
    await page.goto('/');
    await page.getByLabel('Bearer token').fill(tokenFor(newUser('bob')));
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText('No sessions yet.').waitFor();
    await page.goto(`/#/sessions/${seeded.transcriptId}`);
    await page.getByText('This session does not exist, or was deleted.').waitFor();
    expect(await page.getByText('Transcript: EU pricing').count()).toBe(0);
    await context.close();
  });

  it('returns to sign-in with the reason when the token is refused (401)', async () => {
    const { context, page } = await personAt(browser, base);
    await page.goto('/');
    await page.getByLabel('Bearer token').fill(tokenFor(alice, { expiresIn: -60 }));
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const notice = page.getByRole('alert').filter({ hasText: 'Signed out' });
    await notice.waitFor();
    expect(await notice.innerText()).toMatch(/exp/);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await context.close();
  });

  it('follows the events stream: a session made elsewhere appears, its kill turns the badge red within 2 s', async () => {
    const { context, page } = await personAt(browser, base);
    await signInAs(page, alice);
    await waitForRows(page, 20);
    await page.locator('[data-stream="open"]').waitFor();

    const api = apiAs(app, alice);
    const made = await createSession(api, { title: 'Made elsewhere' });
    const row = page.locator(`tr[data-session-id="${made.id}"]`);
    await row.waitFor();
    expect((await titles(page))[0]).toBe('Made elsewhere');

    await api.post(`/sessions/${made.id}/kill`, { reason: 'from the API' }).expect(202);
    await row.locator('[data-status="killed"]').waitFor({ timeout: 2_000 });
    await context.close();
  });

  it('shows the stream dropping, reconnects with Last-Event-ID and gets what it missed', async () => {
    // The browser reaches the service through a proxy that the test cuts: the stream drops for real.
    const proxy = await TcpProxy.start(base);
    const { context, page } = await personAt(browser, proxy.url(base).replace(/\/$/, ''));
    const lastEventIds: (string | undefined)[] = [];
    page.on('request', (req) => req.url().endsWith('/api/v1/events') && lastEventIds.push(req.headers()['last-event-id']));
    try {
      await signInAs(page, alice);
      await page.locator('[data-stream="open"]').waitFor();
      const api = apiAs(app, alice);
      const made = await createSession(api, { title: 'Killed while offline' });
      const row = page.locator(`tr[data-session-id="${made.id}"]`);
      await row.locator('[data-status="created"]').waitFor();

      await proxy.cut();
      await page.locator('[data-stream="reconnecting"], [data-stream="unavailable"]').waitFor();
      await api.post(`/sessions/${made.id}/kill`, { reason: 'while the page was offline' }).expect(202);
      await proxy.restore();

      await row.locator('[data-status="killed"]').waitFor({ timeout: 20_000 });
      await page.locator('[data-stream="open"]').waitFor();
      expect(lastEventIds[0]).toBeUndefined();
      expect(lastEventIds.at(-1)).toEqual(expect.any(String));
    } finally {
      await context.close();
      await proxy.close();
    }
  }, 60_000);

  it('shows the first rows of a 10,000-session history (load time printed)', async () => {
    const many = newUser('many');
    await seedMany(app, many, 10_000);
    const { context, page } = await personAt(browser, base);
    await signInAs(page, many);
    const timings: number[] = [];
    for (let run = 0; run < 3; run++) {
      const started = Date.now();
      await page.reload();
      await rows(page).first().waitFor();
      timings.push(Date.now() - started);
    }
    await waitForRows(page, 20);
    expect((await titles(page))[0]).toBe('bulk 10000');
    console.log(`dashboard: first rows of a 10,000-session history in ${timings.join(', ')} ms (reload to first row)`);
    await context.close();
  }, 120_000);
});

// The page's HTML itself: served at / with the service's CSP, no inline script for it to allow.
describe('dashboard page', () => {
  const app = useTestApp();
  it('is served at / with scripts from files only', async () => {
    const response = await fetch(`${await listening(app)}/`);
    const html = await response.text();
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js"><\/script>/);
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toContain(API + '/dev');
  });
});

async function listening(app: ReturnType<typeof useTestApp>): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
}
