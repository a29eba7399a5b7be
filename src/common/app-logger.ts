import { ConsoleLogger } from '@nestjs/common';

/**
 * Nest's console logger without its RoutesResolver lines: those name each controller with the
 * global prefix even when its routes are excluded from it (`{/api/v1/health}` for /health/live),
 * so the start-up log listed routes that do not exist. The "Mapped {...}" lines that follow name
 * the real ones.
 */
export class AppLogger extends ConsoleLogger {
  override log(message: unknown, ...rest: unknown[]): void {
    if (rest.at(-1) === 'RoutesResolver') return;
    super.log(message, ...rest);
  }
}
