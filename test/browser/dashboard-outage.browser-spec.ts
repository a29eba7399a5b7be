// Functions passed to page.evaluate/waitForFunction run in the page: they see the DOM.
/// <reference lib="dom" />
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { newUser } from '../factories/token.factory.js';
import { TcpProxy } from '../utils/tcp-proxy.js';
import { useTestApp } from '../utils/use-test-app.js';
import { launchChromium, personAt, signInAs } from './chromium.js';

describe('dashboard while PostgreSQL is away', () => {
  let proxy: TcpProxy;
  // The service reaches PostgreSQL through a proxy the test cuts; without Redis there is no events stream either.
  const app = useTestApp(
    async () => {
      proxy = await TcpProxy.start(process.env.DATABASE_URL!);
      return { DATABASE_URL: proxy.url(process.env.DATABASE_URL!), REDIS_URL: '' };
    },
    { afterClose: () => proxy.close() },
  );
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('says the API is unavailable (503), then shows the history once it is back and Retry is pressed', async () => {
    const { context, page, errors } = await personAt(browser, base);
    await proxy.cut();
    await signInAs(page, newUser('outage'));
    const alert = page.getByRole('alert').filter({ hasText: '503' });
    await alert.waitFor({ timeout: 20_000 });
    expect(await alert.innerText()).toContain('cannot reach its database');
    await page.locator('[data-stream="unavailable"]').waitFor({ timeout: 20_000 });

    await proxy.restore();
    await alert.getByRole('button', { name: 'Retry' }).click();
    await page.getByText('No sessions yet.').waitFor({ timeout: 20_000 });
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
