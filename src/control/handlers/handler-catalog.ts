import { UnknownHandlerError } from '../../common/domain-error.js';
import { MODULE_PREFIX, moduleHandlerName } from './handler-module.js';

/** The names of the built-in handlers (their classes are in deliberation-handlers.ts). */
export const BUILT_IN_HANDLERS = ['scripted'] as const;

export interface HandlerChoice {
  name: string;
  /** Run by a remote worker over HTTP (REMOTE_HANDLERS) rather than by the service's workers. */
  remote: boolean;
}

export interface HandlerSettings {
  handler: string;
  remoteHandlers: string[];
}

/**
 * Every handler a session may be started with, known from configuration alone (an API-only
 * instance validates names without loading the user's module): the built-ins, the module of
 * DELIBERATION_HANDLER=module:<path> under its file name, and REMOTE_HANDLERS.
 */
export class HandlerCatalog {
  readonly defaultName: string;
  readonly inProcess: readonly string[];
  readonly remote: readonly string[];
  /** The path of the user's module, when DELIBERATION_HANDLER names one. */
  readonly modulePath?: string;

  /** Throws one line per problem with the configuration, in the words of the environment validation. */
  constructor(settings: HandlerSettings) {
    const problems: string[] = [];
    const spec = settings.handler;
    if (spec.startsWith(MODULE_PREFIX)) {
      this.modulePath = spec.slice(MODULE_PREFIX.length);
      if (!this.modulePath) problems.push(invalid('DELIBERATION_HANDLER', spec, 'module:<path to an ES module>'));
    }
    const moduleName = this.modulePath ? moduleHandlerName(this.modulePath) : undefined;
    this.inProcess = moduleName ? [...BUILT_IN_HANDLERS, moduleName] : [...BUILT_IN_HANDLERS];
    this.remote = settings.remoteHandlers;
    this.defaultName = moduleName ?? spec;
    const clash = this.remote.filter((name) => this.inProcess.includes(name));
    if (clash.length)
      problems.push(invalid('REMOTE_HANDLERS', this.remote.join(','), `names other than the in-process handlers' (${clash.join(', ')})`));
    if (moduleName && (BUILT_IN_HANDLERS as readonly string[]).includes(moduleName)) {
      problems.push(invalid('DELIBERATION_HANDLER', spec, `a module whose file name is not a built-in handler's (${moduleName})`));
    }
    if (!this.modulePath && !this.names.includes(spec)) {
      problems.push(invalid('DELIBERATION_HANDLER', spec, `one of ${this.names.join(', ')}, or module:<path to an ES module>`));
    }
    if (problems.length) throw new Error(problems.join('\n'));
  }

  get names(): string[] {
    return [...this.inProcess, ...this.remote];
  }

  /** The handler a start names, or the default; UNKNOWN_HANDLER (400) for a name nobody registered. */
  choose(name?: string): HandlerChoice {
    const chosen = name ?? this.defaultName;
    if (this.remote.includes(chosen)) return { name: chosen, remote: true };
    if (this.inProcess.includes(chosen)) return { name: chosen, remote: false };
    throw new UnknownHandlerError(chosen, this.names);
  }
}

function invalid(variable: string, value: string, must: string): string {
  return `Invalid environment variable ${variable}=${JSON.stringify(value)}: must be ${must}`;
}
