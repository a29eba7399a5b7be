/** A row of `messages`, one item of a session's ordered history, and its one mapping. */
export interface Message {
  id: string;
  sessionId: string;
  seq: number;
  role: string;
  content: unknown;
  metadata: Record<string, unknown>;
  createdAt: Date;
}

export function messageFromRow(row: Record<string, any>): Message {
  return {
    id: row.id,
    sessionId: row.session_id,
    seq: row.seq,
    role: row.role,
    content: row.content,
    metadata: row.metadata,
    createdAt: row.created_at,
  };
}
