import type { SessionStatus } from '../sessions/session-status.js';

/**
 * The whole lifecycle of a session, one row per status: where it may go next.
 * `running` reaches `deleted` only through `killed`: DELETE kills a running session first, so its
 * work stops and the audit trail says so.
 */
export const TRANSITIONS: Readonly<Record<SessionStatus, readonly SessionStatus[]>> = {
  created: ['running', 'killed', 'deleted'],
  running: ['completed', 'failed', 'killed'],
  completed: ['deleted'],
  failed: ['deleted'],
  killed: ['deleted'],
  deleted: [],
};

/** What each control action asks for; the names appear in INVALID_TRANSITION messages. */
export const ACTION_TARGET = {
  start: 'running',
  kill: 'killed',
  complete: 'completed',
  fail: 'failed',
  delete: 'deleted',
} as const satisfies Record<string, SessionStatus>;

export type ControlAction = keyof typeof ACTION_TARGET;

export function canTransition(from: SessionStatus, to: SessionStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The statuses a session may be in for `to` to be reached: the `ANY($allowed)` of the conditional update. */
export function allowedFrom(to: SessionStatus): SessionStatus[] {
  return (Object.keys(TRANSITIONS) as SessionStatus[]).filter((from) => canTransition(from, to));
}
