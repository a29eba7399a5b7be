import { JsonText } from '../common/json-text.js';

/**
 * A row of `messages`, one item of a session's ordered history, and its one mapping. Not mapped:
 * `text_bytes` (the size a page sums), `user_id` (the session's owner, the search indexes' key)
 * and `search_text` (what a search matches, generated from the content: docs/search.md).
 */
export interface Message {
  id: string;
  sessionId: string;
  seq: number;
  role: string;
  /** as the client sent it (a `json` column, read as text) */
  content: JsonText;
  metadata: JsonText;
  createdAt: Date;
}

/** The mapped columns: what statements return, never `*` (the search text would double each row). */
export function messageColumns(alias?: string): string {
  const prefix = alias ? `${alias}.` : '';
  return ['id', 'session_id', 'seq', 'role', 'content', 'metadata', 'created_at'].map((column) => prefix + column).join(', ');
}

export function messageFromRow(row: Record<string, any>): Message {
  return {
    id: row.id,
    sessionId: row.session_id,
    seq: row.seq,
    role: row.role,
    content: new JsonText(row.content),
    metadata: new JsonText(row.metadata),
    createdAt: row.created_at,
  };
}
