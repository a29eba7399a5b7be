import { RUNNING } from './session-status.js';

/*
 * The list's items are built as JSON by PostgreSQL, each exactly what toSessionResponse makes of
 * the row (test/sessions-list.e2e-spec.ts compares the two for every field): decoding 21 rows of
 * 26 columns into objects, mapping and serialising them again was most of a list's CPU
 * (README, Speed). Timestamps print as Date.toISOString() does (UTC, milliseconds truncated).
 * A running session's item is not used: its live progress is laid over it as GET does (service).
 */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export const SESSION_RESPONSE_JSON = `json_build_object(
  'id', id, 'userId', user_id, 'key', key, 'title', title, 'problemStatement', problem_statement,
  'context', context, 'metadata', metadata, 'status', status, 'phase', phase, 'roundNumber', round_number,
  'totalCost', total_cost::float8, 'synthesisText', synthesis_text, 'finalRecommendation', final_recommendation,
  'error', error, 'messageCount', message_count, 'createdAt', ${iso('created_at')}, 'updatedAt', ${iso('updated_at')},
  'startedAt', ${iso('started_at')}, 'endedAt', ${iso('ended_at')}, 'lastActivityAt', ${iso('last_activity_at')},
  'expiresAt', ${iso('expires_at')})::text`;

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
