// Functions passed to page.evaluate/waitForFunction run in the page: they see the DOM.
/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { apiAs } from '../factories/api.factory.js';
import { newUser } from '../factories/token.factory.js';
import { personAt, signInAs, SHOTS, useDashboard } from './chromium.js';

const shownSeqs = (page: Page) =>
  page.locator('.messages .message').evaluateAll((lis) => lis.map((li) => Number(li.getAttribute('data-seq'))));

/** Needs the history cap (branch cap): `historyLimit` and `trimmedThroughSeq` on the session. */
describe('dashboard history cap, in a real browser', () => {
  const dashboard = useDashboard();
  const { app } = dashboard;

  it('drops the trimmed messages from an open page as the cap cuts them, and says what was trimmed and the cap', async () => {
    const user = newUser('capped');
    const api = apiAs(app, user);
    const session = (await api.post('/sessions', { title: 'Capped at 3', historyLimit: { maxMessages: 3, trim: 'any' } }).expect(201)).body;
    // A batch larger than the cap is kept whole: the page first shows all five, nothing trimmed.
    const say = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => ({ role: 'user', content: `Note ${from + i}` }));
    await api.post(`/sessions/${session.id}/messages`, { items: say(1, 5) }).expect(201);

    const { context, page, errors } = await personAt(dashboard.browser, dashboard.base);
    await signInAs(page, user);
    await page.goto(`/#/sessions/${session.id}`);
    await page.locator('.messages .message').nth(4).waitFor();
    expect(await page.locator('.history-cap').count()).toBe(0);

    // The next append cuts to the last three, while the page is open.
    await api.post(`/sessions/${session.id}/messages`, { items: say(6, 6) }).expect(201);
    await page.locator('.history-cap').waitFor({ timeout: 15_000 });
    await page.waitForFunction(() => document.querySelectorAll('.messages .message').length === 3, null, { timeout: 15_000 });
    expect(await shownSeqs(page)).toEqual([4, 5, 6]);
    expect(await page.locator('.history-cap').innerText()).toBe(
      'Messages through #3 were trimmed by the history cap (cap: 3 messages, bytes: server default).',
    );
    expect(await page.getByRole('button', { name: 'Load older messages' }).count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}/session-cap-1440.png` });

    // A reload shows the same.
    await page.reload();
    await page.locator('.history-cap').waitFor();
    await page.locator('.messages .message').nth(2).waitFor();
    expect(await shownSeqs(page)).toEqual([4, 5, 6]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
