import { Readable } from 'node:stream';
import type { HistorySnapshot } from './history-snapshot.js';
import { messageJson } from './message.mapper.js';

const MIB = 1024 * 1024;

export interface HistoryStreamLimits {
  /** Bytes read from the snapshot ahead of the client: a history this small is read out at once. */
  readAhead: number;
  /** While the snapshot is open, the client takes a MiB per this many ms it is waited for (and this once to start). */
  msPerMib: number;
}

/**
 * A `limit=all` answer, `{ "items": [...], "nextBefore": null }` with the items of a page, written
 * as the client reads it, at most `readAhead` bytes ahead: memory holds that much whatever the
 * history's length. The snapshot (a connection, a transaction and one of the instance's few stream
 * admissions) is closed as soon as it is read out, so a history that fits in the read-ahead never
 * waits for its reader; a larger one waits for its reader at most `msPerMib` per MiB the reader has
 * taken (plus one allowance to start; the time spent reading the snapshot is not the reader's),
 * after which the answer is cut short: a reader that stops, or trickles, cannot keep others from
 * their turn. The snapshot is also closed at the end, on a failure, and when the client goes away
 * (Fastify destroys the stream).
 */
export class HistoryJsonStream extends Readable {
  private started = false;
  private reading = false;
  private pushedBytes = 0;
  /** Time spent waiting for the snapshot's batches, finished reads only; and when the read in flight began. */
  private readingMs = 0;
  private readSince = 0;
  private readonly openedAt = Date.now();
  private deadline: NodeJS.Timeout | undefined;

  constructor(
    private readonly snapshot: HistorySnapshot,
    private readonly limits: HistoryStreamLimits,
  ) {
    super({ highWaterMark: limits.readAhead });
    this.snapshot.onClose(() => clearTimeout(this.deadline));
    this.checkPace();
  }

  override _read(): void {
    if (this.reading) return;
    this.reading = true;
    this.readSince = Date.now();
    this.snapshot.next().then(
      (batch) => {
        this.reading = false;
        this.readingMs += Date.now() - this.readSince;
        if (this.destroyed) return;
        let text = this.started ? '' : '{"items":[';
        for (const message of batch ?? []) {
          text += (this.started ? ',' : '') + messageJson(message);
          this.started = true;
        }
        if (batch) return void this.pushText(text);
        this.pushText(`${text}],"nextBefore":null}`);
        this.push(null);
        void this.snapshot.close();
      },
      // Headers are gone: the answer is cut short, never made to look complete.
      (error: Error) => this.destroy(error),
    );
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    clearTimeout(this.deadline);
    this.snapshot.close().then(
      () => done(error),
      () => done(error),
    );
  }

  private pushText(text: string): void {
    this.pushedBytes += Buffer.byteLength(text);
    this.push(text);
  }

  /** Cuts the answer short once the reader took less than a MiB per msPerMib it was waited for (see above). */
  private checkPace(): void {
    const taken = this.pushedBytes - this.readableLength;
    const reading = this.readingMs + (this.reading ? Date.now() - this.readSince : 0);
    const allowedUntil = this.openedAt + reading + this.limits.msPerMib * (1 + taken / MIB);
    if (Date.now() >= allowedUntil) {
      this.destroy(new Error('limit=all reader too slow: the snapshot was held past its time'));
      return;
    }
    this.deadline = setTimeout(() => this.checkPace(), allowedUntil - Date.now()).unref();
  }
}
