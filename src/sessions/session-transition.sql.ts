import { SqlParams } from '../database/sql-params.js';
import type { Session } from './session.columns.js';
import { EXPIRY_ON_WRITE } from './session-expiry.sql.js';
import { DELETED, ENDS_RUN, STARTS_RUN, type SessionStatus } from './session-status.js';

/** Columns a status change may set besides the status and its timestamps. */
export interface TransitionColumns {
  phase?: string | null;
  roundNumber?: number;
  totalCost?: number;
  liveRev?: number;
  synthesisText?: string | null;
  finalRecommendation?: string | null;
  error?: string | null;
}

/** Conditions of the guarded update besides the status. */
export interface MoveGuard {
  /** Only this user's session; absent for the system (worker, sweeper). */
  userId?: string;
  /** Only if no heartbeat came for this long: the sweeper's guard against a worker alive after all. */
  silentForSeconds?: number;
}

export interface Move {
  to: SessionStatus;
  from: readonly SessionStatus[];
  actor: string;
  reason: string | null;
  set?: TransitionColumns;
  guard?: MoveGuard;
  /** From these statuses the move passes through `status`, recording both steps (DELETE of a running session). */
  through?: { status: SessionStatus; from: readonly SessionStatus[]; reason: string };
}

/** session: the row after the change; otherwise currentStatus says why not (null: no such session). */
export interface MoveOutcome {
  session: Session | null;
  from: SessionStatus | null;
  currentStatus: SessionStatus | null;
}

/** What the live-progress flush writes for one running session. */
export interface ProgressSnapshot {
  id: string;
  phase: string | null;
  roundNumber: number;
  totalCost: number;
  rev: number;
}

const COLUMN: Record<keyof TransitionColumns, string> = {
  phase: 'phase',
  roundNumber: 'round_number',
  totalCost: 'total_cost',
  liveRev: 'live_rev',
  synthesisText: 'synthesis_text',
  finalRecommendation: 'final_recommendation',
  error: 'error',
};

/**
 * One statement: the conditional update (`status = ANY($from)`) and its audit rows commit
 * together, so of two racing requests exactly one moves the session. `prior` locks the row and
 * keeps the status it left, which the audit row needs and RETURNING cannot give. $1 is the
 * default retention (TOUCH in session-write.sql.ts, EXPIRY_ON_WRITE).
 */
export function transitionSql(retentionSeconds: number, id: string, move: Move): { sql: string; values: unknown[] } {
  const through = move.through ?? { status: move.to, from: [], reason: null };
  const params = new SqlParams(retentionSeconds);
  const $ = params.add;
  const [session, user, to, from, actor, reason, deleted, startsRun, endsRun, throughStatus, throughFrom, throughReason] = [
    id,
    move.guard?.userId ?? null,
    move.to,
    move.from,
    move.actor,
    move.reason,
    DELETED,
    STARTS_RUN,
    ENDS_RUN,
    through.status,
    through.from,
    through.reason,
  ].map($);
  const sets = Object.entries(move.set ?? {})
    .filter(([, value]) => value !== undefined)
    .map(([field, value]) => `${COLUMN[field as keyof TransitionColumns]} = ${$(value)}`);
  const silent =
    move.guard?.silentForSeconds === undefined
      ? ''
      : ` AND coalesce(s.heartbeat_at, '-infinity') < now() - make_interval(secs => ${$(move.guard.silentForSeconds)})`;
  const sql = `WITH prior AS (
       SELECT id, status FROM sessions
       WHERE id = ${session} AND status <> ${deleted} AND (${user}::varchar IS NULL OR user_id = ${user}) FOR UPDATE
     ), moved AS (
       UPDATE sessions s SET status = ${to}::varchar,
         started_at = CASE WHEN ${to}::varchar = ANY(${startsRun}::varchar[]) THEN now() ELSE s.started_at END,
         heartbeat_at = CASE WHEN ${to}::varchar = ANY(${startsRun}::varchar[]) THEN now() ELSE s.heartbeat_at END,
         ended_at = CASE WHEN ${to}::varchar = ANY(${endsRun}::varchar[]) THEN coalesce(s.ended_at, now()) ELSE s.ended_at END,
         ${[...sets, 'version = version + 1, updated_at = now(), last_activity_at = now()', EXPIRY_ON_WRITE].join(', ')}
       FROM prior WHERE s.id = prior.id AND s.status = ANY(${from}::varchar[])${silent}
       RETURNING s.*, prior.status AS from_status
     ), audit AS (
       INSERT INTO session_transitions (session_id, from_status, to_status, actor, reason)
       SELECT moved.id, step.from_status, step.to_status, ${actor}, step.reason
       FROM moved CROSS JOIN LATERAL (VALUES
         (1, moved.from_status, CASE WHEN moved.from_status = ANY(${throughFrom}::varchar[]) THEN ${throughStatus}::varchar ELSE ${to}::varchar END,
          CASE WHEN moved.from_status = ANY(${throughFrom}::varchar[]) THEN ${throughReason}::text ELSE ${reason}::text END),
         (2, ${throughStatus}::varchar, ${to}::varchar, ${reason}::text)
       ) AS step(n, from_status, to_status, reason)
       WHERE step.n = 1 OR moved.from_status = ANY(${throughFrom}::varchar[])
       ORDER BY step.n
     )
     SELECT prior.status AS prior_status, moved.* FROM prior LEFT JOIN moved ON moved.id = prior.id`;
  return { sql, values: params.values };
}
