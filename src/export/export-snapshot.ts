import type pg from 'pg';
import type { Message } from '../messages/message.columns.js';
import type { Session } from '../sessions/session.columns.js';

type ReadAfter = (afterSeq: number) => Promise<{ items: Message[]; more: boolean }>;

/**
 * One session as an export reads it: its row and its history in one read-only transaction
 * (REPEATABLE READ), so the line's `messageCount` and `messages` are of the same state. The
 * history is read forward in bounded batches; `last` tells the reader it may close() before it
 * writes the batch out, so a session that fits one batch holds no transaction while the client
 * reads. close() may be called any number of times.
 */
export class ExportSnapshot {
  private after = 0;
  private closing: Promise<void> | null = null;

  constructor(
    private readonly client: pg.PoolClient,
    /** null when the session is gone (deleted, or never the user's): nothing to export. */
    readonly session: Session | null,
    private readonly readAfter: ReadAfter,
  ) {}

  /** The next batch, oldest first, and whether it is the history's last (then nothing is left to read). */
  async next(): Promise<{ items: Message[]; last: boolean }> {
    // Once closed, the connection may be another reader's: nothing more is sent on it.
    if (this.closing) return { items: [], last: true };
    const { items, more } = await this.readAfter(this.after);
    if (items.length) this.after = items[items.length - 1].seq;
    return { items, last: !more || items.length === 0 };
  }

  close(): Promise<void> {
    this.closing ??= this.client.query('ROLLBACK').then(
      () => this.client.release(),
      // A connection whose transaction cannot be ended is not given back to the pool: it is closed.
      (error: Error) => this.client.release(error),
    );
    return this.closing;
  }
}
