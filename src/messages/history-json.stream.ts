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
 * A `limit=all` answer written as the client reads it, at most `readAhead` bytes ahead. The
 * snapshot (a connection and a stream admission) closes once read out; a slower reader gets
 * `msPerMib` per MiB, then the answer is cut, so a stalled reader cannot hold others' turn
 * (docs/api.md, "Reads").
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
