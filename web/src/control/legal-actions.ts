import { DELETE_THROUGH_KILL, TRANSITIONS } from '../../../src/sessions/session-status';
import type { SessionStatus } from '../api/types';

export type Action = 'start' | 'kill' | 'delete';

/**
 * The buttons a person may press from `status`: the service's own transition table (shared with
 * src/sessions, so the page never offers what the API would refuse). Complete and fail are the
 * worker's, not a person's. A running session is deleted through kill, as DELETE does.
 */
export function legalActions(status: SessionStatus): Action[] {
  const actions: Action[] = [];
  if (TRANSITIONS[status].includes('running')) actions.push('start');
  if (TRANSITIONS[status].includes('killed')) actions.push('kill');
  if (TRANSITIONS[status].includes('deleted') || DELETE_THROUGH_KILL.from.includes(status)) actions.push('delete');
  return actions;
}
