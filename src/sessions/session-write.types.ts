import type { JsonText } from '../common/json-text.js';
import type { HistoryState } from './history-etag.js';
import type { Session } from './session.columns.js';
import type { AddParam } from '../database/sql-params.js';
import type { SessionStatus } from './session-status.js';

/* The words of a write to `sessions`: what SessionStore and SessionsRepository take and answer. */

export type NewSession = Pick<
  Session,
  'userId' | 'idempotencyKey' | 'key' | 'title' | 'problemStatement' | 'context' | 'metadata' | 'ttlSeconds' | HistoryLimitField
>;

/** The columns of a session's own history cap (history-cap.sql.ts). */
export type HistoryLimitField = 'historyMaxMessages' | 'historyMaxBytes' | 'historyTrim';
export type HistoryLimitColumns = Pick<Session, HistoryLimitField>;

/** What SessionsRepository.insert did: created a row, found the caller's session, or refused. */
export type InsertOutcome = { created: Session } | { existing: Session } | { refused: 'quota' | 'key' };

/** What SessionsRepository.insertFork did: as insert, or found no source, or a cut after the source's last seq. */
export type ForkOutcome = InsertOutcome | { sourceMissing: true } | { pastEnd: number };

export interface SessionChanges {
  title?: string | null;
  metadata?: JsonText;
  /** A new cap, whole (all null: the server's defaults). */
  historyLimit?: HistoryLimitColumns;
}

/**
 * What a history change does to its session row. `replaced`: `removed` messages went (those from
 * `fromSeq` on, counted under the row lock) and `appended` new ones came, whose seqs continue after lastSeq.
 */
export type HistoryChange =
  { appended: number } | { popped: number } | { cleared: true } | { replaced: { removed: number; appended: number; fromSeq: number } };

/**
 * Another table's statement run inside a history touch's statement (one round trip, no explicit
 * transaction: one statement commits or fails whole). Its SQL is a data-modifying CTE body that
 * reads the touched row as `touched` (none when the touch matched nothing) and takes its
 * parameters through `param` (the statement's SqlParams.add), which returns each one's placeholder.
 */
export type HistoryRider = (param: AddParam) => string;

/** What else a history touch requires: a status, If-Match's states (none matches: nothing written), riders. */
export interface HistoryGuard {
  onlyIf?: SessionStatus;
  matching?: HistoryState[];
  /** Each one CTE of the statement, in order (the messages' insert; an Idempotency-Key's record). */
  riders?: HistoryRider[];
  /** An append under the session's history cap (history-cap.sql.ts). */
  cap?: HistoryCap;
}

/**
 * What an append tells the cap, and the statements that carry out its cut: `remove` deletes the
 * messages through the touched row's trimmed_through_seq (returning them, as the CTE `trimmed`),
 * `keep` reads `trimmed` (an Idempotency-Key's messages outlive them). `trimmed` is filled in by
 * the touch: what the cut removed, when it removed any.
 */
export interface HistoryCap {
  batch: { contentBytes: number; hasUser: boolean };
  remove: HistoryRider;
  keep: HistoryRider;
  trimmed?: Trimmed;
}

/** A cut of the history cap: `removed` messages went, all those with seqs through `throughSeq`. */
export interface Trimmed {
  removed: number;
  throughSeq: number;
}

export interface ProgressUpdate {
  phase?: string;
  roundNumber?: number;
  costDelta?: number;
}
