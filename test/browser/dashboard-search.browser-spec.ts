// Functions passed to page.evaluate/waitForFunction run in the page: they see the DOM.
/// <reference lib="dom" />
import { apiAs, createSession } from '../factories/api.factory.js';
import { newUser } from '../factories/token.factory.js';
import { personAt, signInAs, SHOTS, useDashboard } from './chromium.js';

/**
 * The transcript search box of the history, its
 * results grouped by session with the match marked, and a result opening its session at that message.
 */
describe('dashboard transcript search, in a real browser', () => {
  const dashboard = useDashboard();
  const { app } = dashboard;

  it('finds messages across sessions, grouped by session with the match marked; a result opens its session at that message', async () => {
    const user = newUser('searcher');
    const api = apiAs(app, user);
    // 60 messages: the match at seq 2 is older than the page's first read (the latest 50).
    const pricing = await createSession(api, { title: 'EU pricing' });
    const filler = Array.from({ length: 57 }, (_, i) => ({ role: 'assistant', content: `Filler note ${i + 3}.` }));
    await api
      .post(`/sessions/${pricing.id}/messages`, {
        items: [
          { role: 'user', content: 'Which tier should we launch in the EU?' },
          { role: 'assistant', content: 'Launch PRO first; basic follows in Q3.' },
          ...filler,
          { role: 'user', content: 'So the Pro tier it is.' },
        ],
      })
      .expect(201);
    const hiring = await createSession(api, { title: 'Hiring plan' });
    await api
      .post(`/sessions/${hiring.id}/messages`, { items: [{ role: 'user', content: 'Is a pro licence of the ATS worth it?' }] })
      .expect(201);
    await createSession(api, { title: 'Unrelated' });
    // Another person's message holding the same word: never shown.
    const other = apiAs(app, newUser('other'));
    const theirs = await createSession(other, { title: 'Not yours' });
    await other.post(`/sessions/${theirs.id}/messages`, { items: [{ role: 'user', content: 'pro pro pro' }] }).expect(201);

    const { context, page, errors } = await personAt(dashboard.browser, dashboard.base);
    await signInAs(page, user);
    await page.getByRole('searchbox', { name: 'Search transcripts' }).fill('pro');
    const groups = page.locator('.search-group');
    await page.waitForFunction(() => document.querySelectorAll('.search-group [data-seq]').length === 3, null, { timeout: 15_000 });

    // Newest match first, so the sessions come in the order of their newest match.
    expect(await groups.locator('h2 a').allInnerTexts()).toEqual(['Hiring plan', 'EU pricing']);
    expect(
      await groups
        .nth(1)
        .locator('[data-seq]')
        .evaluateAll((lis) => lis.map((li) => li.getAttribute('data-seq'))),
    ).toEqual(['60', '2']);
    // Each match marked as written, whatever its case; the rest of the snippet around it.
    expect(await page.locator('.search-results mark').allInnerTexts()).toEqual(['pro', 'Pro', 'PRO']);
    expect(await groups.nth(1).locator('[data-seq="2"] .snippet').innerText()).toBe('Launch PRO first; basic follows in Q3.');
    expect(await page.getByText('Not yours').count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}/history-search-1440.png`, fullPage: true });

    await groups.nth(1).locator('[data-seq="2"] a').click();
    await page.waitForFunction((id) => location.hash === `#/sessions/${id}?seq=2`, pricing.id);
    const marked = page.locator('.message[aria-current="true"]');
    await marked.waitFor({ timeout: 15_000 });
    expect(await marked.getAttribute('data-seq')).toBe('2');
    await page.waitForFunction(() => {
      const box = document.querySelector('.message[aria-current="true"]')!.getBoundingClientRect();
      return box.top >= 0 && box.bottom <= window.innerHeight;
    });
    expect(await page.locator('.messages .message').count()).toBe(60);
    await page.screenshot({ path: `${SHOTS}/session-search-hit-1440.png` });

    // Back to the history: nothing matches a word no message holds.
    await page.goto('/#/');
    await page.getByRole('searchbox', { name: 'Search transcripts' }).fill('zebra');
    await page.getByText('No message contains “zebra”.').waitFor({ timeout: 15_000 });
    expect(errors).toEqual([]);
    await context.close();
  });
});
