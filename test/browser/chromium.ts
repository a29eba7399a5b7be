// Functions passed to page.evaluate/waitForFunction run in the page: they see the DOM.
/// <reference lib="dom" />
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { tokenFor } from '../factories/token.factory.js';
import { useTestApp } from '../utils/use-test-app.js';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it): playwright-core downloads no browser. */
export const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (as .ci/run does)`);
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** Where each run's screenshots go (dist/ is not committed). */
export const SHOTS = 'dist/screenshots';

export interface Dashboard {
  app: NestFastifyApplication;
  /** The listening app's URL, once the describe's beforeAll ran. */
  base: string;
  browser: Browser;
}

/** A describe's app, listening on a free port, and one Chromium for its tests. */
export function useDashboard(env: Record<string, string> = {}): Dashboard {
  const dashboard = { app: useTestApp(env), base: '', browser: undefined as unknown as Browser };
  beforeAll(async () => {
    await dashboard.app.listen({ port: 0, host: '127.0.0.1' });
    dashboard.base = `http://127.0.0.1:${(dashboard.app.getHttpServer().address() as AddressInfo).port}`;
    dashboard.browser = await launchChromium();
    mkdirSync(SHOTS, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await dashboard.browser?.close();
  });
  return dashboard;
}

export const WIDE = { width: 1440, height: 900 };
export const NARROW = { width: 360, height: 780 };

/** A context of its own (its own sessionStorage: one person), failing the test on any page error. */
export async function personAt(
  browser: Browser,
  baseURL: string,
  viewport = WIDE,
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ baseURL, viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  // A CSP refusal shows up as a console error: the page must run under the service's policy as it is.
  page.on(
    'console',
    (message) => message.type() === 'error' && /Content Security Policy/.test(message.text()) && errors.push(message.text()),
  );
  return { context, page, errors };
}

/**
 * Signs in as `user` by pasting a token, as a person with a configured secret does ("sign in as"
 * exists only without one: signin.browser-spec.ts).
 */
export async function signInAs(page: Page, user: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Bearer token').fill(tokenFor(user));
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { name: 'Sessions' }).waitFor();
}

export const rows = (page: Page) => page.locator('tr[data-session-id]');

/** The rows' titles, top to bottom. */
export const titles = (page: Page) => page.locator('tr[data-session-id] td.title').allInnerTexts();

/** Waits until the page shows `count` rows (a state with a deadline, not a speed assertion). */
export async function waitForRows(page: Page, count: number, timeout = 15_000): Promise<void> {
  await page.waitForFunction((n) => document.querySelectorAll('tr[data-session-id]').length === n, count, { timeout });
}
