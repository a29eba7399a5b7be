import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { newUser } from '../factories/token.factory.js';
import { useTestApp } from '../utils/use-test-app.js';
import { launchChromium, personAt } from './chromium.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

async function listening(app: ReturnType<typeof useTestApp>): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
}

/** Every answer of 400 or more, and every console error, while `page` loads the sign-in page. */
async function openSignIn(page: Page): Promise<string[]> {
  const problems: string[] = [];
  page.on('response', (response) => response.status() >= 400 && problems.push(`${response.status()} ${response.url()}`));
  page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
  await page.goto('/', { waitUntil: 'networkidle' });
  await page.getByRole('heading', { name: 'Sign in with a token' }).waitFor();
  return problems;
}

describe('the sign-in page in production', () => {
  const app = useTestApp({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'a-production-secret-of-enough-length' });
  let base: string;
  beforeAll(async () => {
    base = await listening(app);
  });

  it('asks nothing that fails (no 404 in the console) and offers no "sign in as"', async () => {
    const { context, page, errors } = await personAt(browser, base);
    const problems = await openSignIn(page);
    expect(problems).toEqual([]);
    expect(errors).toEqual([]);
    expect(await page.getByRole('heading', { name: 'Development: sign in as' }).count()).toBe(0);
    await context.close();
  });

  it('serves its icon, as /favicon.ico too', async () => {
    const svg = await fetch(`${base}/favicon.svg`);
    expect([svg.status, svg.headers.get('content-type')]).toEqual([200, 'image/svg+xml']);
    const ico = await fetch(`${base}/favicon.ico`);
    expect(ico.status).toBe(200);
    expect([...new Uint8Array(await ico.arrayBuffer()).slice(0, 4)]).toEqual([0, 0, 1, 0]); // an ICO header
  });
});

describe('the sign-in page in development, with no secret configured', () => {
  const app = useTestApp({ AUTH_JWT_SECRET: '' });

  it('offers "sign in as" on this machine, which signs in as that user', async () => {
    const { context, page, errors } = await personAt(browser, await listening(app));
    expect(await openSignIn(page)).toEqual([]);
    const user = newUser('dev');
    await page.getByLabel('User name').fill(user);
    await page.getByRole('button', { name: `Sign in as ${user}` }).click();
    await page.getByRole('heading', { name: 'Sessions' }).waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });
});
