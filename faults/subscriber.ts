import { Redis } from 'ioredis';
import { eventsUserKey } from '../src/redis/keys.js';

export interface ReceivedEvent {
  id: string;
  event: string;
  data: { sessionId: string; to?: string };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One client's SSE subscriber on /events for the whole run, as a browser's EventSource behaves:
 * when the stream ends or cannot be opened it reconnects (round robin over the instances) with
 * Last-Event-ID, so what it received must be its user's stream exactly, without gap or repeat.
 */
export class Subscriber {
  readonly received: ReceivedEvent[] = [];
  reconnects = 0;
  private next = 0;
  private stopped = false;
  private controller: AbortController | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly ports: number[],
    private readonly token: string,
    readonly user: string,
  ) {}

  /** Resolves once the first stream is open, so nothing the client does afterwards is missed. */
  async start(): Promise<void> {
    let opened!: () => void;
    const first = new Promise<void>((resolve) => (opened = resolve));
    this.running = this.loop(opened);
    await first;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.controller?.abort();
    await this.running;
  }

  /** Drops the open stream; the subscriber comes back at once with Last-Event-ID, as after a lost connection. */
  reconnect(): void {
    this.controller?.abort();
  }

  get lastId(): string | undefined {
    return this.received.at(-1)?.id;
  }

  private async loop(opened: () => void): Promise<void> {
    while (!this.stopped) {
      try {
        await this.stream(opened);
      } catch {
        // refused, dropped, or stopped: reconnect below
      }
      if (this.stopped) return;
      this.reconnects++;
      await sleep(500);
    }
  }

  private async stream(opened: () => void): Promise<void> {
    const port = this.ports[this.next++ % this.ports.length];
    this.controller = new AbortController();
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept: 'text/event-stream' };
    if (this.lastId) headers['last-event-id'] = this.lastId;
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/events`, { headers, signal: this.controller.signal });
    if (response.status !== 200 || !response.body) {
      await response.body?.cancel();
      return;
    }
    opened();
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        this.parse(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  }

  private parse(block: string): void {
    const fields: Record<string, string> = {};
    for (const line of block.split('\n')) {
      const at = line.indexOf(':');
      if (at > 0) fields[line.slice(0, at)] = line.slice(at + 1).replace(/^ /, '');
    }
    if (fields.id && fields.data) this.received.push({ id: fields.id, event: fields.event, data: JSON.parse(fields.data) });
  }
}

export interface EventFindings {
  eventsDelivered: number;
  eventReconnects: number;
  /** acknowledged status changes not received exactly once */
  statusChangesNotDeliveredOnce: number;
  /** subscribers whose events differ from their user's stream (a gap, a repeat, or out of order) */
  streamsWithGapsOrRepeats: number;
  samples: string[];
}

/** Waits (up to `timeoutMs`) until every subscriber holds as many events as its user's stream. */
export async function caughtUp(redisUrl: string, subscribers: Subscriber[], timeoutMs: number): Promise<boolean> {
  const redis = new Redis(redisUrl);
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const lengths = await Promise.all(subscribers.map((subscriber) => redis.xlen(eventsUserKey('control', subscriber.user))));
      if (subscribers.every((subscriber, index) => subscriber.received.length >= lengths[index])) return true;
      await sleep(500);
    }
    return false;
  } finally {
    redis.disconnect();
  }
}

/** Compares what each subscriber received with its user's stream in Redis and its client's acknowledged status changes. */
export async function verifyEvents(
  redisUrl: string,
  subscribers: Subscriber[],
  acknowledged: Map<string, Array<{ sessionId: string; to: string }>>,
): Promise<EventFindings> {
  const redis = new Redis(redisUrl);
  const findings: EventFindings = {
    eventsDelivered: 0,
    eventReconnects: 0,
    statusChangesNotDeliveredOnce: 0,
    streamsWithGapsOrRepeats: 0,
    samples: [],
  };
  try {
    for (const subscriber of subscribers) {
      const stream = await redis.xrange(eventsUserKey('control', subscriber.user), '-', '+');
      const expected = stream.map(([id]) => id).join(',');
      const got = subscriber.received.map((event) => event.id).join(',');
      findings.eventsDelivered += subscriber.received.length;
      findings.eventReconnects += subscriber.reconnects;
      if (expected !== got) {
        findings.streamsWithGapsOrRepeats++;
        findings.samples.push(`${subscriber.user}: stream has ${stream.length} events, subscriber got ${subscriber.received.length}`);
      }
      for (const change of acknowledged.get(subscriber.user) ?? []) {
        const told = subscriber.received.filter(
          (event) => event.event === 'session.status' && event.data.sessionId === change.sessionId && event.data.to === change.to,
        );
        if (told.length !== 1) {
          findings.statusChangesNotDeliveredOnce++;
          if (findings.samples.length < 10) findings.samples.push(`${change.sessionId} -> ${change.to} received ${told.length} times`);
        }
      }
    }
    return findings;
  } finally {
    redis.disconnect();
  }
}
