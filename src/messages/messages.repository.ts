import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { SessionEntity } from '../sessions/session.entity.js';
import type { SessionStatus } from '../sessions/session-status.js';
import { sessionFromRow } from '../sessions/session.row.js';
import { SessionsRepository, touchSql } from '../sessions/sessions.repository.js';
import type { MessageEntity } from './message.entity.js';
import { messageFromRow } from './message.mapper.js';

export interface NewMessage {
  role: string;
  content: unknown;
  metadata: Record<string, unknown>;
}

/** The session row after the change, and the messages it concerned. */
export interface MessagesWrite {
  session: SessionEntity;
  messages: MessageEntity[];
}

/**
 * Every history change runs in one transaction that first updates the owning session row. That
 * row lock serialises appends, pops and clears of one session, which is what makes `seq`
 * allocation gap-free and collision-free without advisory locks or retries.
 */
@Injectable()
export class MessagesRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly sessions: SessionsRepository,
  ) {}

  /**
   * Appends in order; null when the session is not the user's live session, or not in `onlyIf`
   * (the control plane's handlers append only while running: the row lock orders them against a kill).
   */
  async append(sessionId: string, userId: string, items: NewMessage[], onlyIf?: SessionStatus): Promise<MessagesWrite | null> {
    return this.db.transaction(async (tx) => {
      const changes = `last_seq = last_seq + $4, message_count = message_count + $4`;
      const session = await this.lockAndTouch(tx, sessionId, userId, changes, [items.length], onlyIf);
      if (!session) return null;
      const first = session.lastSeq - items.length + 1;
      const rows = items.map((item, index) => ({ seq: first + index, role: item.role, content: item.content, metadata: item.metadata }));
      const inserted = await tx.query(
        `INSERT INTO messages (session_id, seq, role, content, metadata)
         SELECT $1, m.seq, m.role, m.content, m.metadata
         FROM jsonb_to_recordset($2::jsonb) AS m(seq int, role text, content jsonb, metadata jsonb)
         RETURNING *`,
        [sessionId, JSON.stringify(rows)],
      );
      return { session, messages: inserted.map(messageFromRow).sort((a: MessageEntity, b: MessageEntity) => a.seq - b.seq) };
    });
  }

  /** The latest `limit` messages with seq < before, oldest first (the Agents SDK's getItems(limit)). */
  async listLatest(sessionId: string, limit: number, before?: number): Promise<MessageEntity[]> {
    const rows = await this.db.query(
      `SELECT * FROM messages WHERE session_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`,
      [sessionId, before ?? 2147483647, limit],
    );
    return rows.map(messageFromRow).reverse();
  }

  /** Removes the newest message; `messages` is empty when there was none. */
  async popLast(sessionId: string, userId: string): Promise<MessagesWrite | null> {
    return this.db.transaction(async (tx) => {
      const [locked] = await tx.query(`SELECT id FROM sessions WHERE id = $1 AND user_id = $2 AND status <> 'deleted' FOR UPDATE`, [sessionId, userId]);
      if (!locked) return null;
      const [deleted] = await tx.query(
        `DELETE FROM messages WHERE id = (SELECT id FROM messages WHERE session_id = $1 ORDER BY seq DESC LIMIT 1) RETURNING *`,
        [sessionId],
      );
      const removed = deleted.map(messageFromRow);
      const session = await this.lockAndTouch(tx, sessionId, userId, `message_count = message_count - $4`, [removed.length]);
      return session && { session, messages: removed };
    });
  }

  async clear(sessionId: string, userId: string): Promise<SessionEntity | null> {
    return this.db.transaction(async (tx) => {
      const session = await this.lockAndTouch(tx, sessionId, userId, `message_count = 0`, []);
      if (session) await tx.query(`DELETE FROM messages WHERE session_id = $1`, [sessionId]);
      return session;
    });
  }

  private async lockAndTouch(
    tx: EntityManager, id: string, userId: string, changes: string, params: unknown[], onlyIf?: SessionStatus,
  ): Promise<SessionEntity | null> {
    const all = [id, userId, this.sessions.retentionSeconds, ...params];
    const status = onlyIf ? `status = $${all.push(onlyIf)}` : `status <> 'deleted'`;
    const [rows] = await tx.query(
      `UPDATE sessions SET ${changes}, ${touchSql('$3')}
       WHERE id = $1 AND user_id = $2 AND ${status} RETURNING *`,
      all,
    );
    return rows?.[0] ? sessionFromRow(rows[0]) : null;
  }
}
