import type { SourceSession } from './import-source.js';

// A transaction also ends at this many messages or bytes of text, so a few huge histories keep it bounded.
const MAX_BATCH_MESSAGES = 20_000;
const MAX_BATCH_BYTES = 32 * 1024 * 1024;

/** The whole sessions of one transaction, as they are read. */
export class SessionBatch {
  readonly sessions: SourceSession[] = [];
  private messages = 0;
  private bytes = 0;

  add(session: SourceSession): void {
    this.sessions.push(session);
    this.messages += session.messages.length;
    for (const message of session.messages) this.bytes += message.content.length + message.metadata.length;
  }

  full(batchSize: number): boolean {
    return this.sessions.length >= batchSize || this.messages >= MAX_BATCH_MESSAGES || this.bytes >= MAX_BATCH_BYTES;
  }
}
