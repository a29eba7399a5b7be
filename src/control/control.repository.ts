import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { LiveProgress, ProgressUpdate } from '../sessions/session-live.cache.js';
import type { SessionEntity } from '../sessions/session.entity.js';
import { sessionFromRow } from '../sessions/session.row.js';
import type { SessionStatus } from '../sessions/session-status.js';
import { SessionsRepository, touchSql } from '../sessions/sessions.repository.js';

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

export interface Move {
  to: SessionStatus;
  allowedFrom: SessionStatus[];
  actor: string;
  reason: string | null;
  /** Only this user's session; undefined for the system (worker, sweeper). */
  userId?: string;
  set?: TransitionColumns;
  /** Only if no heartbeat came for this long: the sweeper's guard against a worker that is alive after all. */
  silentForSeconds?: number;
}

/** session: the row after the change; otherwise currentStatus says why not (null: no such session). */
export interface MoveOutcome {
  session: SessionEntity | null;
  from: SessionStatus | null;
  currentStatus: SessionStatus | null;
}

export interface TransitionRecord {
  from: SessionStatus;
  to: SessionStatus;
  at: Date;
  actor: string;
  reason: string | null;
}

const COLUMN: Record<keyof TransitionColumns, string> = {
  phase: 'phase', roundNumber: 'round_number', totalCost: 'total_cost', liveRev: 'live_rev',
  synthesisText: 'synthesis_text', finalRecommendation: 'final_recommendation', error: 'error',
};

const STATUS_TIMES: Partial<Record<SessionStatus, string>> = {
  running: 'started_at = now(), heartbeat_at = now()',
  completed: 'ended_at = now()',
  failed: 'ended_at = now()',
  killed: 'ended_at = now()',
  deleted: 'ended_at = coalesce(s.ended_at, now())',
};

/** The control plane's SQL: status changes with their audit rows, heartbeats, and the live-progress flush. */
@Injectable()
export class ControlRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly sessions: SessionsRepository,
  ) {}

  /**
   * One statement: the conditional update (`status = ANY($allowed)`) and its audit row commit
   * together, so of two racing requests exactly one moves the session. `prior` locks the row and
   * keeps the status it left, which the audit row needs and RETURNING cannot give.
   */
  async transition(id: string, move: Move): Promise<MoveOutcome> {
    const params: unknown[] = [id, move.userId ?? null, move.to, this.sessions.retentionSeconds, move.allowedFrom, move.actor, move.reason];
    const sets = [STATUS_TIMES[move.to], ...Object.entries(move.set ?? {})
      .filter(([, value]) => value !== undefined)
      .map(([field, value]) => `${COLUMN[field as keyof TransitionColumns]} = $${params.push(value)}`)];
    const silent = move.silentForSeconds === undefined ? ''
      : ` AND coalesce(s.heartbeat_at, '-infinity') < now() - make_interval(secs => $${params.push(move.silentForSeconds)})`;
    const rows = await this.db.query(
      `WITH prior AS (
         SELECT id, status FROM sessions
         WHERE id = $1 AND status <> 'deleted' AND ($2::varchar IS NULL OR user_id = $2) FOR UPDATE
       ), moved AS (
         UPDATE sessions s SET status = $3, ${[...sets.filter(Boolean), touchSql('$4')].join(', ')}
         FROM prior WHERE s.id = prior.id AND s.status = ANY($5::varchar[])${silent}
         RETURNING s.*, prior.status AS from_status
       ), audit AS (
         INSERT INTO session_transitions (session_id, from_status, to_status, actor, reason)
         SELECT id, from_status, $3, $6, $7 FROM moved
       )
       SELECT prior.status AS prior_status, moved.* FROM prior LEFT JOIN moved ON moved.id = prior.id`,
      params,
    );
    const [row] = rows;
    if (!row) return { session: null, from: null, currentStatus: null };
    if (!row.id) return { session: null, from: null, currentStatus: row.prior_status };
    return { session: sessionFromRow(row), from: row.from_status, currentStatus: move.to };
  }

  async listTransitions(sessionId: string): Promise<TransitionRecord[]> {
    const rows = await this.db.query(
      `SELECT from_status, to_status, at, actor, reason FROM session_transitions WHERE session_id = $1 ORDER BY id`,
      [sessionId],
    );
    return rows.map((row: Record<string, any>) => ({ from: row.from_status, to: row.to_status, at: row.at, actor: row.actor, reason: row.reason }));
  }

  async findById(id: string): Promise<SessionEntity | null> {
    const [row] = await this.db.query(`SELECT * FROM sessions WHERE id = $1`, [id]);
    return row ? sessionFromRow(row) : null;
  }

  /** Refreshes the heartbeat of the sessions a worker runs; returns those still running. */
  async heartbeat(ids: string[]): Promise<string[]> {
    if (!ids.length) return [];
    const [rows] = await this.db.query(
      `UPDATE sessions SET heartbeat_at = now() WHERE id = ANY($1::uuid[]) AND status = 'running' RETURNING id`,
      [ids],
    );
    return rows.map((row: { id: string }) => row.id);
  }

  /** Running sessions nobody has vouched for in `seconds`: their worker may be lost. */
  async findSilentRunning(seconds: number, limit: number): Promise<string[]> {
    const rows = await this.db.query(
      `SELECT id FROM sessions
       WHERE status = 'running' AND coalesce(heartbeat_at, '-infinity') < now() - make_interval(secs => $1)
       ORDER BY heartbeat_at NULLS FIRST LIMIT $2`,
      [seconds, limit],
    );
    return rows.map((row: { id: string }) => row.id);
  }

  /** Progress straight to PostgreSQL, for when Redis cannot take it. Null when not running. */
  async recordProgress(id: string, update: ProgressUpdate): Promise<SessionEntity | null> {
    const [rows] = await this.db.query(
      `UPDATE sessions SET phase = coalesce($3, phase), round_number = coalesce($4, round_number),
         total_cost = total_cost + $5, ${touchSql('$2')}
       WHERE id = $1 AND status = 'running' RETURNING *`,
      [id, this.sessions.retentionSeconds, update.phase ?? null, update.roundNumber ?? null, update.costDelta ?? 0],
    );
    return rows?.[0] ? sessionFromRow(rows[0]) : null;
  }

  /**
   * Writes live snapshots of running sessions, each only if newer than what PostgreSQL has
   * (live_rev), so a slow flusher never overwrites a fresher one. Rows are locked in id order:
   * two instances flushing overlapping batches wait for each other instead of deadlocking.
   */
  async flushLive(snapshots: Array<{ id: string } & LiveProgress>): Promise<SessionEntity[]> {
    if (!snapshots.length) return [];
    const column = <K extends keyof LiveProgress>(key: K) => snapshots.map((snapshot) => snapshot[key]);
    const [rows] = await this.db.query(
      `WITH live AS (
         SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::int[], $4::numeric[], $5::bigint[]) AS l(id, phase, round_number, total_cost, rev)
       ), locked AS (
         SELECT s.id FROM sessions s JOIN live l ON l.id = s.id
         WHERE s.status = 'running' AND s.live_rev < l.rev ORDER BY s.id FOR UPDATE OF s
       )
       UPDATE sessions s SET phase = l.phase, round_number = l.round_number, total_cost = l.total_cost, live_rev = l.rev,
         ${touchSql('$6')}
       FROM live l WHERE s.id = l.id AND s.id IN (SELECT id FROM locked) AND s.status = 'running' AND s.live_rev < l.rev
       RETURNING s.*`,
      [snapshots.map((s) => s.id), column('phase'), column('roundNumber'), column('totalCost'), column('rev'), this.sessions.retentionSeconds],
    );
    return rows.map(sessionFromRow);
  }
}
