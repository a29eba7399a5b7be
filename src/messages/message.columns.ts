import { JsonText } from '../common/json-text.js';

/**
 * A row of `messages`, one item of a session's ordered history, and its one mapping. Not mapped:
 * `text_bytes` (the size a page sums) and `user_id`, the session's owner, which a trigger copies
 * from the session row on insert (migration AddMessageSearch) for the search indexes' key;
 * writers never name it.
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
