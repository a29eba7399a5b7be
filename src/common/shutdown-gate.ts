import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';

/**
 * Whether this instance is closing, from the first step of `app.close()` on: module destroy hooks
 * run before the worker's drain (up to 6 s) and long before the HTTP server closes, so requests
 * arriving during the drain are refused (refuse-while-closing.ts) rather than served by an
 * instance on its way out.
 */
@Injectable()
export class ShutdownGate implements OnModuleDestroy {
  private readonly logger = new Logger('Shutdown');
  private closingSince?: number;

  get closing(): boolean {
    return this.closingSince !== undefined;
  }

  onModuleDestroy(): void {
    this.closingSince = Date.now();
    this.logger.log('closing: new requests get 503 SHUTTING_DOWN; in-flight requests finish, runs in progress get up to 6 s');
  }

  /** A step of the shutdown, with the time since it began. */
  step(message: string): void {
    this.logger.log(`${message} (+${Date.now() - (this.closingSince ?? Date.now())} ms)`);
  }
}
