import { SqlParams } from '../database/sql-params.js';
import { latestExpiry, EXPIRY_IS_CURRENT, EXPIRY_ON_WRITE } from './session-expiry.sql.js';
import { MAX_TOTAL_COST } from './progress-bounds.js';
import { DELETED, RUNNING } from './session-status.js';
import type { ProgressSnapshot } from './session-transition.sql.js';
import type { NewSession, ProgressUpdate, SessionChanges } from './session-write.types.js';

/*
 * The repository's writes of a session row. $1 is always the default retention (the repository
 * puts it first), so a statement's own parameters start at $2.
 */

/** SET clause of every write to a session or its messages: activity, the expiry when it must move, and `version` (the ETag, the caches' order). */
export const TOUCH = `version = version + 1, updated_at = now(), last_activity_at = now(), ${EXPIRY_ON_WRITE}`;

/*
 * Advisory lock classes (pg_advisory_xact_lock(class, hash of the user)): one user's creates queue
 * behind each other, and so do their starts. A hash collision only makes two users queue together.
 */
export const QUOTA_LOCK = { sessions: 0x5e55, running: 0x5e56 } as const;
export const LOCK_USER_QUOTA = `SELECT pg_advisory_xact_lock($1, hashtext($2))`;

/*
 * ON CONFLICT makes 20 racing creates with one key one row and no error; its predicate is written
 * out (not a parameter) for PostgreSQL to infer the partial unique index. The count stops at the
 * quota, so a user with many sessions costs no more than the quota's index range. The session key
 * is checked in the WHERE (ON CONFLICT takes one target): the caller's quota lock keeps it free to
 * the commit. $2 user, $3 idempotency key, ... $9 the quota, $10 'deleted', $11 key.
 */
export const INSERT_SESSION = `INSERT INTO sessions (user_id, idempotency_key, title, problem_statement, context, metadata, ttl_seconds, expires_at, key,
           history_max_messages, history_max_bytes, history_trim)
         SELECT $2::varchar, $3::varchar, $4::varchar, $5::text, $6::json, $7::json, $8::int, ${latestExpiry('$8::int')}, $11::varchar,
           $12::int, $13::bigint, $14::varchar
         WHERE (SELECT count(*) FROM (SELECT 1 FROM sessions WHERE user_id = $2 AND status <> $10 LIMIT $9) kept) < $9
           AND ($11::varchar IS NULL OR NOT EXISTS (SELECT 1 FROM sessions WHERE user_id = $2 AND key = $11 AND status <> $10))
         ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL AND status <> 'deleted' DO NOTHING
         RETURNING *`;

export function insertParams(session: NewSession, maxSessions: number): unknown[] {
  return [
    session.userId,
    session.idempotencyKey,
    session.title,
    session.problemStatement,
    session.context.text,
    session.metadata.text,
    session.ttlSeconds,
    maxSessions,
    DELETED,
    session.key,
    session.historyMaxMessages,
    session.historyMaxBytes,
    session.historyTrim,
  ];
}

/** A visible session's status and the user's running count, under the running quota's lock. $1 id, $2 user, $3 'deleted', $4 'running'. */
export const START_QUOTA_STATE = `SELECT (SELECT status FROM sessions WHERE id = $1 AND user_id = $2 AND status <> $3) AS status,
              (SELECT count(*)::int FROM sessions WHERE user_id = $2 AND status = $4) AS running`;

/** PATCH's update of a visible session; with `expectedVersions` (If-Match) only from one of them. */
export function updateSql(
  id: string,
  userId: string,
  changes: SessionChanges,
  expectedVersions?: number[],
): { sql: string; params: unknown[] } {
  const params = SqlParams.after(1, id, userId, DELETED);
  const param = params.add;
  const sets: string[] = [];
  if (changes.title !== undefined) sets.push(`title = ${param(changes.title)}`);
  if (changes.metadata !== undefined) sets.push(`metadata = ${param(changes.metadata.text)}::json`);
  if (changes.historyLimit !== undefined) {
    const { historyMaxMessages, historyMaxBytes, historyTrim } = changes.historyLimit;
    sets.push(`history_max_messages = ${param(historyMaxMessages)}::int`);
    sets.push(`history_max_bytes = ${param(historyMaxBytes)}::bigint`);
    sets.push(`history_trim = ${param(historyTrim)}::varchar`);
  }
  const versionCheck = expectedVersions === undefined ? '' : ` AND version = ANY(${param(expectedVersions)}::int[])`;
  const sql = `UPDATE sessions SET ${[...sets, TOUCH].join(', ')}
       WHERE id = $2 AND user_id = $3 AND status <> $4${versionCheck} RETURNING *`;
  return { sql, params: params.values };
}

/** A read that counts as activity: only when the expiry must move. $2 id, $3 user, $4 'deleted'. */
export const SLIDE_EXPIRY = `UPDATE sessions SET version = version + 1, last_activity_at = now(), ${EXPIRY_ON_WRITE}
       WHERE id = $2 AND user_id = $3 AND status <> $4 AND NOT (${EXPIRY_IS_CURRENT}) RETURNING *`;

/** $2 id, $3 phase, $4 round, $5 cost delta, $6 'running', $7 MAX_TOTAL_COST (past it, nothing changes, as in the live-progress script). */
export const RECORD_PROGRESS = `UPDATE sessions SET phase = coalesce($3, phase), round_number = coalesce($4, round_number),
         total_cost = total_cost + $5, ${TOUCH}
       WHERE id = $2 AND status = $6 AND total_cost + $5 <= $7 RETURNING *`;

export function progressParams(id: string, update: ProgressUpdate): unknown[] {
  return [id, update.phase ?? null, update.roundNumber ?? null, update.costDelta ?? 0, RUNNING, MAX_TOTAL_COST];
}

/*
 * Live snapshots of running sessions, each only if newer than the row's (live_rev), so a slow
 * flusher never overwrites a fresher one. Rows are locked in id order: two instances flushing
 * overlapping batches wait for each other instead of deadlocking. $2..$6 columns, $7 'running'.
 */
export const FLUSH_LIVE = `WITH live AS (
         SELECT * FROM unnest($2::uuid[], $3::varchar[], $4::int[], $5::numeric[], $6::bigint[]) AS l(id, phase, round_number, total_cost, rev)
       ), locked AS (
         SELECT s.id FROM sessions s JOIN live l ON l.id = s.id
         WHERE s.status = $7 AND s.live_rev < l.rev ORDER BY s.id FOR UPDATE OF s
       )
       UPDATE sessions s SET phase = l.phase, round_number = l.round_number, total_cost = l.total_cost, live_rev = l.rev, ${TOUCH}
       FROM live l WHERE s.id = l.id AND s.id IN (SELECT id FROM locked) AND s.status = $7 AND s.live_rev < l.rev
       RETURNING s.*`;

export function liveParams(snapshots: ProgressSnapshot[]): unknown[] {
  const column = <K extends keyof ProgressSnapshot>(key: K) => snapshots.map((snapshot) => snapshot[key]);
  return [column('id'), column('phase'), column('roundNumber'), column('totalCost'), column('rev'), RUNNING];
}

/** No version: a heartbeat is nothing readers see. $1 ids, $2 'running'. */
export const HEARTBEAT = `UPDATE sessions SET heartbeat_at = now() WHERE id = ANY($1::uuid[]) AND status = $2 RETURNING id`;

/** A worker takes the run: readers see `claimed_at`, so the version moves. $1 id, $2 'running'. */
export const CLAIM = `UPDATE sessions SET heartbeat_at = now(), claimed_at = now(), version = version + 1, updated_at = now()
       WHERE id = $1 AND status = $2 RETURNING *`;

export const UNCLAIM = `UPDATE sessions SET claimed_at = NULL, version = version + 1, updated_at = now()
       WHERE id = $1 AND status = $2 AND claimed_at IS NOT NULL RETURNING *`;
