import { Injectable, Logger } from '@nestjs/common';
import { EVENT_RETENTION_SECONDS } from '../redis/keys.js';
import { compareEventIds } from './event-id.js';
import type { EventFeed, EventStore, FeedListener, LoggedEvent, NewEvent } from './event-store.js';

// However busy the hour, memory stays bounded: past this many events the oldest go first (a
// Last-Event-ID before them replays from the oldest kept, as one past the retention does in Redis).
const MAX_KEPT = 100_000;

/**
 * The events of the one instance that runs without Redis (WORK_QUEUE=in-process: the embedded first
 * run), kept and followed in its memory with the Redis streams' contract: ids `<ms>-<seq>` that only
 * grow, each user's events replayed after Last-Event-ID for the retention (an hour), and handed to
 * this instance's open streams as they are appended. A restart loses them: a client resuming with an
 * id from before it gets what happened since.
 */
@Injectable()
export class InProcessEvents implements EventStore, EventFeed {
  readonly enabled = true;
  private readonly logger = new Logger(InProcessEvents.name);
  /** Every user's events in id order (the feed), trimmed from its head, and each user's, the same order. */
  private readonly kept: LoggedEvent[] = [];
  private readonly byUser = new Map<string, LoggedEvent[]>();
  private readonly listeners = new Map<string, Set<FeedListener>>();
  private last = { ms: 0, seq: 0 };

  append(event: NewEvent): Promise<string> {
    const { userId, type, sessionId, data } = event;
    const logged: LoggedEvent = { id: this.nextId(), userId, type, sessionId, data };
    this.kept.push(logged);
    const ofUser = this.byUser.get(userId);
    if (ofUser) ofUser.push(logged);
    else this.byUser.set(userId, [logged]);
    this.trim();
    for (const listener of this.listeners.get(userId) ?? []) {
      // A stream's failure is its own: the event is kept, and the other streams get it.
      try {
        listener(logged);
      } catch (error) {
        this.logger.error(`event not handed to a stream: ${(error as Error).message}`);
      }
    }
    return Promise.resolve(logged.id);
  }

  userEventsAfter(userId: string, afterId: string, count: number): Promise<LoggedEvent[]> {
    const ofUser = this.byUser.get(userId) ?? [];
    const start = firstAfter(ofUser, afterId);
    return Promise.resolve(ofUser.slice(start, start + count));
  }

  userTail(userId: string, fallback: string): Promise<string> {
    return Promise.resolve(this.byUser.get(userId)?.at(-1)?.id ?? fallback);
  }

  /** Nothing to wait for: every event appended from now on is handed to the listener. */
  attach(userId: string, listener: FeedListener): Promise<void> {
    const listeners = this.listeners.get(userId);
    if (listeners) listeners.add(listener);
    else this.listeners.set(userId, new Set([listener]));
    return Promise.resolve();
  }

  detach(userId: string, listener: FeedListener): void {
    const listeners = this.listeners.get(userId);
    listeners?.delete(listener);
    if (listeners?.size === 0) this.listeners.delete(userId);
  }

  /** As Redis's XADD `*`: the time in ms, and a sequence within one ms (or while the clock stepped back). */
  private nextId(): string {
    const now = Date.now();
    this.last = now > this.last.ms ? { ms: now, seq: 0 } : { ms: this.last.ms, seq: this.last.seq + 1 };
    return `${this.last.ms}-${this.last.seq}`;
  }

  private trim(): void {
    const oldestKeptMs = Date.now() - EVENT_RETENTION_SECONDS * 1000;
    while (this.kept.length > MAX_KEPT || (this.kept.length && idMs(this.kept[0].id) < oldestKeptMs)) {
      const { userId } = this.kept.shift()!;
      // Both lists are in id order: the feed's oldest event is its user's oldest.
      const ofUser = this.byUser.get(userId)!;
      ofUser.shift();
      if (!ofUser.length) this.byUser.delete(userId);
    }
  }
}

const idMs = (id: string): number => Number(id.slice(0, id.indexOf('-')));

/** The index of the first event after `afterId` (events in id order). */
function firstAfter(events: LoggedEvent[], afterId: string): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareEventIds(events[middle].id, afterId) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}
