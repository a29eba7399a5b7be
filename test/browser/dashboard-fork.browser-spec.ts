// Functions passed to page.evaluate/waitForFunction run in the page: they see the DOM.
/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { apiAs, createSession } from '../factories/api.factory.js';
import { newUser } from '../factories/token.factory.js';
import { personAt, signInAs, SHOTS, useDashboard } from './chromium.js';

const sessionIdOf = (page: Page) => decodeURIComponent(/#\/sessions\/([^?]+)/.exec(page.url())?.[1] ?? '');
const shownTexts = (page: Page) => page.locator('.messages .message .text').allInnerTexts();

describe('dashboard fork, in a real browser', () => {
  const dashboard = useDashboard();
  const { app } = dashboard;

  it('forks at a middle message: the new session opens with exactly messages 1..N and links back to its source', async () => {
    const user = newUser('forker');
    const api = apiAs(app, user);
    const source = await createSession(api, { title: 'EU pricing, first try' });
    const texts = ['Which tier first?', 'Pro, by the numbers.', 'And basic?', 'Basic in Q3.', 'Agreed.'];
    await api
      .post(`/sessions/${source.id}/messages`, { items: texts.map((content, i) => ({ role: i % 2 ? 'assistant' : 'user', content })) })
      .expect(201);

    const { context, page, errors } = await personAt(dashboard.browser, dashboard.base);
    await signInAs(page, user);
    await page.goto(`/#/sessions/${source.id}`);
    await page.locator('.messages .message').nth(4).waitFor();
    expect(await page.getByRole('button', { name: 'Fork from here' }).count()).toBe(5);

    await page.locator('.message[data-seq="3"]').getByRole('button', { name: 'Fork from here' }).click();
    const link = page.locator('.forked-from a');
    await link.waitFor({ timeout: 15_000 });
    const forkId = sessionIdOf(page);
    expect(forkId).not.toBe(source.id);
    await page.locator('.messages .message').nth(2).waitFor();
    expect(await shownTexts(page)).toEqual(texts.slice(0, 3));
    expect(await page.locator('.forked-from').innerText()).toBe('Forked from EU pricing, first try at message 3');

    // What the page shows is what the API stored: the fork names its source, the source is unchanged.
    const fork = (await api.get(`/sessions/${forkId}`).expect(200)).body;
    expect(fork.forkedFrom).toEqual({ sessionId: source.id, atSeq: 3 });
    expect(fork.messageCount).toBe(3);
    expect((await api.get(`/sessions/${source.id}`).expect(200)).body.messageCount).toBe(5);
    await page.screenshot({ path: `${SHOTS}/session-fork-1440.png`, fullPage: true });

    // The link goes back to the source, at the message the fork was taken from.
    await link.click();
    await page.waitForFunction((id) => location.hash.startsWith(`#/sessions/${id}`), source.id);
    await page.locator('.messages .message').nth(4).waitFor();
    expect(await shownTexts(page)).toEqual(texts);
    expect(await page.locator('.message[aria-current="true"]').getAttribute('data-seq')).toBe('3');
    expect(await page.locator('.forked-from').count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('says why a fork was refused and opens nothing (the source was deleted meanwhile)', async () => {
    const user = newUser('refused');
    const api = apiAs(app, user);
    const source = await createSession(api, { title: 'Soon gone' });
    await api.post(`/sessions/${source.id}/messages`, { items: [{ role: 'user', content: 'Hello' }] }).expect(201);

    const { context, page, errors } = await personAt(dashboard.browser, dashboard.base);
    // No events stream: the deletion's notice cannot reach the page before the click.
    await page.route('**/api/v1/events*', (route) => route.abort());
    await signInAs(page, user);
    await page.goto(`/#/sessions/${source.id}`);
    await page.locator('.messages .message').first().waitFor();
    await api.delete(`/sessions/${source.id}`).expect(204);

    await page.locator('.message[data-seq="1"]').getByRole('button', { name: 'Fork from here' }).click();
    await page.getByRole('alert').filter({ hasText: 'Could not fork' }).waitFor({ timeout: 15_000 });
    expect(sessionIdOf(page)).toBe(source.id);
    expect((await api.get('/sessions?limit=10').expect(200)).body.items).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
