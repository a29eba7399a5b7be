import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { RedisClient } from '../redis/redis-client.js';
import { OutageLog } from '../common/log-once.js';
import { FIRST_EVENT_ID } from './event-id.js';
import { EventLog } from './event-log.js';
import type { EventFeed, FeedListener } from './event-store.js';

const READ = { count: 1000, blockMs: 2000, retryMs: 500 };
// A blocked read answers within blockMs; beyond this the connection is taken as stalled.
const READ_TIMEOUT_MS = READ.blockMs + 3000;

/**
 * One reader per instance, however many subscribers: a single blocking XREAD on the feed, on a
 * connection of its own, handing each event to the local subscribers of its user. It runs while
 * anyone listens and picks up after an outage from the last id it read, so nothing is skipped.
 */
@Injectable()
export class EventFeedReader implements EventFeed, OnApplicationShutdown {
  private readonly logger = new Logger(EventFeedReader.name);
  private readonly outage = new OutageLog(this.logger, 'event feed unreadable', 'event feed readable again');
  private readonly byUser = new Map<string, Set<FeedListener>>();
  private connection: RedisClient | null = null;
  /** The last feed id handed out; null while not running. */
  private position: string | null = null;
  private starting: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly log: EventLog) {}

  /** Resolves once the reader holds a position that no later event can precede; rejects when Redis cannot be read. */
  async attach(userId: string, listener: FeedListener): Promise<void> {
    let listeners = this.byUser.get(userId);
    if (!listeners) this.byUser.set(userId, (listeners = new Set()));
    listeners.add(listener);
    try {
      await this.start();
    } catch (error) {
      this.detach(userId, listener);
      throw error;
    }
  }

  detach(userId: string, listener: FeedListener): void {
    const listeners = this.byUser.get(userId);
    listeners?.delete(listener);
    if (listeners?.size === 0) this.byUser.delete(userId);
  }

  get listening(): number {
    let count = 0;
    for (const listeners of this.byUser.values()) count += listeners.size;
    return count;
  }

  onApplicationShutdown(): void {
    this.closed = true;
    this.connection?.disconnect();
  }

  private start(): Promise<void> {
    if (this.position !== null) return Promise.resolve();
    this.starting ??= this.begin().finally(() => (this.starting = null));
    return this.starting;
  }

  private async begin(): Promise<void> {
    if (!this.connection) {
      this.connection = this.log.blockingConnection(READ_TIMEOUT_MS);
      this.connection.on('error', () => undefined); // the shared client reports outages
      await this.connection.connect().catch(() => undefined); // it keeps retrying on its own
    }
    this.position = await this.log.feedTail(this.connection, FIRST_EVENT_ID);
    void this.run();
  }

  private async run(): Promise<void> {
    while (!this.closed && this.byUser.size > 0) {
      try {
        const events = await this.log.readFeed(this.connection!, this.position!, READ.count, READ.blockMs);
        this.outage.recovered();
        for (const event of events) {
          this.position = event.id;
          this.byUser.get(event.userId)?.forEach((listener) => listener(event));
        }
      } catch (error) {
        this.outage.failed(error);
        await new Promise((resolve) => setTimeout(resolve, READ.retryMs).unref());
      }
    }
    // Checked and cleared in one turn: an attach after this starts afresh from the feed's tail.
    this.position = null;
  }
}
