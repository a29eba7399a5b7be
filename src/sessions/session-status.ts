/*
 * The status vocabulary in one place: the statuses, the table of moves between them, and what
 * each status means to the rest of the code (visible, running, ended). SQL receives these as
 * parameters, never as literals, so a new status is a change to this file alone.
 */
export const SESSION_STATUSES = ['created', 'running', 'completed', 'failed', 'killed', 'deleted'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

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

/** Deleted sessions answer 404 (until cleanup removes the row); every other status is visible. */
export const DELETED: SessionStatus = 'deleted';
/** The one status whose work runs: progress, heartbeats, appends by handlers, the lost-worker sweep. */
export const RUNNING: SessionStatus = 'running';
/** Arriving here sets started_at (and the first heartbeat). */
export const STARTS_RUN: readonly SessionStatus[] = ['running'];
/** Arriving here sets ended_at; `deleted` keeps an earlier ended_at. */
export const ENDS_RUN: readonly SessionStatus[] = ['completed', 'failed', 'killed', 'deleted'];
/** How a run ended (what a webhook reports): the ends of a run but `deleted`, which is not an outcome. */
export const RUN_OUTCOMES: readonly SessionStatus[] = ENDS_RUN.filter((status) => status !== DELETED);

export function canTransition(from: SessionStatus, to: SessionStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The statuses a session may be in for `to` to be reached: the `ANY($allowed)` of the conditional update. */
export function allowedFrom(to: SessionStatus): SessionStatus[] {
  return (Object.keys(TRANSITIONS) as SessionStatus[]).filter((from) => canTransition(from, to));
}

/**
 * DELETE of a session the table does not let go to `deleted` directly but that may be killed (a
 * running one): one statement moves it through `killed`, recording both steps, so its work stops
 * and nothing else can move it in between.
 */
export const DELETE_THROUGH_KILL = {
  status: 'killed' as SessionStatus,
  from: SESSION_STATUSES.filter(
    (from) => !canTransition(from, DELETED) && canTransition(from, 'killed') && canTransition('killed', DELETED),
  ),
  reason: 'session deleted',
};

/** Where a move to `to` may start, and the step it passes through from some of those statuses. */
export function movesTo(to: SessionStatus): { from: SessionStatus[]; through?: typeof DELETE_THROUGH_KILL } {
  if (to !== DELETED) return { from: allowedFrom(to) };
  return { from: [...allowedFrom(to), ...DELETE_THROUGH_KILL.from], through: DELETE_THROUGH_KILL };
}

/**
 * The statuses from which each control action is accepted (anything else is 409 INVALID_TRANSITION):
 * the table above as a client needs it to offer only what the API accepts. The OpenAPI document
 * carries it as `x-accepted-from` of the SessionStatus schema (bootstrap.ts), so packages/client
 * generates it and the dashboard's buttons follow this file without importing it.
 */
export const ACCEPTED_FROM = Object.fromEntries(Object.entries(ACTION_TARGET).map(([action, to]) => [action, movesTo(to).from])) as Record<
  ControlAction,
  SessionStatus[]
>;
