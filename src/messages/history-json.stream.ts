import { Readable } from 'node:stream';
import type { HistorySnapshot } from './history-snapshot.js';
import { messageJson } from './message.mapper.js';

/**
 * A `limit=all` answer, `{ "items": [...], "nextBefore": null }` with the items of a page, written
 * as the client reads it: the next batch is read from the snapshot only when the socket has taken
 * the last one, so memory holds one batch whatever the history's length. The snapshot is closed
 * at the end, on a failure, and when the client goes away (Fastify destroys the stream).
 */
export class HistoryJsonStream extends Readable {
  private started = false;
  private reading = false;

  constructor(private readonly snapshot: HistorySnapshot) {
    super();
  }

  override _read(): void {
    if (this.reading) return;
    this.reading = true;
    this.snapshot.next().then(
      (batch) => {
        this.reading = false;
        if (this.destroyed) return;
        let text = this.started ? '' : '{"items":[';
        for (const message of batch ?? []) {
          text += (this.started ? ',' : '') + messageJson(message);
          this.started = true;
        }
        if (batch) return void this.push(text);
        this.push(`${text}],"nextBefore":null}`);
        this.push(null);
        void this.snapshot.close();
      },
      // Headers are gone: the answer is cut short, never made to look complete.
      (error: Error) => this.destroy(error),
    );
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.snapshot.close().then(
      () => done(error),
      () => done(error),
    );
  }
}
