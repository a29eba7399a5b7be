import type { Provider, Type } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ModuleRef } from '@nestjs/core';
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

export const deliberationHandlerProviders: Provider[] = [
  ...Object.values(DELIBERATION_HANDLERS),
  {
    provide: DELIBERATION_HANDLER,
    inject: [controlConfig.KEY, ModuleRef],
    useFactory: (config: ConfigType<typeof controlConfig>, modules: ModuleRef): DeliberationHandler => {
      const handler = DELIBERATION_HANDLERS[config.handler];
      if (!handler) {
        const names = Object.keys(DELIBERATION_HANDLERS).join(', ');
        throw new Error(`Invalid environment variable DELIBERATION_HANDLER=${JSON.stringify(config.handler)}: must be one of ${names}`);
      }
      return modules.get(handler);
    },
  },
];
