import type { DatabaseSync } from 'node:sqlite';
import type { ImportedMessage } from '../../messages/history-imports.js';
import { type ImportSource, RowRefused, type SourceEntry } from '../import-source.js';
import { agentItemOf, timeOf } from '../source-rows.js';
import { sourceName, tablesPicked } from './source-name.js';
import { openSqlite, quoteName } from './sqlite-file.js';

export interface AgentsSqliteTables {
  sessionsTable: string;
  messagesTable: string;
}

/**
 * A file written by the Agents SDK's SQLiteSession: `agent_sessions(session_id, created_at,
 * updated_at)` and `agent_messages(id, session_id, message_data, created_at)`, each item the
 * json.dumps text of what get_items() returns, in id order. Messages whose session has no row
 * are refused under their session id.
 */
export class AgentsSqliteSource implements ImportSource {
  readonly name: string;
  private readonly db: DatabaseSync;

  constructor(
    file: string,
    private readonly tables: AgentsSqliteTables,
  ) {
    const { db, location } = openSqlite(file, [tables.sessionsTable, tables.messagesTable]);
    this.db = db;
    this.name = sourceName('agents-sqlite', location, tablesPicked(tables));
  }

  total(): Promise<number> {
    return Promise.resolve(Number(this.db.prepare(`SELECT count(*) AS n FROM ${quoteName(this.tables.sessionsTable)}`).get()!.n));
  }

  *entries(): Iterable<SourceEntry> {
    const sessions = quoteName(this.tables.sessionsTable);
    const messages = quoteName(this.tables.messagesTable);
    const history = this.db.prepare(`SELECT id, message_data, created_at FROM ${messages} WHERE session_id = ? ORDER BY id`);
    for (const row of this.db.prepare(`SELECT session_id, created_at, updated_at FROM ${sessions} ORDER BY session_id`).iterate()) {
      const id = String(row.session_id);
      const rows = history.all(id);
      try {
        yield {
          session: {
            id,
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
      `SELECT session_id, count(*) AS n FROM ${messages} WHERE session_id NOT IN (SELECT session_id FROM ${sessions}) GROUP BY session_id`,
    );
    for (const row of orphans.iterate())
      yield {
        refused: {
          id: String(row.session_id),
          messages: Number(row.n),
          reason: `no session: its messages have no row in ${this.tables.sessionsTable}`,
        },
      };
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}

function toMessage(row: Record<string, unknown>): ImportedMessage {
  return {
    ...agentItemOf(row.message_data, `message ${String(row.id)}: message_data`),
    metadata: '{}',
    createdAt: timeOf(row.created_at, `message ${String(row.id)}: created_at`),
  };
}
