import { SqlParams } from '../database/sql-params.js';
import { DELETED, RUNNING, type SessionStatus } from './session-status.js';

/*
 * The list's items are built as JSON by PostgreSQL, each exactly what toSessionResponse makes of
 * the row (test/sessions-list.e2e-spec.ts compares the two for every field): decoding 21 rows of
 * 27 columns into objects, mapping and serialising them again was most of a list's CPU
 * (docs/speed.md). Timestamps print as Date.toISOString() does (UTC, milliseconds truncated).
 * A running session's item is not used: its live progress is laid over it as GET does (service).
 */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/*
 * Written field by field as JSON.stringify writes them, compact (json_build_object puts spaces
 * around ':' and ','), each value through to_json (strings escaped as JSON.stringify escapes them;
 * a json column's text as it is). total_cost as the JS number Number() makes of it: float8 prints
 * as the same shortest digits, but in exponent form below 1e-4, where the exact decimal (at most
 * six places) is what JS prints.
 */
const TOTAL_COST = `CASE WHEN total_cost = 0 OR abs(total_cost) >= 0.0001 THEN total_cost::float8::text ELSE trim_scale(total_cost)::text END`;

/** A SQL value's JSON text (null as null). */
const json = (sql: string) => `coalesce(to_json(${sql})::text, 'null')`;

const FIELDS: [string, string][] = [
  ['id', json('id')],
  ['userId', json('user_id')],
  ['key', json('key')],
  ['title', json('title')],
  ['problemStatement', json('problem_statement')],
  ['context', json('context')],
  ['metadata', json('metadata')],
  ['status', json('status')],
  ['phase', json('phase')],
  ['roundNumber', json('round_number')],
  ['totalCost', TOTAL_COST],
  ['synthesisText', json('synthesis_text')],
  ['finalRecommendation', json('final_recommendation')],
  ['error', json('error')],
  ['messageCount', json('message_count')],
  ['trimmedThroughSeq', json('trimmed_through_seq')],
  [
    'historyLimit',
    `'{"maxMessages":' || ${json('history_max_messages')} || ',"maxBytes":' || ${json('history_max_bytes')} || ',"trim":' || ${json("coalesce(history_trim, 'user')")} || '}'`,
  ],
  ['createdAt', json(iso('created_at'))],
  ['updatedAt', json(iso('updated_at'))],
  ['startedAt', json(iso('started_at'))],
  ['claimedAt', json(iso('claimed_at'))],
  ['endedAt', json(iso('ended_at'))],
  ['lastActivityAt', json(iso('last_activity_at'))],
  ['expiresAt', json(iso('expires_at'))],
  [
    'forkedFrom',
    `CASE WHEN forked_from_session_id IS NULL THEN 'null' ELSE '{"sessionId":' || to_json(forked_from_session_id)::text || ',"atSeq":' || forked_from_seq || '}' END`,
  ],
];

export const SESSION_RESPONSE_JSON = `('{' || ${FIELDS.map(([name, sql], i) => `'${i ? ',' : ''}"${name}":' || ${sql}`).join(' || ')} || '}')`;

/** One listed session: its response JSON and its cursor position; a running one is shown live instead. */
export interface PageRow {
  item: string;
  id: string;
  createdAt: Date;
  running: boolean;
}

/** The columns of a list row: the item and only what a cursor needs decoded. */
export const PAGE_COLUMNS = `${SESSION_RESPONSE_JSON} AS item, id, floor(extract(epoch FROM created_at) * 1000)::int8 AS created_ms, status`;

export function pageRowFrom(row: Record<string, any>): PageRow {
  return { item: row.item, id: row.id, createdAt: new Date(Number(row.created_ms)), running: row.status === RUNNING };
}

/** Where a page of the list starts, and what it keeps. */
export interface ListPosition {
  status?: SessionStatus;
  /** Title contains this text, case-insensitively. */
  titleContains?: string;
  limit: number;
  after?: { createdAt: Date; id: string };
}

/** A user's sessions newest first, by keyset on (created_at, id): deep pages cost what the first does. */
export function listSql(userId: string, position: ListPosition): { sql: string; params: unknown[] } {
  const params = new SqlParams(userId, position.limit);
  const param = params.add;
  const where = ['user_id = $1'];
  if (position.status) where.push(`status = ${param(position.status)}`);
  else where.push(`status <> ${param(DELETED)}`);
  // Served by the trigram index on (user_id, title) (migration AddTitleSearchIndex), not a scan of
  // the user's rows; LIKE's wildcards in the text are matched as themselves.
  if (position.titleContains !== undefined) where.push(`title ILIKE ${param(`%${escapeLike(position.titleContains)}%`)}`);
  if (position.after) where.push(`(created_at, id) < (${param(position.after.createdAt)}, ${param(position.after.id)})`);
  const sql = `SELECT ${PAGE_COLUMNS} FROM sessions WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $2`;
  return { sql, params: params.values };
}

/** `text` as a LIKE pattern that matches it literally (backslash is PostgreSQL's default ESCAPE). */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}
