import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisKeys } from '../redis/keys.js';
import { REDIS_CLIENT } from '../redis/redis.constants.js';

/**
 * Carries "stop the work of session X" to whichever instance runs it (Redis pub/sub). Delivery is
 * best effort: a worker that misses it still stops at its next heartbeat, which finds the session
 * no longer running; and the kill itself never waits for it.
 */
@Injectable()
export class CancelChannel implements OnApplicationShutdown {
  private readonly logger = new Logger(CancelChannel.name);
  private readonly channel: string;
  private subscriber: Redis | null = null;
  private local?: (sessionId: string) => void;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis | null,
    keys: RedisKeys,
  ) {
    this.channel = keys.cancelChannel();
  }

  async publish(sessionId: string): Promise<void> {
    // Without Redis the only worker is this process's (WORK_QUEUE=in-process): tell it directly.
    if (!this.redis) return this.local?.(sessionId);
    try {
      await this.redis?.publish(this.channel, sessionId);
    } catch (error) {
      this.logger.warn(`cancel of ${sessionId} not published: ${(error as Error).message}`);
    }
  }

  /** For workers. Subscribes on a connection of its own, re-subscribed by ioredis after a reconnect. */
  listen(onCancel: (sessionId: string) => void): void {
    if (!this.redis) this.local = onCancel;
    if (!this.redis || this.subscriber) return;
    this.subscriber = this.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.subscriber.on('error', () => undefined); // the shared client already reports outages
    this.subscriber.on('message', (_channel: string, sessionId: string) => onCancel(sessionId));
    this.subscriber.subscribe(this.channel).catch((error: Error) => this.logger.warn(`cancel channel: ${error.message}`));
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
  }
}
