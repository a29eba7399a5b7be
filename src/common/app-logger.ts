import { ConsoleLogger } from '@nestjs/common';

/** LOG_LEVEL's names, least to most said; each level shows itself and everything before it. */
export const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;

// Nest's start-up chatter (a line per module and per route): shown from `debug` on.
const START_UP_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

/** Nest's console logger at LOG_LEVEL, with the framework's start-up lines moved to `debug`. */
export class AppLogger extends ConsoleLogger {
  constructor(level: string = process.env.LOG_LEVEL || 'log') {
    const upTo = Math.max(0, LOG_LEVELS.indexOf(level as (typeof LOG_LEVELS)[number]));
    super({ logLevels: LOG_LEVELS.slice(0, upTo + 1) });
  }

  override log(message: unknown, ...rest: unknown[]): void {
    // RoutesResolver names each controller with the global prefix even where its routes are excluded from it.
    if (rest.at(-1) === 'RoutesResolver') return;
    if (START_UP_CONTEXTS.has(rest.at(-1) as string)) return super.debug(message, ...rest);
    super.log(message, ...rest);
  }
}
