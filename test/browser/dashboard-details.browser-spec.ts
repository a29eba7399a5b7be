// Functions passed to page.evaluate/waitForFunction run in the page: they see the DOM.
/// <reference lib="dom" />
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { type Api, apiAs, createSession } from '../factories/api.factory.js';
import { newUser } from '../factories/token.factory.js';
import { controlEnv } from '../utils/control.js';
import { useTestApp } from '../utils/use-test-app.js';
import { removeQueues, workerApi } from '../utils/work.js';
import { launchChromium, NARROW, personAt, rows, signInAs, waitForRows, WIDE } from './chromium.js';
import { CHAT_COMPLETIONS } from './seed.js';

const HANDLERS = ['research'];
// A long phase (MAX_PHASE_LENGTH is 64) without a place to break a line.
const LONG_PHASE = 'decomposition_into_subquestions_each_with_sources_and_costs';

/** How far the phase's text reaches past its card (0 when it fits), from the rendered boxes. */
const phaseOverflow = (page: Page) =>
  page.locator('[data-field="phase"]').evaluate((dd) => {
    const range = document.createRange();
    range.selectNodeContents(dd);
    const text = range.getBoundingClientRect();
    const card = dd.parentElement!.getBoundingClientRect();
    return Math.max(0, text.right - card.right, dd.scrollWidth - dd.clientWidth);
  });

describe('dashboard details a newcomer notices, in a real browser', () => {
  const app = useTestApp(controlEnv({ REMOTE_HANDLERS: HANDLERS.join(','), MAX_RUNNING_PER_USER: '20' }), {
    beforeClose: (a) => removeQueues(a, HANDLERS),
  });
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  /** A session started on the remote handler: it waits until a worker claims it. */
  async function startedRemote(api: Api, title: string): Promise<string> {
    const session = await createSession(api, { title });
    await api.post(`/sessions/${session.id}/start`, { handler: 'research' }).expect(202);
    return session.id;
  }

  /** Claims until `id` is the one leased (claims take the oldest first), completing the others. */
  async function claimUntil(worker: Api, id: string): Promise<string> {
    for (;;) {
      const claimed = await worker.post('/work/claim', { handlers: HANDLERS, waitSeconds: 5 }).expect(200);
      if (claimed.body.session.id === id) return claimed.body.lease.id as string;
      await worker.post(`/work/${claimed.body.lease.id}/complete`, {}).expect(200);
    }
  }

  it('counts a list of one as "1 session"', async () => {
    const alone = newUser('alone');
    await createSession(apiAs(app, alone), { title: 'The only one' });
    const { context, page, errors } = await personAt(browser, base);
    await signInAs(page, alone);
    await waitForRows(page, 1);
    await page.getByText('1 session shown: that is all.').waitFor({ timeout: 5_000 });
    expect(await page.getByText('1 sessions').count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('keeps "x seconds ago" true as the page clock moves on, without a reload', async () => {
    const user = newUser('clock');
    await createSession(apiAs(app, user), { title: 'Ticking' });
    const { context, page } = await personAt(browser, base);
    await page.clock.install();
    await signInAs(page, user);
    await waitForRows(page, 1);
    const ago = page.locator('tr[data-session-id] td[data-label="Last activity"]');
    expect(await ago.innerText()).toMatch(/now|second/);

    await page.clock.fastForward('03:00');
    await page.waitForFunction(
      () => /3 minutes ago/.test(document.querySelector('td[data-label="Last activity"]')!.textContent ?? ''),
      null,
      {
        timeout: 5_000,
      },
    );
    await context.close();
  });

  it('shows each history row compactly on a 360 px phone, every field still there', async () => {
    const user = newUser('phone');
    const api = apiAs(app, user);
    await createSession(api, { title: 'Created, never started' });
    const killed = await createSession(api, { title: 'Killed one' });
    await api.post(`/sessions/${killed.id}/kill`, { reason: 'enough' }).expect(202);
    const running = await startedRemote(api, 'A long title for a running session, as people write them');
    await api.post(`/sessions/${running}/progress`, { phase: 'decomposition', roundNumber: 3, costDelta: 0.0123 }).expect(202);

    const { context, page } = await personAt(browser, base, NARROW);
    await signInAs(page, user);
    await waitForRows(page, 3);
    // Newest first: the running one (its title on two lines), the killed one, the created one. Each was 290 px or more as a labelled list.
    const heights = await rows(page).evaluateAll((trs) => trs.map((tr) => Math.round(tr.getBoundingClientRect().height)));
    console.log(`dashboard: history rows at 360 px are ${heights.join(', ')} px tall`);
    expect(heights[0]).toBeLessThanOrEqual(200);
    for (const height of heights.slice(1)) expect(height).toBeLessThanOrEqual(150);
    const row = page.locator(`tr[data-session-id="${running}"]`);
    // Every field is still shown (its label comes from CSS, data-label).
    const cells = await row
      .locator('td[data-label]')
      .evaluateAll((tds) =>
        tds.map((td) => [td.getAttribute('data-label'), td.getBoundingClientRect().width > 0 ? td.textContent : 'hidden']),
      );
    expect(Object.fromEntries(cells)).toEqual({
      Status: 'waiting for a worker',
      Title: 'A long title for a running session, as people write them',
      Phase: 'decomposition',
      Round: '3',
      Cost: '$0.01',
      Messages: '0',
      Created: expect.stringMatching(/\d/),
      'Last activity': expect.stringMatching(/now|ago/),
    });
    // Nothing wider than the phone: no sideways scrolling.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(NARROW.width);
    await context.close();
  });

  it('renders Chat Completions tool_calls and tool results as tool calls, not as JSON', async () => {
    const user = newUser('chat');
    const api = apiAs(app, user);
    const session = await createSession(api, { title: 'Chat Completions' });
    await api.post(`/sessions/${session.id}/messages`, { items: CHAT_COMPLETIONS.slice(0, 2) }).expect(201);
    const { context, page, errors } = await personAt(browser, base);
    await signInAs(page, user);
    await page.goto(`/#/sessions/${session.id}`);

    const call = page.locator('.tool-call');
    await call.waitFor();
    expect(await call.locator('code').innerText()).toBe('convert_currency');
    expect(await call.locator('.tool-head').innerText()).toContain('call_fx');
    expect(JSON.parse(await call.locator('pre').innerText())).toEqual({ amount: 29, from: 'EUR', to: 'USD' });
    const result = page.locator('.tool-result');
    expect(await result.locator('.tool-head').innerText()).toContain('call_fx');
    expect(await result.locator('pre').innerText()).toBe('31.40 USD');
    expect(await page.locator('.message pre.json').count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('collapses a long message behind "Show more", opens it, and closes it with "Show less"; short ones have no button', async () => {
    const user = newUser('long');
    const api = apiAs(app, user);
    const session = await createSession(api, { title: 'Long answer' });
    await api
      .post(`/sessions/${session.id}/messages`, { items: [{ role: 'user', content: 'Short question?' }, CHAT_COMPLETIONS[2]] })
      .expect(201);
    const { context, page } = await personAt(browser, base);
    await signInAs(page, user);
    await page.goto(`/#/sessions/${session.id}`);

    const long = page.locator('.message[data-seq="2"]');
    const body = long.locator('.message-body');
    const toggle = long.getByRole('button', { name: 'Show more' });
    await toggle.waitFor();
    const heights = () => body.evaluate((el) => ({ shown: el.clientHeight, full: el.scrollHeight }));
    const collapsed = await heights();
    expect(collapsed.shown).toBeLessThan(collapsed.full / 2);
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');

    await toggle.click();
    const less = long.getByRole('button', { name: 'Show less' });
    expect(await less.getAttribute('aria-expanded')).toBe('true');
    const open = await heights();
    expect(open.shown).toBe(open.full);
    expect(await long.innerText()).toContain('40. A consideration about the EU launch, line 40.');

    await less.click();
    await toggle.waitFor();
    expect((await heights()).shown).toBe(collapsed.shown);
    // A short message has no toggle (its only button is "Fork from here").
    expect(await page.locator('.message[data-seq="1"] button[aria-expanded]').count()).toBe(0);
    expect(
      await page
        .locator('.message[data-seq="1"]')
        .getByRole('button', { name: /Show (more|less)/ })
        .count(),
    ).toBe(0);
    await context.close();
  });

  it('says "waiting for a worker" until a remote worker claims the session, then running, in the list and on its page; the Phase card holds its phase', async () => {
    const user = newUser('waits');
    const api = apiAs(app, user);
    const first = await startedRemote(api, 'First in line');
    const second = await startedRemote(api, 'Needs a worker');
    const { context, page, errors } = await personAt(browser, base);
    await signInAs(page, user);
    const row = (id: string) => page.locator(`tr[data-session-id="${id}"]`);
    await row(first).getByText('waiting for a worker').waitFor();
    await row(second).getByText('waiting for a worker').waitFor();
    expect(await row(first).locator('[data-status]').getAttribute('data-status')).toBe('running');

    // A claim makes no event: the list reads its waiting rows again and shows the claimed one running, without a reload.
    const worker = workerApi(app);
    const firstLease = await claimUntil(worker, first);
    await row(first).locator('.badge-running').waitFor({ timeout: 15_000 });
    expect(await row(second).getByText('waiting for a worker').count()).toBe(1);

    await row(second).getByRole('link', { name: 'Needs a worker' }).click();
    const head = page.locator('.session-head');
    await head.getByText('waiting for a worker').waitFor();
    await page.getByText('no worker has taken it yet').waitFor();
    const lease = await claimUntil(worker, second);
    await head.locator('.badge-running').waitFor({ timeout: 15_000 });
    expect(await head.locator('[data-status]').innerText()).toBe('running');
    expect(await page.getByText('no worker has taken it yet').count()).toBe(0);
    await worker.post(`/work/${firstLease}/complete`, {}).expect(200);

    const overflows: string[] = [];
    for (const phase of ['decomposition', LONG_PHASE]) {
      await worker.post(`/work/${lease}/progress`, { phase }).expect(202);
      await page.waitForFunction((p) => document.querySelector('[data-field="phase"]')?.textContent === p, phase);
      for (const viewport of [WIDE, NARROW]) {
        await page.setViewportSize(viewport);
        overflows.push(`${phase} at ${viewport.width} px: ${await phaseOverflow(page)} px past its card`);
      }
      await page.setViewportSize(WIDE);
    }
    expect(overflows.filter((line) => !line.endsWith(': 0 px past its card'))).toEqual([]);
    await worker.post(`/work/${lease}/complete`, {}).expect(200);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
