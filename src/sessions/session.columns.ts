import { JsonText } from '../common/json-text.js';
import type { SessionStatus } from './session-status.js';

/*
 * A row of `sessions` and its one mapping. The schema lives in migrations/; queries are raw SQL,
 * so this (not TypeORM metadata) is the only description of the columns the code reads.
 */
export interface Session {
  id: string;
  userId: string;
  idempotencyKey: string | null;
  /** The client's name for it, unique among the user's sessions that are not deleted. */
  key: string | null;
  title: string | null;
  problemStatement: string | null;
  /** as the client sent them (`json` columns, read as text) */
  context: JsonText;
  metadata: JsonText;
  status: SessionStatus;
  phase: string | null;
  roundNumber: number;
  totalCost: number;
  synthesisText: string | null;
  finalRecommendation: string | null;
  error: string | null;
  messageCount: number;
  lastSeq: number;
  /** Grows with every write: the ETag, and the cache's ordering. */
  version: number;
  /** Revision of the live progress (Redis) last written here; a newer one in Redis is shown instead. */
  liveRev: number;
  ttlSeconds: number | null;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  /** When a worker took the run's work; null while it waits for one (and before any start). */
  claimedAt: Date | null;
  endedAt: Date | null;
  lastActivityAt: Date;
  expiresAt: Date;
  /** The session's own cap (history-cap.sql.ts); null: the server's default for that bound. */
  historyMaxMessages: number | null;
  historyMaxBytes: number | null;
  historyTrim: HistoryTrim | null;
  /** Every message with a seq up to this one was trimmed by the cap (0: none). */
  trimmedThroughSeq: number;
  /** A fork's source session and the last seq copied from it; null for a session that is no fork. */
  forkedFromSessionId: string | null;
  forkedFromSeq: number | null;
}

/** Where a cap cuts: before the next `user` message inside the cap, or exactly. */
export type HistoryTrim = 'user' | 'any';

export const SESSION_COLUMNS = {
  id: 'id',
  userId: 'user_id',
  idempotencyKey: 'idempotency_key',
  key: 'key',
  title: 'title',
  problemStatement: 'problem_statement',
  context: 'context',
  metadata: 'metadata',
  status: 'status',
  phase: 'phase',
  roundNumber: 'round_number',
  totalCost: 'total_cost',
  synthesisText: 'synthesis_text',
  finalRecommendation: 'final_recommendation',
  error: 'error',
  messageCount: 'message_count',
  lastSeq: 'last_seq',
  version: 'version',
  liveRev: 'live_rev',
  ttlSeconds: 'ttl_seconds',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  startedAt: 'started_at',
  claimedAt: 'claimed_at',
  endedAt: 'ended_at',
  lastActivityAt: 'last_activity_at',
  expiresAt: 'expires_at',
  historyMaxMessages: 'history_max_messages',
  historyMaxBytes: 'history_max_bytes',
  historyTrim: 'history_trim',
  trimmedThroughSeq: 'trimmed_through_seq',
  forkedFromSessionId: 'forked_from_session_id',
  forkedFromSeq: 'forked_from_seq',
} as const satisfies Record<keyof Session, string>;

export const SESSION_DATE_FIELDS = ['createdAt', 'updatedAt', 'startedAt', 'claimedAt', 'endedAt', 'lastActivityAt', 'expiresAt'] as const;

/** `RETURNING *` / `SELECT *` rows arrive snake_case; numeric and bigint arrive as strings. */
export function sessionFromRow(row: Record<string, any>): Session {
  const session = {} as Record<string, unknown>;
  for (const [field, column] of Object.entries(SESSION_COLUMNS)) session[field] = row[column];
  session.context = new JsonText(row.context as string);
  session.metadata = new JsonText(row.metadata as string);
  session.totalCost = Number(row.total_cost);
  session.liveRev = Number(row.live_rev ?? 0);
  session.historyMaxBytes = row.history_max_bytes == null ? null : Number(row.history_max_bytes);
  session.trimmedThroughSeq = row.trimmed_through_seq ?? 0;
  return session as unknown as Session;
}
