import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { duplicateClient, type RedisClient } from '../../redis/redis-client.js';
import { RedisKeys } from '../../redis/keys.js';
import { REDIS_CLIENT } from '../../redis/redis.constants.js';

type Listener = (value: string) => void;

/**
 * Carries "stop the work of session X" to whichever instance runs it, and "work of handler H is
 * waiting" to the instances where remote workers wait to claim (Redis pub/sub). Delivery is best
 * effort: a worker that misses a stop still stops at its next heartbeat, which finds the session
 * no longer running, a claim that misses a wake-up looks again within a second; and the kill
 * itself never waits for it.
 */
@Injectable()
export class CancelChannel implements OnApplicationShutdown {
  private readonly logger = new Logger(CancelChannel.name);
  private readonly channels: { cancel: string; ready: string };
  private readonly listeners = { cancel: new Set<Listener>(), ready: new Set<Listener>() };
  private subscriber: RedisClient | null = null;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient | null,
    keys: RedisKeys,
  ) {
    this.channels = { cancel: keys.cancelChannel(), ready: keys.workReadyChannel() };
  }

  publish(sessionId: string): Promise<void> {
    return this.send('cancel', sessionId);
  }

  /** A remote handler's job was queued. */
  announce(handler: string): Promise<void> {
    return this.send('ready', handler);
  }

  /** For workers and waiting heartbeats. Returns the unsubscribe. */
  listen(onCancel: Listener): () => void {
    return this.add('cancel', onCancel);
  }

  /** For waiting claims. Returns the unsubscribe. */
  onReady(onReady: Listener): () => void {
    return this.add('ready', onReady);
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
  }

  private async send(topic: 'cancel' | 'ready', value: string): Promise<void> {
    // Without Redis the only worker is this process's (WORK_QUEUE=in-process): tell it directly.
    if (!this.redis) {
      for (const listener of this.listeners[topic]) listener(value);
      return;
    }
    try {
      await this.redis?.publish(this.channels[topic], value);
    } catch (error) {
      this.logger.warn(`${topic} of ${value} not published: ${(error as Error).message}`);
    }
  }

  private add(topic: 'cancel' | 'ready', listener: Listener): () => void {
    this.subscribe();
    this.listeners[topic].add(listener);
    return () => this.listeners[topic].delete(listener);
  }

  /** One connection of its own for both channels, re-subscribed by ioredis after a reconnect. */
  private subscribe(): void {
    if (!this.redis || this.subscriber) return;
    // No command timeout (the shared client's 1 s): a SUBSCRIBE that is slow to be answered still holds.
    this.subscriber = duplicateClient(this.redis, { enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined });
    this.subscriber.on('error', () => undefined); // the shared client already reports outages
    this.subscriber.on('message', (channel: string, value: string) => {
      const topic = channel === this.channels.cancel ? 'cancel' : 'ready';
      for (const listener of this.listeners[topic]) listener(value);
    });
    this.subscriber
      .subscribe(this.channels.cancel, this.channels.ready)
      .catch((error: Error) => this.logger.warn(`control channels: ${error.message}`));
  }
}
