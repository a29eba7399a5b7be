import type pg from 'pg';
import type { HistoryState } from '../sessions/history-etag.js';
import type { Message } from './message.columns.js';

type ReadAfter = (afterSeq: number) => Promise<{ items: Message[]; more: boolean }>;

/**
 * One open read-only transaction over a session's history, read forward in bounded batches on
 * its own connection (MessagesRepository.openSnapshot). close() ends the transaction and gives
 * the connection back, whether the history was read to the end or the reader went away; it may
 * be called any number of times, and also from a failure in the middle of a batch.
 */
export class HistorySnapshot {
  private after = 0;
  private finished = false;
  private closing: Promise<void> | null = null;
  private readonly closed: Array<() => void> = [];

  constructor(
    private readonly client: pg.PoolClient,
    /** The history's counters in this snapshot (its ETag); null when the session row is gone. */
    readonly state: HistoryState | null,
    private readonly readAfter: ReadAfter,
  ) {}

  /** The next batch, oldest first; null once the history is read out. */
  async next(): Promise<Message[] | null> {
    if (this.finished || this.closing) return null;
    const { items, more } = await this.readAfter(this.after);
    if (!more || items.length === 0) this.finished = true;
    if (items.length === 0) return null;
    this.after = items[items.length - 1].seq;
    return items;
  }

  /** Runs `done` once the snapshot is closed (e.g. to free an admission of the read). */
  onClose(done: () => void): this {
    this.closed.push(done);
    return this;
  }

  close(): Promise<void> {
    this.closing ??= this.client
      .query('ROLLBACK')
      .then(
        () => this.client.release(),
        // A connection whose transaction cannot be ended is not given back to the pool: it is closed.
        (error: Error) => this.client.release(error),
      )
      .finally(() => this.closed.forEach((done) => done()));
    return this.closing;
  }
}
