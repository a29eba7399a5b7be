/* The repository's reads of session rows (the list's page is in session-page.sql.ts). */

export const FIND_BY_ID = `SELECT * FROM sessions WHERE id = $1`;

/** $1 id, $2 user: any status (the service tells deleted apart). */
export const FIND_OWNED = `SELECT * FROM sessions WHERE id = $1 AND user_id = $2`;

/** $1 ids, $2 user. */
export const FIND_OWNED_MANY = `SELECT * FROM sessions WHERE id = ANY($1::uuid[]) AND user_id = $2`;

/** $1 user, $2 key, $3 'deleted'. */
export const FIND_OWNED_BY_KEY = `SELECT * FROM sessions WHERE user_id = $1 AND key = $2 AND status <> $3`;

/** $1 user, $2 keys, $3 'deleted'. */
export const FIND_OWNED_BY_KEYS = `SELECT * FROM sessions WHERE user_id = $1 AND key = ANY($2::varchar[]) AND status <> $3`;

/** The user's visible session holding this idempotency key or key. $1 user, $2 the value, $3 'deleted'. */
export const findVisibleBy = (column: 'idempotency_key' | 'key') =>
  `SELECT * FROM sessions WHERE user_id = $1 AND ${column} = $2 AND status <> $3`;

/** A visible session's history counters, its row locked for a history change. $1 id, $2 user, $3 'deleted'. */
export const LOCK_FOR_HISTORY = `SELECT last_seq, message_count FROM sessions WHERE id = $1 AND user_id = $2 AND status <> $3 FOR UPDATE`;

/** Running sessions without a heartbeat for $1 seconds, oldest first. $2 limit, $3 'running', $4 ids set aside. */
export const FIND_SILENT_RUNNING = `SELECT id FROM sessions
       WHERE status = $3 AND coalesce(heartbeat_at, '-infinity') < now() - make_interval(secs => $1) AND id <> ALL($4::uuid[])
       ORDER BY heartbeat_at NULLS FIRST LIMIT $2`;

export const LIST_TRANSITIONS = `SELECT from_status, to_status, at, actor, reason FROM session_transitions WHERE session_id = $1 ORDER BY id`;
