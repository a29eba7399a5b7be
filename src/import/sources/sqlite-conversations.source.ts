import type { DatabaseSync } from 'node:sqlite';
import type { ImportedMessage } from '../../messages/history-imports.js';
import { type ImportSource, RowRefused, type SourceEntry } from '../import-source.js';
import { isRole, jsonTextOf, timeOf } from '../source-rows.js';
import { openSqlite } from './sqlite-file.js';

/**
 * The conversation database of the SQLite-to-PostgreSQL guide: `sessions(id, title, created_at,
 * updated_at, metadata)` and `messages(id, session_id, role, content, metadata, created_at)`,
 * TEXT ids, ISO times, metadata as JSON text and content as plain text (stored here as a JSON
 * string). A history is in created_at order, ties in insertion order.
 */
export class SqliteConversationsSource implements ImportSource {
  readonly name: string;
  private readonly db: DatabaseSync;

  constructor(file: string) {
    const { db, location } = openSqlite(file, ['sessions', 'messages']);
    this.db = db;
    this.name = `sqlite-conversations:${location}`;
  }

  total(): Promise<number> {
    return Promise.resolve(Number(this.db.prepare(`SELECT count(*) AS n FROM sessions`).get()!.n));
  }

  *entries(): Iterable<SourceEntry> {
    const history = this.db.prepare(
      `SELECT id, role, content, metadata, created_at FROM messages WHERE session_id = ? ORDER BY created_at, rowid`,
    );
    for (const row of this.db.prepare(`SELECT id, title, created_at, updated_at, metadata FROM sessions ORDER BY id`).iterate()) {
      const id = String(row.id);
      const rows = history.all(id);
      try {
        yield {
          session: {
            id,
            title: typeof row.title === 'string' && row.title !== '' ? row.title : null,
            metadata: row.metadata === null ? undefined : jsonTextOf(row.metadata, 'session metadata'),
            createdAt: timeOf(row.created_at, 'created_at'),
            updatedAt: timeOf(row.updated_at, 'updated_at'),
            messages: rows.map(toMessage),
          },
        };
      } catch (error) {
        if (!(error instanceof RowRefused)) throw error;
        yield { refused: { id, messages: rows.length, reason: error.message } };
      }
    }
    const orphans = this.db.prepare(
      `SELECT session_id, count(*) AS n FROM messages WHERE session_id NOT IN (SELECT id FROM sessions) GROUP BY session_id`,
    );
    for (const row of orphans.iterate())
      yield {
        refused: { id: String(row.session_id), messages: Number(row.n), reason: 'no session: its messages have no row in sessions' },
      };
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}

function toMessage(row: Record<string, unknown>): ImportedMessage {
  if (!isRole(row.role)) throw new RowRefused(`message ${String(row.id)}: role is not 1..64 characters without control characters`);
  if (typeof row.content !== 'string') throw new RowRefused(`message ${String(row.id)}: content is not text`);
  return {
    role: row.role,
    content: JSON.stringify(row.content),
    metadata: row.metadata === null ? '{}' : jsonTextOf(row.metadata, `message ${String(row.id)}: metadata`),
    createdAt: timeOf(row.created_at, `message ${String(row.id)}: created_at`),
  };
}
