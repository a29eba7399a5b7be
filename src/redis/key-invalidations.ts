import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';

const CHANNEL = '__redis__:invalidate';

/**
 * Redis's own client-side-caching protocol: with `CLIENT TRACKING ON BCAST PREFIX <prefix>
 * REDIRECT <id>` on the main connection, Redis announces every change to a key under `prefix`,
 * by anyone, on a subscriber connection. `listener(keys)` hears them; `listener(null)` means
 * "forget everything" (FLUSHDB, or the announcements stopped: a connection dropped, so changes
 * may have been missed). The subscriber speaks RESP2: ioredis drops RESP3 invalidation pushes.
 */
export class KeyInvalidations {
  private readonly logger = new Logger(KeyInvalidations.name);
  private readonly subscriber: Redis;
  private subscriberId: number | null = null;
  active = false;

  constructor(
    private readonly main: Redis,
    private readonly prefix: string,
    private readonly listener: (keys: string[] | null) => void,
  ) {
    this.subscriber = main.duplicate({ protocol: 2, autoResubscribe: false, enableOfflineQueue: true, lazyConnect: true });
    this.subscriber.on('error', () => undefined); // the main client already reports the outage
    this.subscriber.on('messageBuffer', (channel: Buffer, keys: Buffer[] | null) => {
      if (channel.toString() === CHANNEL) this.listener(Array.isArray(keys) ? keys.map(String) : null);
    });
    this.subscriber.on('ready', () => void this.subscribe());
    this.main.on('ready', () => void this.track());
    for (const connection of [this.subscriber, this.main]) connection.on('close', () => this.stop());
    this.subscriber.connect().catch(() => undefined);
  }

  close(): void {
    this.stop();
    this.subscriber.disconnect();
  }

  private stop(): void {
    if (this.active) this.listener(null);
    this.active = false;
  }

  private async subscribe(): Promise<void> {
    try {
      this.subscriberId = Number(await this.subscriber.client('ID'));
      await this.subscriber.subscribe(CHANNEL);
      await this.track();
    } catch (error) {
      this.logger.warn(`invalidation subscriber: ${(error as Error).message}`);
    }
  }

  // Both connections must be up: tracking is redirected to this subscriber's id.
  private async track(): Promise<void> {
    if (this.subscriberId === null || this.subscriber.status !== 'ready' || this.main.status !== 'ready') return;
    try {
      await this.main.client('TRACKING', 'ON', 'REDIRECT', this.subscriberId, 'BCAST', 'PREFIX', this.prefix);
      this.listener(null); // whatever was cached before tracking began is unknown
      this.active = true;
    } catch (error) {
      this.logger.warn(`client tracking: ${(error as Error).message}`);
    }
  }
}
