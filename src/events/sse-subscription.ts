import type { ServerResponse } from 'node:http';
import { compareEventIds } from './event-id.js';
import type { LoggedEvent } from './event-log.js';

/** What a slow client may leave unsent before it is let go (it resumes with Last-Event-ID). */
const MAX_UNSENT_BYTES = 4 * 1024 * 1024;
/** Live events held while the replay is read; past this the client is let go the same way. */
const MAX_HELD = 10_000;

/**
 * One open event stream: the replay after Last-Event-ID, then the live events, each sent once and
 * in id order (live events the replay already sent are skipped by id). `sessionId` narrows it to
 * one session; that session's deletion is its last event.
 */
export class SseSubscription {
  private live = false;
  private held: LoggedEvent[] = [];
  private ended = false;

  constructor(
    private readonly response: ServerResponse,
    readonly userId: string,
    private readonly sessionId: string | null,
    /** The last id sent (or skipped): the Last-Event-ID, or the user's latest id when connected. */
    private lastId: string,
    private readonly onEnd: () => void,
  ) {
    response.on('close', () => this.end());
  }

  get position(): string {
    return this.lastId;
  }

  get closed(): boolean {
    return this.ended;
  }

  /** From the feed reader: held until the replay is done, then sent. */
  readonly receive = (event: LoggedEvent): void => {
    if (this.ended) return;
    if (this.live) return this.send(event);
    this.held.push(event);
    if (this.held.length > MAX_HELD) this.end();
  };

  /** A replayed event (or, once live, any event). */
  send(event: LoggedEvent): void {
    if (this.ended || compareEventIds(event.id, this.lastId) <= 0) return;
    this.lastId = event.id;
    if (this.sessionId !== null && event.sessionId !== this.sessionId) return;
    this.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${event.data}\n\n`);
    if (this.sessionId !== null && event.type === 'session.deleted') this.end();
  }

  /** The replay is done: what arrived meanwhile goes out (duplicates skipped by id), then live. */
  goLive(): void {
    const held = this.held;
    this.held = [];
    for (const event of held) this.send(event);
    this.live = true;
  }

  /** A comment line: proxies keep an idle stream open. */
  keepAlive(): void {
    this.write(': keep-alive\n\n');
  }

  write(text: string): void {
    if (this.ended) return;
    if (this.response.writableLength > MAX_UNSENT_BYTES) return this.end();
    this.response.write(text);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.held = [];
    this.response.end();
    this.onEnd();
  }
}
