import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { SessionTx } from '../sessions/session-writer.js';
import { type Message, messageFromRow } from './message.columns.js';

export interface NewMessage {
  role: string;
  content: unknown;
  metadata: Record<string, unknown>;
}

/**
 * The only writer of `messages`. Changes run in the transaction of the session row's history
 * touch (MessagesService), whose row lock makes `seq` allocation gap-free and collision-free.
 */
@Injectable()
export class MessagesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Inserts the batch in one statement, numbered from `firstSeq`, in order. */
  async insert(tx: SessionTx, sessionId: string, firstSeq: number, items: NewMessage[]): Promise<Message[]> {
    const rows = items.map((item, index) => ({ seq: firstSeq + index, role: item.role, content: item.content, metadata: item.metadata }));
    const inserted = await tx.manager.query(
      `INSERT INTO messages (session_id, seq, role, content, metadata)
       SELECT $1, m.seq, m.role, m.content, m.metadata
       FROM jsonb_to_recordset($2::jsonb) AS m(seq int, role text, content jsonb, metadata jsonb)
       RETURNING *`,
      [sessionId, JSON.stringify(rows)],
    );
    return inserted.map(messageFromRow).sort((a: Message, b: Message) => a.seq - b.seq);
  }

  /** The latest `limit` messages with seq < before, oldest first (the Agents SDK's getItems(limit)). */
  async listLatest(sessionId: string, limit: number, before?: number): Promise<Message[]> {
    const rows = await this.db.query(
      `SELECT * FROM messages WHERE session_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`,
      [sessionId, before ?? 2147483647, limit],
    );
    return rows.map(messageFromRow).reverse();
  }

  /** Removes the newest message, if any. */
  async deleteLast(tx: SessionTx, sessionId: string): Promise<Message | null> {
    const [deleted] = await tx.manager.query(
      `DELETE FROM messages WHERE id = (SELECT id FROM messages WHERE session_id = $1 ORDER BY seq DESC LIMIT 1) RETURNING *`,
      [sessionId],
    );
    return deleted.length ? messageFromRow(deleted[0]) : null;
  }

  async deleteAll(tx: SessionTx, sessionId: string): Promise<void> {
    await tx.manager.query(`DELETE FROM messages WHERE session_id = $1`, [sessionId]);
  }
}
