import type { Logger } from '@nestjs/common';

/**
 * The loop of a background sweep that every instance runs: a pass every `ms` (unref'd, so it
 * never keeps a closing process alive), never two passes at once, and an interrupted pass (an
 * outage) logged and retried at the next tick. A pass pushes what it did into `done` as it goes,
 * so what it finished before an interruption is still reported.
 */
export class PeriodicSweep<T> {
  private timer?: NodeJS.Timeout;
  private busy = false;

  constructor(
    private readonly logger: Logger,
    private readonly name: string,
    private readonly pass: (done: T[]) => Promise<void>,
  ) {}

  start(ms: number): void {
    this.timer = setInterval(() => void this.run(), ms);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One pass now (none while another runs): what it did. */
  async run(): Promise<T[]> {
    if (this.busy) return [];
    this.busy = true;
    const done: T[] = [];
    try {
      await this.pass(done);
    } catch (error) {
      this.logger.warn(`${this.name} interrupted: ${(error as Error).message}`);
    } finally {
      this.busy = false;
    }
    return done;
  }
}
