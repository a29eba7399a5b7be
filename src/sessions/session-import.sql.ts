import { latestExpiry } from './session-expiry.sql.js';

/** A session moved in from another store, with its history's length (its messages follow in the same transaction). */
export interface ImportedSession {
  userId: string;
  key: string;
  title: string | null;
  problemStatement: string | null;
  /** JSON texts, stored as they are */
  context: string;
  metadata: string;
  messageCount: number;
  /** As the source had them; now when it had none. */
  createdAt: Date | null;
  updatedAt: Date | null;
}

/*
 * One multi-row insert for a batch of imported sessions ($1 the retention, then one array per
 * column). The expiry counts from the import, not from the source's last activity: an old history
 * moved in is not removed by the next cleanup. A key taken meanwhile (another run) inserts
 * nothing for that session, and the caller counts it as already there.
 */
export const INSERT_IMPORTED = `
  INSERT INTO sessions (user_id, key, title, problem_statement, context, metadata, message_count, last_seq, created_at, updated_at, expires_at)
  SELECT i.user_id, i.key, i.title, i.problem_statement, i.context::json, i.metadata::json, i.n, i.n,
    date_trunc('milliseconds', coalesce(i.created_at, now())), coalesce(i.updated_at, i.created_at, now()), ${latestExpiry('NULL::int')}
  FROM unnest($2::varchar[], $3::varchar[], $4::varchar[], $5::text[], $6::text[], $7::text[], $8::int[], $9::timestamptz[], $10::timestamptz[])
    AS i(user_id, key, title, problem_statement, context, metadata, n, created_at, updated_at)
  ON CONFLICT (user_id, key) WHERE key IS NOT NULL AND status <> 'deleted' DO NOTHING
  RETURNING *`;

export function importedParams(sessions: ImportedSession[]): unknown[] {
  const column = <T>(pick: (session: ImportedSession) => T) => sessions.map(pick);
  return [
    column((s) => s.userId),
    column((s) => s.key),
    column((s) => s.title),
    column((s) => s.problemStatement),
    column((s) => s.context),
    column((s) => s.metadata),
    column((s) => s.messageCount),
    column((s) => s.createdAt),
    column((s) => s.updatedAt),
  ];
}
