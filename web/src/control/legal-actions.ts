import { actionsAcceptedFrom } from '@session-store/client';
import type { SessionStatus } from '../api/types';

export type Action = 'start' | 'kill' | 'delete';

const ACTIONS: readonly Action[] = ['start', 'kill', 'delete'];

/**
 * The buttons a person may press from `status`: the statuses the service accepts each action from,
 * as its OpenAPI document states them (generated into packages/client from src/sessions'
 * transition table), so the page never offers what the API would refuse. Complete and fail are the
 * worker's, not a person's. A running session is deleted through kill, as DELETE does.
 */
export function legalActions(status: SessionStatus): Action[] {
  return ACTIONS.filter((action) => (actionsAcceptedFrom[action] as readonly SessionStatus[]).includes(status));
}
