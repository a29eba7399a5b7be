import { PreconditionFailedError } from '../common/domain-error.js';
import { strongEntityTags } from './if-match.js';
import type { Session } from './session.columns.js';

/*
 * The history's ETag, whole: what it is made of, why each state has its own, how states are
 * ordered, and how If-Match names them. The counters are the session row's (its writes move them:
 * SessionsRepository.touchForHistory); the messages feature sets the header and checks If-Match.
 */

/** What a history's ETag is made of (lastSeq never decreases; at one lastSeq the count only decreases). */
export type HistoryState = Pick<Session, 'lastSeq' | 'messageCount'>;

/**
 * `"h<lastSeq>.<messageCount>"` names one history state: lastSeq never decreases, and at one
 * lastSeq the count only decreases. The `h` tells it from a session's ETag sent to the wrong resource.
 */
export function historyEtag(state: HistoryState): string {
  return `"h${state.lastSeq}.${state.messageCount}"`;
}

/** If-Match with the sessions' parsing rules (`*`, a list, strong comparison); 412 when no tag names `state`. */
export function requireHistoryMatch(ifMatch: string | undefined, state: HistoryState): void {
  if (ifMatch === undefined) return;
  const tags = strongEntityTags(ifMatch);
  const current = historyEtag(state);
  if (tags !== '*' && !tags.includes(current)) throw new PreconditionFailedError(current, 'the history');
}

/** Whether `a` is a later state of the same history than `b` (lastSeq grows; at one lastSeq the count falls). */
export function isNewerState(a: HistoryState, b: HistoryState): boolean {
  return a.lastSeq > b.lastSeq || (a.lastSeq === b.lastSeq && a.messageCount < b.messageCount);
}

const HISTORY_TAG = /^"h(\d{1,10})\.(\d{1,10})"$/;

/**
 * The states If-Match names, for a write that checks them in its own WHERE (the same rule as
 * requireHistoryMatch: a state matches when its tag is listed); undefined for `*` (any state).
 */
export function historyStatesOf(ifMatch: string): HistoryState[] | undefined {
  const tags = strongEntityTags(ifMatch);
  if (tags === '*') return undefined;
  const states: HistoryState[] = [];
  for (const tag of tags) {
    const match = HISTORY_TAG.exec(tag);
    // Counters are int columns: a larger number names no state (and must not overflow the cast).
    if (match && Number(match[1]) <= MAX_INT && Number(match[2]) <= MAX_INT)
      states.push({ lastSeq: Number(match[1]), messageCount: Number(match[2]) });
  }
  return states;
}

const MAX_INT = 2 ** 31 - 1;
