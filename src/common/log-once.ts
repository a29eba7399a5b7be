import type { Logger } from '@nestjs/common';

/**
 * One warning per outage instead of one per retry: the first failure is logged, the rest are
 * silent until `recovered()` (which may say so). Reconnect loops and 2 s timers would flood logs.
 */
export class OutageLog {
  private down = false;

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
    private readonly backMessage?: string,
  ) {}

  failed(error: unknown): void {
    if (!this.down) this.logger.warn(`${this.what}: ${(error as Error)?.message ?? String(error)}`);
    this.down = true;
  }

  recovered(): void {
    if (this.down && this.backMessage) this.logger.log(this.backMessage);
    this.down = false;
  }
}
