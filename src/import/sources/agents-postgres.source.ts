import pg from 'pg';
import type { ImportedMessage } from '../../messages/history-imports.js';
import { type ImportSource, RowRefused, type SourceEntry, SourceUnavailableError } from '../import-source.js';
import { agentItemOf } from '../source-rows.js';
import type { AgentsSqliteTables } from './agents-sqlite.source.js';
import { sourceName, tablesPicked, withoutPassword } from './source-name.js';

// Sessions read per round trip (their messages in one more).
const READ_BATCH = 500;

/**
 * The Agents SDK's SQLAlchemySession tables in PostgreSQL: `agent_sessions(session_id varchar,
 * created_at, updated_at timestamp)` and `agent_messages(id serial, session_id, message_data
 * text, created_at timestamp)`, each item the json.dumps text of what get_items() returns, which
 * orders them by (created_at, id). Times are `timestamp without time zone` written by
 * CURRENT_TIMESTAMP, so they are read in the server's time zone, as they were written. Read in
 * session id order a page at a time, in one read-only snapshot; messages whose session has no row are refused.
 */
export class AgentsPostgresSource implements ImportSource {
  readonly name: string;

  private constructor(
    private readonly client: pg.Client,
    private readonly tables: AgentsSqliteTables,
    url: string,
  ) {
    this.name = sourceName('agents-postgres', withoutPassword(url), tablesPicked(tables));
  }

  static async open(url: string, tables: AgentsSqliteTables): Promise<AgentsPostgresSource> {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    client.on('error', () => {}); // a failed query says it
    try {
      await client.connect();
      // Read-only: an import never changes its source; one snapshot for the whole walk.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      for (const table of [tables.sessionsTable, tables.messagesTable]) await client.query(`SELECT 1 FROM ${quoteIdent(table)} LIMIT 1`);
    } catch (error) {
      await client.end().catch(() => {});
      throw new SourceUnavailableError(
        `cannot read ${withoutPassword(url)} as the expected tables (${tables.sessionsTable}, ${tables.messagesTable}): ${(error as Error).message}`,
      );
    }
    return new AgentsPostgresSource(client, tables, url);
  }

  async total(): Promise<number> {
    const { rows } = await this.client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quoteIdent(this.tables.sessionsTable)}`);
    return rows[0].n;
  }

  async *entries(): AsyncIterable<SourceEntry> {
    const sessions = quoteIdent(this.tables.sessionsTable);
    const messages = quoteIdent(this.tables.messagesTable);
    let after: string | null = null;
    for (;;) {
      // Keyset pages along the primary key's index.
      const page: pg.QueryResult<SessionRow> = await this.client.query<SessionRow>(
        `SELECT session_id, created_at::timestamptz AS created_at, updated_at::timestamptz AS updated_at FROM ${sessions}
         ${after === null ? '' : 'WHERE session_id > $1'} ORDER BY session_id LIMIT ${READ_BATCH}`,
        after === null ? [] : [after],
      );
      if (!page.rows.length) break;
      after = page.rows[page.rows.length - 1].session_id;
      const { rows } = await this.client.query<MessageRow>(
        `SELECT id, session_id, message_data, created_at::timestamptz AS created_at FROM ${messages}
         WHERE session_id = ANY($1::text[]) ORDER BY session_id, created_at, id`,
        [page.rows.map((row) => row.session_id)],
      );
      const bySession = new Map<string, MessageRow[]>();
      for (const row of rows) {
        const history = bySession.get(row.session_id);
        if (history) history.push(row);
        else bySession.set(row.session_id, [row]);
      }
      for (const session of page.rows) yield entryOf(session, bySession.get(session.session_id) ?? []);
    }
    const orphans = await this.client.query<{ session_id: string; n: number }>(
      `SELECT session_id, count(*)::int AS n FROM ${messages} m WHERE NOT EXISTS (SELECT 1 FROM ${sessions} s WHERE s.session_id = m.session_id)
       GROUP BY session_id ORDER BY session_id`,
    );
    for (const row of orphans.rows)
      yield {
        refused: { id: row.session_id, messages: row.n, reason: `no session: its messages have no row in ${this.tables.sessionsTable}` },
      };
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

interface SessionRow {
  session_id: string;
  created_at: Date | null;
  updated_at: Date | null;
}

interface MessageRow {
  id: number;
  session_id: string;
  message_data: string;
  created_at: Date | null;
}

function entryOf(session: SessionRow, rows: MessageRow[]): SourceEntry {
  const id = session.session_id;
  try {
    return { session: { id, createdAt: session.created_at, updatedAt: session.updated_at, messages: rows.map(toMessage) } };
  } catch (error) {
    if (!(error instanceof RowRefused)) throw error;
    return { refused: { id, messages: rows.length, reason: error.message } };
  }
}

function toMessage(row: MessageRow): ImportedMessage {
  return { ...agentItemOf(row.message_data, `message ${row.id}: message_data`), metadata: '{}', createdAt: row.created_at };
}

/** A table name from the command line as a PostgreSQL identifier (SQLAlchemy's Table(name): unqualified). */
function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
