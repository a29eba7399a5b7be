import type { JsonText } from '../common/json-text.js';
import { SqlParams } from '../database/sql-params.js';
import { latestExpiry } from './session-expiry.sql.js';
import type { HistoryRider } from './session-write.types.js';

/** A fork as asked: the source, where to cut (null: after its last message), and the new session's own fields. */
export interface NewFork {
  userId: string;
  sourceId: string;
  atSeq: number | null;
  idempotencyKey: string | null;
  key: string | null;
  /** null: the source's */
  title: string | null;
  metadata: JsonText | null;
}

/**
 * The history's part of a fork, from the messages side, run inside forkSql's statement. `extent`
 * gives per `source` row (`id`, `at_seq`) `n` (messages taken) and `last_seq` (null: none); `copy`
 * copies them into `touched.id`, numbered 1..n.
 */
export interface ForkCopy {
  extent: HistoryRider;
  copy: HistoryRider;
}

/** A long history takes longer to copy than other statements may: the fork's own bound, for its transaction. */
export const SET_FORK_STATEMENT_TIMEOUT = `SELECT set_config('statement_timeout', $1, true)`;

/**
 * A fork as one statement, so the source, its extent, the new row and the copy see one snapshot
 * and no row passes through the service. The row is inserted as INSERT_SESSION inserts one, and
 * only when the cut lies within the history. One row per visible source (the new row's columns,
 * null when none, and `source_last_seq`); $1 is the retention.
 */
export function forkSql(
  retentionSeconds: number,
  fork: NewFork,
  maxSessions: number,
  deleted: string,
  copy: ForkCopy,
): { sql: string; values: unknown[] } {
  const params = new SqlParams(retentionSeconds);
  const param = params.add;
  const [user, source, at, key, idempotencyKey, title, metadata, max] = [
    fork.userId,
    fork.sourceId,
    fork.atSeq,
    fork.key,
    fork.idempotencyKey,
    fork.title,
    fork.metadata?.text ?? null,
    maxSessions,
  ].map(param);
  const notDeleted = `status <> ${param(deleted)}`;
  const sql = `
    WITH source AS (
      SELECT id, title, problem_statement, context, metadata, ttl_seconds, ${at}::int AS at_seq
      FROM sessions WHERE id = ${source} AND user_id = ${user} AND ${notDeleted}
    ), extent AS (${copy.extent(param)}),
    touched AS (
      INSERT INTO sessions (user_id, idempotency_key, key, title, problem_statement, context, metadata, ttl_seconds, expires_at,
        message_count, last_seq, forked_from_session_id, forked_from_seq)
      SELECT ${user}::varchar, ${idempotencyKey}::varchar, ${key}::varchar, coalesce(${title}::varchar, s.title),
        s.problem_statement, s.context, coalesce(${metadata}::json, s.metadata), s.ttl_seconds,
        ${latestExpiry('s.ttl_seconds')}, e.n, e.n, s.id, coalesce(s.at_seq, e.last_seq, 0)
      FROM source s JOIN extent e ON true
      WHERE (s.at_seq IS NULL OR s.at_seq <= e.last_seq)
        AND (SELECT count(*) FROM (SELECT 1 FROM sessions WHERE user_id = ${user} AND ${notDeleted} LIMIT ${max}) kept) < ${max}
        AND (${key}::varchar IS NULL OR NOT EXISTS (SELECT 1 FROM sessions WHERE user_id = ${user} AND key = ${key} AND ${notDeleted}))
      ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL AND status <> 'deleted' DO NOTHING
      RETURNING *
    ), rider0 AS (${copy.copy(param)})
    SELECT t.*, e.last_seq AS source_last_seq FROM extent e LEFT JOIN touched t ON true`;
  return { sql, values: params.values };
}
