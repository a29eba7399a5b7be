import type { SessionStatus } from '../../../src/sessions/session-status';

export type { SessionStatus };

/** A session as GET /api/v1/sessions answers it (the fields the page shows). */
export interface Session {
  id: string;
  key: string | null;
  title: string | null;
  problemStatement: string | null;
  status: SessionStatus;
  phase: string | null;
  roundNumber: number;
  totalCost: number;
  synthesisText: string | null;
  finalRecommendation: string | null;
  error: string | null;
  messageCount: number;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  lastActivityAt: string;
}

export interface Message {
  id: string;
  seq: number;
  role: string;
  content: unknown;
  metadata: Record<string, unknown> | null;
  createdAt: string;
}

export interface Transition {
  from: SessionStatus | null;
  to: SessionStatus;
  at: string;
  actor: string;
  reason: string | null;
}

export interface Page<T> {
  items: T[];
}

/** One event of GET /api/v1/events: its name and JSON data (always holding sessionId). */
export interface SessionEvent {
  id: string;
  /** session.created, session.status, session.progress, session.messages, session.deleted (others are ignored). */
  type: string;
  data: { sessionId: string; to?: SessionStatus; seqs?: number[]; [field: string]: unknown };
}
