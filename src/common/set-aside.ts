import type { Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';

// Bounds the memory of a long run of bad rows; one forgotten is only logged and tried again.
const REMEMBERED = 10_000;

/**
 * The sessions a background job (flush, sweep, cleanup) could not process because of their own
 * data: each is logged once, then left out, so that one bad session never stops the job for the
 * others. An outage is not a bad session: callers rethrow those instead of setting anything aside.
 */
export class SetAside {
  private readonly ids = new LRUCache<string, true>({ max: REMEMBERED });

  constructor(
    private readonly logger: Logger,
    private readonly job: string,
  ) {}

  add(id: string, error: unknown): void {
    if (this.ids.has(id)) return;
    this.ids.set(id, true);
    const why = error instanceof Error ? error.message : String(error);
    this.logger.error(`${this.job}: session ${id} set aside (the others go on): ${why}`);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  list(): string[] {
    return [...this.ids.keys()];
  }
}
