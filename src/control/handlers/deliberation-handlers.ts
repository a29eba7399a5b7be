import type { Provider, Type } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { controlConfig } from '../../config/app.config.js';
import type { DeliberationHandler } from './deliberation-handler.js';
import { BUILT_IN_HANDLERS, HandlerCatalog } from './handler-catalog.js';
import { loadHandlerModule } from './handler-module.js';
import { ScriptedDeliberationHandler } from './scripted-deliberation.handler.js';

/**
 * The built-in handlers by name. Your own pipeline needs no fork: DELIBERATION_HANDLER=module:<path>
 * loads it (see docs/control-plane.md); a class added here is a Nest provider instead.
 */
const BUILT_IN: Record<(typeof BUILT_IN_HANDLERS)[number], Type<DeliberationHandler>> = {
  scripted: ScriptedDeliberationHandler,
};

/** The handlers this process's worker runs, by name (the job names one; absent, the default). */
export type InProcessHandlers = ReadonlyMap<string, DeliberationHandler>;

/** Injection token of the InProcessHandlers map. */
export const IN_PROCESS_HANDLERS = Symbol('IN_PROCESS_HANDLERS');

/** Every instance has the catalog: a start is checked against it wherever it is received. */
export const handlerCatalogProvider: Provider = {
  provide: HandlerCatalog,
  inject: [controlConfig.KEY],
  useFactory: (config: ConfigType<typeof controlConfig>) => new HandlerCatalog(config),
};

/** Where a worker runs: the built-ins, constructed by Nest, and the user's module, loaded once. */
export const inProcessHandlerProviders: Provider[] = [
  ...Object.values(BUILT_IN),
  {
    provide: IN_PROCESS_HANDLERS,
    inject: [HandlerCatalog, ...Object.values(BUILT_IN)],
    useFactory: async (catalog: HandlerCatalog, ...builtIns: DeliberationHandler[]): Promise<InProcessHandlers> => {
      const handlers = new Map<string, DeliberationHandler>(Object.keys(BUILT_IN).map((name, i) => [name, builtIns[i]]));
      if (catalog.modulePath) handlers.set(catalog.inProcess.at(-1)!, await loadHandlerModule(catalog.modulePath));
      return handlers;
    },
  },
];

/**
 * For main.ts and worker.ts, before they touch the database: a bad handler configuration, or a
 * module that does not load, stops start-up with one line rather than a stack trace from Nest.
 */
export async function checkHandlers(settings: ConfigType<typeof controlConfig>): Promise<void> {
  const catalog = new HandlerCatalog(settings);
  if (catalog.modulePath && settings.workerEnabled) await loadHandlerModule(catalog.modulePath);
}
