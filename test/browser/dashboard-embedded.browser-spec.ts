import { apiAs, createSession } from '../factories/api.factory.js';
import { newUser } from '../factories/token.factory.js';
import { controlEnv } from '../utils/control.js';
import { personAt, signInAs, useDashboard } from './chromium.js';

/*
 * The embedded first run's setting: no Redis, one instance (WORK_QUEUE=in-process, as main.ts sets
 * it). Its live updates come from the events it keeps in process, not "unavailable: retrying".
 */
describe('dashboard on the one instance without Redis', () => {
  const dashboard = useDashboard(controlEnv({ REDIS_URL: '', WORK_QUEUE: 'in-process', DELIBERATION_ROUNDS: '1' }));

  it('follows the events stream: a session made elsewhere appears, and its run shows as completed', async () => {
    const user = newUser('in-process');
    const { context, page, errors } = await personAt(dashboard.browser, dashboard.base);
    await signInAs(page, user);
    await page.locator('[data-stream="open"]').waitFor();

    const api = apiAs(dashboard.app, user);
    const made = await createSession(api, { title: 'Made elsewhere' });
    const row = page.locator(`tr[data-session-id="${made.id}"]`);
    await row.waitFor();
    await api.post(`/sessions/${made.id}/start`).expect(202);
    await row.locator('[data-status="completed"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-stream="open"]').count()).toBe(1);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
