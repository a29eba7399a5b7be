import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { SessionTx } from '../sessions/session-writer.js';

/** What the first write of an Idempotency-Key appended: seqs firstSeq .. firstSeq + count - 1. */
export interface AppendRecord {
  firstSeq: number;
  count: number;
}

/**
 * The only writer of `message_appends`, the Idempotency-Keys of history writes. Every statement
 * but the cleanup's runs in the history change's transaction, under the session row's lock
 * (MessagesService): a key is looked up, and recorded, by one writer of the session at a time, so
 * racing repeats of a key find the first one's row instead of conflicting on the primary key.
 */
@Injectable()
export class MessageAppendsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async find(tx: SessionTx, sessionId: string, key: string): Promise<AppendRecord | null> {
    const [row] = await tx.manager.query(`SELECT first_seq, count FROM message_appends WHERE session_id = $1 AND key = $2`, [
      sessionId,
      key,
    ]);
    return row ? { firstSeq: row.first_seq, count: row.count } : null;
  }

  async record(tx: SessionTx, sessionId: string, key: string, written: AppendRecord): Promise<void> {
    await tx.manager.query(`INSERT INTO message_appends (session_id, key, first_seq, count) VALUES ($1, $2, $3, $4)`, [
      sessionId,
      key,
      written.firstSeq,
      written.count,
    ]);
  }

  /**
   * Forgets the keys of writes that reach seq `fromSeq` or beyond (a pop or a replaceFromSeq removed
   * that part): a key is only ever answered with messages that are all still there.
   */
  async forgetFrom(tx: SessionTx, sessionId: string, fromSeq: number): Promise<void> {
    await tx.manager.query(`DELETE FROM message_appends WHERE session_id = $1 AND first_seq + count > $2`, [sessionId, fromSeq]);
  }

  async forgetAll(tx: SessionTx, sessionId: string): Promise<void> {
    await tx.manager.query(`DELETE FROM message_appends WHERE session_id = $1`, [sessionId]);
  }

  /** One batch of keys recorded before `before` (the cleanup); how many went. Skips rows a write holds. */
  async forgetRecordedBefore(before: Date, batch: number): Promise<number> {
    const [, count] = await this.db.query(
      `DELETE FROM message_appends WHERE (session_id, key) IN (
         SELECT session_id, key FROM message_appends WHERE created_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [before, batch],
    );
    return count;
  }
}
