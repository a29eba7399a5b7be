import { basename, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DeliberationHandler } from './deliberation-handler.js';

/** The prefix of DELIBERATION_HANDLER that names an ES module of the user's instead of a built-in handler. */
export const MODULE_PREFIX = 'module:';

/** A handler module that cannot be used: its message is the one line start-up prints. */
export class HandlerModuleError extends Error {
  constructor(spec: string, why: string) {
    super(`DELIBERATION_HANDLER=${spec}: ${why}`);
    this.name = 'HandlerModuleError';
  }
}

/** `./agents/research.js` registers as `research`: the file's name without its extension. */
export function moduleHandlerName(path: string): string {
  return basename(path, extname(path));
}

/**
 * Imports the module (relative paths from the working directory) and makes its default export a
 * handler: a class is constructed without arguments, an object is used as it is; either way it
 * must have run(ctx). Node caches the import, so the start-up check and the worker share one module.
 */
export async function loadHandlerModule(path: string): Promise<DeliberationHandler> {
  const spec = MODULE_PREFIX + path;
  let exported: unknown;
  try {
    exported = ((await import(pathToFileURL(resolve(path)).href)) as { default?: unknown }).default;
  } catch (error) {
    throw new HandlerModuleError(spec, `the module could not be loaded: ${firstLine(error)}`);
  }
  let handler: unknown = exported;
  if (typeof exported === 'function') {
    try {
      handler = new (exported as new () => unknown)();
    } catch (error) {
      throw new HandlerModuleError(spec, `constructing its default export failed: ${firstLine(error)}`);
    }
  }
  if (typeof (handler as DeliberationHandler | null)?.run !== 'function') {
    throw new HandlerModuleError(spec, 'the default export must be a class or an object with a run(ctx) method');
  }
  return handler as DeliberationHandler;
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0];
}
