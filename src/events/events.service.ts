import { type BeforeApplicationShutdown, Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { EventsUnavailableError, InvalidLastEventIdError } from '../common/domain-error.js';
import { eventsConfig } from '../config/app.config.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { FIRST_EVENT_ID, isEventId } from './event-id.js';
import { EventFeed, EventStore, type FeedListener, type LoggedEvent } from './event-store.js';
import { SseSubscription } from './sse-subscription.js';
import { type ReleaseSlot, StreamSlots } from './stream-slots.js';

// The contract's "a comment line every 15 s keeps proxies open".
const KEEP_ALIVE_MS = 15_000;
const REPLAY_PAGE = 500;
// At shutdown, how long a stream's unsent events may take to go out before its socket is dropped.
const SHUTDOWN_FLUSH_MS = 1000;
const HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  // nginx and its kind buffer responses unless told not to.
  'X-Accel-Buffering': 'no',
};

/**
 * Opens event streams: checks (Redis, ownership, Last-Event-ID, the user's slots) while an error can
 * still be an answer, replays what the client missed, then hands it to the feed reader. Holds every open
 * stream of this instance, for the keep-alive comments and to end them when the instance closes.
 */
@Injectable()
export class EventsService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly open = new Set<SseSubscription>();
  private timer: NodeJS.Timeout | null = null;
  private closing = false;

  constructor(
    private readonly log: EventStore,
    private readonly reader: EventFeed,
    private readonly sessions: SessionsService,
    private readonly slots: StreamSlots,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(eventsConfig.KEY) private readonly config: ConfigType<typeof eventsConfig>,
  ) {}

  onModuleInit(): void {
    // Streams never finish by themselves: the server's close would wait for them until the process is killed.
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    fastify?.addHook('preClose', (done) => {
      this.endAll();
      done();
    });
  }

  beforeApplicationShutdown(): void {
    this.endAll();
  }

  get streams(): number {
    return this.open.size;
  }

  /** `lastEventId`: the header as sent; empty (or blank) is taken as absent, as EventSource may send it. */
  async subscribe(reply: FastifyReply, userId: string, sessionId: string | null, lastEventId: string | undefined): Promise<void> {
    if (!this.log.enabled)
      throw new EventsUnavailableError('REDIS_URL is empty, and only one instance (WORK_QUEUE=in-process) keeps them without Redis');
    if (this.closing) throw new EventsUnavailableError('this instance is shutting down');
    const after = lastEventId?.trim() || undefined;
    if (after !== undefined && !isEventId(after)) throw new InvalidLastEventIdError();
    if (sessionId !== null) await this.sessions.getOwned(userId, sessionId);
    const release = await this.slots.acquire(userId);
    try {
      await this.stream(reply, userId, sessionId, after, release);
    } catch (error) {
      release();
      throw error;
    }
  }

  private async stream(
    reply: FastifyReply,
    userId: string,
    sessionId: string | null,
    after: string | undefined,
    release: ReleaseSlot,
  ): Promise<void> {
    // Listening first, reading the replay second: every event is in one or the other, or both.
    const held: LoggedEvent[] = [];
    let deliver: FeedListener = (event) => void held.push(event);
    const listener: FeedListener = (event) => deliver(event);
    let first: LoggedEvent[];
    let start: string;
    try {
      await this.reader.attach(userId, listener);
      start = after ?? (await this.log.userTail(userId, FIRST_EVENT_ID));
      first = await this.log.userEventsAfter(userId, start, REPLAY_PAGE);
    } catch (error) {
      this.reader.detach(userId, listener);
      throw new EventsUnavailableError(`Redis cannot be read (${(error as Error).message})`);
    }

    reply.hijack();
    reply.raw.writeHead(200, { ...(reply.getHeaders() as Record<string, string>), ...HEADERS });
    const subscription = new SseSubscription(reply.raw, userId, sessionId, start, this.config.streamBufferBytes, () => {
      this.reader.detach(userId, listener);
      this.open.delete(subscription);
      release();
    });
    this.open.add(subscription);
    // The client left before the stream began, or the instance began closing while this one
    // awaited Redis (endAll has run): a stream left open here would hold the server's close.
    if (reply.raw.destroyed || this.closing) return subscription.end();
    deliver = subscription.receive;
    for (const event of held) subscription.receive(event);
    this.keepAlive();
    // Sent at once, so the client knows it is connected; a reconnecting EventSource waits 1 s.
    subscription.write('retry: 1000\n: connected\n\n');
    await this.replay(subscription, first);
  }

  private async replay(subscription: SseSubscription, page: LoggedEvent[]): Promise<void> {
    try {
      while (!subscription.closed) {
        for (const event of page) {
          await subscription.drained();
          subscription.send(event);
        }
        if (page.length < REPLAY_PAGE) break;
        page = await this.log.userEventsAfter(subscription.userId, subscription.position, REPLAY_PAGE);
      }
      subscription.goLive();
    } catch {
      subscription.end(); // Redis went away mid-replay: the client resumes from what it got
    }
  }

  private keepAlive(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      for (const subscription of this.open) subscription.keepAlive();
      if (!this.open.size && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    }, KEEP_ALIVE_MS);
    this.timer.unref();
  }

  private endAll(): void {
    this.closing = true;
    for (const subscription of [...this.open]) subscription.endWithin(SHUTDOWN_FLUSH_MS);
  }
}
