import type { Session } from './session.columns.js';
import type { SessionStatus } from './session-status.js';

/* What callers hand SessionsRepository: the inputs of its reads and writes, by intent. */

export interface NewSession {
  userId: string;
  idempotencyKey: string | null;
  key: string | null;
  title: string | null;
  problemStatement: string | null;
  context: Record<string, unknown>;
  metadata: Record<string, unknown>;
  ttlSeconds: number | null;
}

/** What SessionsRepository.insert did: created a row, found the caller's session, or refused. */
export type InsertOutcome = { created: Session } | { existing: Session } | { refused: 'quota' | 'key' };

export interface SessionChanges {
  title?: string | null;
  metadata?: Record<string, unknown>;
}

export interface ListPosition {
  status?: SessionStatus;
  limit: number;
  after?: { createdAt: Date; id: string };
}

/** What a history change does to its session row. */
export type HistoryChange = { appended: number } | { popped: number } | { cleared: true };

export interface ProgressUpdate {
  phase?: string;
  roundNumber?: number;
  costDelta?: number;
}
