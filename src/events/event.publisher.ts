import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { OutageLog } from '../common/log-once.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { SessionEvent, SessionEventSink } from '../sessions/session-events.js';
import { SessionOwners } from '../sessions/session-owners.js';
import { EventStore, type NewEvent } from './event-store.js';
import { toNewEvent } from './event-payload.js';

// Events waiting for Redis beyond this are dropped (oldest first) and counted: memory stays bounded.
const MAX_PENDING = 100_000;
// Sent together (ioredis pipelines them on one connection, in order).
const BATCH = 500;
const RETRY_MS = { first: 200, max: 2000 };
const SHUTDOWN_WAIT_MS = 2000;
// Unref'd: events waiting for Redis do not keep a closing process alive.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

interface Pending {
  event: NewEvent;
  /** The write that told it waits for this (answered once appended, or parked during an outage). */
  release?: () => void;
}

/**
 * Appends every committed change to the event streams, in the order this instance committed them.
 * A write's answer waits for its events to be appended, so an acknowledged change is announced
 * even if the process dies right after; while Redis is away the events wait here, in order, and
 * the writes answer at once (an instance that dies during a Redis outage loses what it held).
 */
@Injectable()
export class EventPublisher implements SessionEventSink, BeforeApplicationShutdown {
  private readonly logger = new Logger(EventPublisher.name);
  private readonly outage = new OutageLog(this.logger, 'events wait for Redis', 'events reach Redis again');
  private readonly dropped: Counter<string>;
  private readonly pending: Pending[] = [];
  private draining = false;
  // Redis refused the last attempt: writes do not wait for their events until it takes one again.
  private parked = false;
  private closed = false;

  constructor(
    private readonly log: EventStore,
    private readonly owners: SessionOwners,
    metrics: MetricsService,
  ) {
    this.dropped = metrics.counter('events_dropped_total', 'Events dropped because Redis stayed away while too many waited');
  }

  /** Whether there are event streams to append to (Redis): a sink of the sessions' events only then. */
  get enabled(): boolean {
    return this.log.enabled;
  }

  async publish(events: SessionEvent[]): Promise<void> {
    const resolved: NewEvent[] = [];
    for (const event of events) {
      const userId = await this.ownerOf(event);
      if (userId !== null) resolved.push(toNewEvent(event, userId));
    }
    if (!resolved.length) return;
    // Closing, the retries have stopped, but requests in flight and runs draining still change
    // sessions: each change is appended once, now, before its answer (or logged as lost).
    if (this.closed) return this.appendWhileClosing(resolved);
    await new Promise<void>((release) => {
      // Nobody waits while Redis is away, nor once closing (the retries have stopped).
      const waits = !this.parked && !this.closed;
      if (!waits) release();
      const last = waits ? release : undefined;
      resolved.forEach((event, index) => this.pending.push({ event, release: index === resolved.length - 1 ? last : undefined }));
      this.trim();
      void this.drain();
    });
  }

  /** Closing: what still waits gets a last chance (bounded), then the retries stop with the Redis client. */
  async beforeApplicationShutdown(): Promise<void> {
    for (let waited = 0; this.pending.length && waited < SHUTDOWN_WAIT_MS; waited += 100) await sleep(100);
    if (this.pending.length) this.logger.error(`${this.pending.length} events not appended: Redis stayed away until shutdown`);
    this.closed = true;
  }

  private async appendWhileClosing(events: NewEvent[]): Promise<void> {
    for (const event of events) {
      await this.log.append(event).catch((error: Error) => this.logger.error(`event not appended while closing: ${error.message}`));
    }
  }

  /** How many events wait for Redis (for tests and shutdown). */
  get waiting(): number {
    return this.pending.length;
  }

  private async ownerOf(event: SessionEvent): Promise<string | null> {
    return event.type === 'session.progress' ? await this.owners.userIdOf(event.sessionId) : event.session.userId;
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    let delay = RETRY_MS.first;
    try {
      while (this.pending.length && !this.closed) {
        const batch = this.pending.slice(0, BATCH);
        const results = await Promise.allSettled(batch.map(({ event }) => this.log.append(event)));
        const done = results.findIndex((result) => result.status === 'rejected');
        const appended = done === -1 ? batch.length : done;
        // Only a prefix counts as done: a later event must not overtake one that failed (a retry of
        // an append that did run is a no-op, by its event id).
        for (const entry of this.pending.splice(0, appended)) entry.release?.();
        if (done === -1) {
          this.parked = false;
          this.outage.recovered();
          delay = RETRY_MS.first;
          continue;
        }
        this.outage.failed((results[done] as PromiseRejectedResult).reason);
        this.parked = true;
        // The writes waiting on these answer now; their events follow when Redis is back.
        for (const entry of this.pending) entry.release?.();
        for (const entry of this.pending) entry.release = undefined;
        await sleep(delay);
        delay = Math.min(delay * 2, RETRY_MS.max);
      }
    } finally {
      this.draining = false;
      // Closed meanwhile: nothing will append what is left, so no write may go on waiting for it.
      if (this.closed) for (const entry of this.pending) entry.release?.();
    }
  }

  private trim(): void {
    const excess = this.pending.length - MAX_PENDING;
    if (excess <= 0) return;
    for (const entry of this.pending.splice(0, excess)) entry.release?.();
    this.dropped.inc(excess);
    this.logger.error(`${excess} events dropped: Redis has been away while ${MAX_PENDING} waited`);
  }
}
