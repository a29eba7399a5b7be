import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestApp } from './create-test-app.js';

type Env = Record<string, string>;

export interface TestAppHooks {
  /** Before the app closes, while it still serves (e.g. `removeQueue`, stopping worker processes). */
  beforeClose?: (app: NestFastifyApplication) => Promise<unknown>;
  /** After the app closed (e.g. a TCP proxy the app talked through). */
  afterClose?: () => Promise<unknown>;
}

const restarts = new WeakMap<object, () => Promise<void>>();

/**
 * The lifecycle every e2e spec shares: the app (createTestApp, so the same bootstrap as main.ts)
 * is created in a `beforeAll` and closed in an `afterAll` of the calling `describe`. `env` may be a
 * function, called in that `beforeAll`, for settings known only then (a proxy's port).
 *
 * What it returns stands in for the app: usable in tests and later hooks, not at describe time.
 * It is a forwarding proxy rather than a holder object so specs keep writing `app.get(...)` and
 * `apiAs(app, ...)`, and so `restartTestApp` can swap the app underneath without a reassignment.
 */
export function useTestApp(env: Env | (() => Env | Promise<Env>) = {}, hooks: TestAppHooks = {}): NestFastifyApplication {
  let current: NestFastifyApplication | null = null;
  let settings: Env = {};
  const app = new Proxy({} as NestFastifyApplication, {
    get(_, property) {
      if (!current) throw new Error(`useTestApp: the app is used outside its describe's tests (reading ${String(property)})`);
      const value = Reflect.get(current, property, current);
      return typeof value === 'function' ? value.bind(current) : value;
    },
  });
  restarts.set(app, async () => {
    await current!.close();
    current = await createTestApp(settings);
  });

  beforeAll(async () => {
    settings = typeof env === 'function' ? await env() : env;
    current = await createTestApp(settings);
  });
  afterAll(async () => {
    const closing = current;
    try {
      if (closing) {
        try {
          await hooks.beforeClose?.(app);
        } finally {
          await closing.close();
        }
      }
    } finally {
      current = null;
      await hooks.afterClose?.();
    }
  });
  return app;
}

/** Closes the app behind `useTestApp`'s stand-in and starts it again with the same settings. */
export function restartTestApp(app: NestFastifyApplication): Promise<void> {
  const restart = restarts.get(app);
  if (!restart) throw new Error('restartTestApp takes the app useTestApp returned');
  return restart();
}
