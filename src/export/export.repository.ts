import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import pg from 'pg';
import { databaseConfig } from '../config/app.config.js';
import { streamPoolOptions } from '../database/data-source-options.js';
import { SqlParams } from '../database/sql-params.js';
import { cutQuery, NO_SEQ_BOUND } from '../messages/history.sql.js';
import { messageFromRow } from '../messages/message.columns.js';
import { type Session, sessionFromRow } from '../sessions/session.columns.js';
import { DELETED } from '../sessions/session-status.js';
import { ExportSnapshot } from './export-snapshot.js';

/** Where a walk over a user's sessions is: after this (created_at, id), oldest first. */
export interface ExportPosition {
  createdAt: Date;
  id: string;
}

/** A batch of a session's history: at most this many messages and about this many bytes (one message alone may be larger). */
const BATCH = { limit: 1000, maxBytes: 4 * 1024 * 1024 };

/**
 * Reads for exports, on a pool of their own (as large as limit=all's): an export holds one
 * connection at a time, never one of the request pool. Writes nothing.
 */
@Injectable()
export class ExportRepository implements OnModuleDestroy {
  private readonly pool: pg.Pool;

  constructor(@Inject(databaseConfig.KEY) database: ConfigType<typeof databaseConfig>) {
    this.pool = new pg.Pool(streamPoolOptions(database.url, database.streamPoolSize, database.timeouts));
    // An idle connection that breaks must not crash the process; the next checkout opens a new one.
    this.pool.on('error', () => undefined);
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.end();
  }

  /** The next `limit` of the user's sessions that are not deleted, oldest first, by keyset on (created_at, id). */
  async listPositions(userId: string, after: ExportPosition | null, limit: number): Promise<ExportPosition[]> {
    const params = new SqlParams(userId, DELETED, limit);
    const where = after ? `AND (created_at, id) > (${params.add(after.createdAt)}, ${params.add(after.id)})` : '';
    const { rows } = await this.pool.query(
      `SELECT id, created_at FROM sessions WHERE user_id = $1 AND status <> $2 ${where} ORDER BY created_at, id LIMIT $3`,
      params.values,
    );
    return rows.map((row) => ({ createdAt: row.created_at, id: row.id }));
  }

  /** The session (the user's, not deleted) and its history as one snapshot; null when it is gone. The caller must close() it. */
  async openSession(userId: string, sessionId: string): Promise<(ExportSnapshot & { session: Session }) | null> {
    const client = await this.pool.connect();
    let row: Record<string, any> | undefined;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      // The first statement fixes the snapshot: the row and every batch see one state.
      row = (await client.query(`SELECT * FROM sessions WHERE id = $1 AND user_id = $2 AND status <> $3`, [sessionId, userId, DELETED]))
        .rows[0];
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
    const snapshot = new ExportSnapshot(client, row ? sessionFromRow(row) : null, async (after) => {
      const { rows } = await client.query(cutQuery('oldest'), [sessionId, after, NO_SEQ_BOUND, BATCH.limit, BATCH.maxBytes]);
      return { items: rows.map(messageFromRow), more: rows[0]?.more ?? false };
    });
    if (snapshot.session) return snapshot as ExportSnapshot & { session: Session };
    await snapshot.close();
    return null;
  }
}
