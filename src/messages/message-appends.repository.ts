import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { queryPrepared } from '../database/prepared-query.js';
import type { SessionTx } from '../sessions/session-writer.js';
import type { HistoryRider } from '../sessions/session-writes.js';

const UNIQUE_VIOLATION = '23505';
const PRIMARY_KEY = 'message_appends_pkey';

/** The statement failed because its key was already recorded for the session (see recordRider). */
export function isKeyRecorded(error: unknown): boolean {
  const { code, constraint } = error as { code?: string; constraint?: string };
  return code === UNIQUE_VIOLATION && constraint === PRIMARY_KEY;
}

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
    const [row] = await queryPrepared(tx.manager, `SELECT first_seq, count FROM message_appends WHERE session_id = $1 AND key = $2`, [
      sessionId,
      key,
    ]);
    return row ? { firstSeq: row.first_seq, count: row.count } : null;
  }

  async record(tx: SessionTx, sessionId: string, key: string, written: AppendRecord): Promise<void> {
    await queryPrepared(tx.manager, `INSERT INTO message_appends (session_id, key, first_seq, count) VALUES ($1, $2, $3, $4)`, [
      sessionId,
      key,
      written.firstSeq,
      written.count,
    ]);
  }

  /**
   * The record of a keyed append as a rider of its one statement (HistoryWrites.append): the key
   * of the `count` messages the touched row's new last_seq ends. A key already recorded fails the
   * whole statement on the primary key (isKeyRecorded), whoever recorded it and whenever, so
   * nothing is appended twice; the caller then answers from the record.
   */
  recordRider(key: string, count: number): HistoryRider {
    return (param) => {
      const counted = param(count);
      return `INSERT INTO message_appends (session_id, key, first_seq, count)
       SELECT t.id, ${param(key)}::varchar, t.last_seq - ${counted}::int + 1, ${counted}::int FROM touched t`;
    };
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
