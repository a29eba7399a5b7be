import type { JsonText } from '../common/json-text.js';
import { SqlParams } from '../database/sql-params.js';
import { latestExpiry } from './session-expiry.sql.js';
import type { HistoryRider } from './session-writes.js';

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
 * The history's part of a fork, written by the messages side (the only writer of `messages`) and
 * run inside the fork's one statement (forkSql). `extent` is a SELECT of one row per row of
 * `source` (its `id`, and `at_seq`: the cut asked for, null for all): `n`, how many messages the
 * fork takes, and `last_seq`, the seq of the source's last message (null: none). `copy` is a
 * data-modifying CTE body that copies them from `touched` (the new row: `forked_from_session_id`,
 * `forked_from_seq`) into `touched.id`, numbered 1..n.
 */
export interface ForkCopy {
  extent: HistoryRider;
  copy: HistoryRider;
}

/**
 * A fork as one statement, so one snapshot: the source row, its history's extent, the new row and
 * the copied messages all see the same committed state (an append, itself one statement, is wholly
 * in or wholly out), and no row passes through the service. The new row is inserted as
 * SessionsRepository.insert inserts one (the quota, a free key, the idempotency key's ON CONFLICT)
 * and only when the cut lies within the source's history. Returns one row per visible source: the
 * new row's columns (null when nothing was inserted) and `source_last_seq`; none when the source
 * is not the user's visible session. $1 is the retention, as in every write of the repository.
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
