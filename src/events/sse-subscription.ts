import type { ServerResponse } from 'node:http';
import { compareEventIds } from './event-id.js';
import type { LoggedEvent } from './event-store.js';

/**
 * One open event stream: the replay after Last-Event-ID, then the live events, each sent once and
 * in id order (live events the replay already sent are skipped by id). `sessionId` narrows it to
 * one session; that session's deletion is its last event. A client that falls `maxBehindBytes`
 * behind (unsent, or held during the replay) is cut off and resumes with Last-Event-ID.
 */
export class SseSubscription {
  private live = false;
  private held: LoggedEvent[] = [];
  private heldBytes = 0;
  private ended = false;

  constructor(
    private readonly response: ServerResponse,
    readonly userId: string,
    private readonly sessionId: string | null,
    /** The last id sent (or skipped): the Last-Event-ID, or the user's latest id when connected. */
    private lastId: string,
    private readonly maxBehindBytes: number,
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
    this.heldBytes += event.data.length;
    if (this.behind > this.maxBehindBytes) this.cutOff();
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
    this.heldBytes = 0;
    for (const event of held) this.send(event);
    this.live = true;
  }

  /** A comment line: proxies keep an idle stream open. */
  keepAlive(): void {
    this.write(': keep-alive\n\n');
  }

  write(text: string): void {
    if (this.ended) return;
    this.response.write(text);
    if (this.behind > this.maxBehindBytes) this.cutOff();
  }

  /** Resolves once what was written went out (or the stream ended): a replay goes at the client's pace. */
  drained(): Promise<void> {
    if (this.ended || !this.response.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      // Also looked at once a second: a loaded run once saw a replay wait 15 s with nothing unsent.
      const check = setInterval(() => {
        if (this.ended || !this.response.writableNeedDrain) done();
      }, 1000);
      const done = () => {
        clearInterval(check);
        this.response.off('drain', done).off('close', done);
        resolve();
      };
      this.response.on('drain', done).on('close', done);
    });
  }

  /** Ends the stream after what was written (a deletion, a shutdown). */
  end(): void {
    this.finish(() => this.response.end());
  }

  /**
   * A shutdown's end: what was written gets `graceMs` to go out, then the socket is dropped, since
   * a client that stopped reading would otherwise hold the server's close (the faults run saw 10 s).
   */
  endWithin(graceMs: number): void {
    this.end();
    if (this.response.writableFinished || this.response.destroyed) return;
    setTimeout(() => this.response.destroy(), graceMs).unref();
  }

  /** Bytes the client has yet to get: written but unsent, and held during the replay. */
  private get behind(): number {
    return this.response.writableLength + this.heldBytes;
  }

  /** At once, dropping what is unsent: a client that does not read would hold it until its socket times out. */
  private cutOff(): void {
    this.finish(() => this.response.destroy());
  }

  private finish(close: () => void): void {
    if (this.ended) return;
    this.ended = true;
    this.held = [];
    this.heldBytes = 0;
    close();
    this.onEnd();
  }
}
