import type { SessionStatus } from './session-status.js';

/** A row of `session_transitions`, the audit trail written by the status change itself. */
export interface TransitionRecord {
  from: SessionStatus;
  to: SessionStatus;
  at: Date;
  actor: string;
  reason: string | null;
}

export function transitionFromRow(row: Record<string, any>): TransitionRecord {
  return { from: row.from_status, to: row.to_status, at: row.at, actor: row.actor, reason: row.reason };
}
