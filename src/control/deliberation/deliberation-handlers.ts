import type { Provider, Type } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { controlConfig } from '../../config/app.config.js';
import { DELIBERATION_HANDLER, type DeliberationHandler } from './deliberation-handler.js';
import { ScriptedDeliberationHandler } from './scripted-deliberation.handler.js';

/**
 * The handlers a deployment can pick with DELIBERATION_HANDLER. To plug in your own pipeline,
 * add its class here under a name (it is a Nest provider, so it may inject services).
 */
export const DELIBERATION_HANDLERS: Record<string, Type<DeliberationHandler>> = {
  scripted: ScriptedDeliberationHandler,
};

const names = Object.keys(DELIBERATION_HANDLERS);

/**
 * Throws one line unless `name` is registered. main.ts and worker.ts call it before touching the
 * database, so a typo stops the start at once instead of after migrating, with a stack trace.
 */
export function assertKnownHandler(name: string): void {
  if (!names.includes(name)) {
    throw new Error(`Invalid environment variable DELIBERATION_HANDLER=${JSON.stringify(name)}: must be one of ${names.join(', ')}`);
  }
}

export const deliberationHandlerProviders: Provider[] = [
  ...Object.values(DELIBERATION_HANDLERS),
  {
    provide: DELIBERATION_HANDLER,
    // Injected (not looked up) so that Nest constructs each handler before this factory runs.
    inject: [controlConfig.KEY, ...Object.values(DELIBERATION_HANDLERS)],
    useFactory: (config: ConfigType<typeof controlConfig>, ...handlers: DeliberationHandler[]): DeliberationHandler => {
      assertKnownHandler(config.handler);
      return handlers[names.indexOf(config.handler)];
    },
  },
];
