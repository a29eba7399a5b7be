import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { queryPrepared } from '../database/prepared-query.js';
import type { SessionTx } from '../sessions/session.store.js';
import type { HistoryRider } from '../sessions/session-write.types.js';
import { type Message, messageFromRow } from './message.columns.js';

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
 * The only writer of `message_appends` (history writes' Idempotency-Keys) and of
 * `message_appends_removed` (their messages a pop or replace removed: a repeat is answered as the
 * first time). Under the session row's lock, so racing repeats find the first one's row.
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

  /** recordRider for a group of appends (history-appends.sql.ts): the key of each member that has one. */
  groupRecordRider(keys: Array<string | undefined>): HistoryRider {
    return (param) =>
      `INSERT INTO message_appends (session_id, key, first_seq, count)
       SELECT t.id, k.key, t.last_seq - t.appended + 1, t.appended
       FROM unnest(${param(keys.map((key) => key ?? null))}::varchar[]) WITH ORDINALITY AS k(key, member)
       JOIN touched t ON t.member = k.member WHERE k.key IS NOT NULL`;
  }

  /**
   * Keeps the messages with seq >= `fromSeq` that keyed writes appended, before a replaceFromSeq
   * removes them; one statement, the text as stored.
   */
  async keepRemovedFrom(tx: SessionTx, sessionId: string, fromSeq: number): Promise<void> {
    await tx.manager.query(
      `INSERT INTO message_appends_removed (session_id, key, seq, id, role, content, metadata, created_at)
       SELECT a.session_id, a.key, m.seq, m.id, m.role, m.content, m.metadata, m.created_at
       FROM message_appends a JOIN messages m ON m.session_id = a.session_id AND m.seq >= a.first_seq AND m.seq < a.first_seq + a.count
       WHERE a.session_id = $1 AND m.seq >= $2`,
      [sessionId, fromSeq],
    );
  }

  /**
   * Keeps the messages the history cap removed (the CTE `trimmed` of the append's statement, see
   * HistoryCap) that keyed writes appended. A lateral look-up per removed message, by the session's
   * keys only: an append that trimmed nothing reads nothing here.
   */
  keepTrimmedRider(): HistoryRider {
    return () => `INSERT INTO message_appends_removed (session_id, key, seq, id, role, content, metadata, created_at)
       SELECT d.session_id, a.key, d.seq, d.id, d.role, d.content, d.metadata, d.created_at
       FROM trimmed d CROSS JOIN LATERAL (
         SELECT key FROM message_appends WHERE session_id = d.session_id AND first_seq <= d.seq AND first_seq + count > d.seq) a`;
  }

  /** Keeps the message a pop removed, if a keyed write appended it. */
  async keepRemoved(tx: SessionTx, message: Message): Promise<void> {
    await queryPrepared(
      tx.manager,
      `INSERT INTO message_appends_removed (session_id, key, seq, id, role, content, metadata, created_at)
       SELECT session_id, key, $2, $3, $4, $5::json, $6::json, $7 FROM message_appends
       WHERE session_id = $1 AND first_seq <= $2 AND first_seq + count > $2`,
      [message.sessionId, message.seq, message.id, message.role, message.content.text, message.metadata.text, message.createdAt],
    );
  }

  /** The messages of the key's write that were removed since, in seq order. */
  async removedOf(tx: SessionTx, sessionId: string, key: string): Promise<Message[]> {
    const rows = await queryPrepared(
      tx.manager,
      `SELECT session_id, seq, id, role, content, metadata, created_at FROM message_appends_removed
       WHERE session_id = $1 AND key = $2 ORDER BY seq`,
      [sessionId, key],
    );
    return rows.map(messageFromRow);
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
