import type { components } from '../../../packages/client/src/generated/openapi';
import type { SessionStatus } from '../../../src/sessions/session-status';

export type { SessionStatus };

/**
 * A session, a message and an audit step as the API answers them: the client package's types, generated from the
 * service's own OpenAPI document (packages/client), so the page and the API cannot drift apart.
 */
export type Session = components['schemas']['SessionResponse'];
export type Message = components['schemas']['MessageResponse'];

export type Transition = components['schemas']['TransitionResponse'];

export interface Page<T> {
  items: T[];
}

/** One event of GET /api/v1/events: its name and JSON data (always holding sessionId). */
export interface SessionEvent {
  id: string;
  /** session.created, session.status, session.progress, session.messages, session.deleted (others are ignored). */
  type: string;
  data: { sessionId: string; to?: SessionStatus; firstSeq?: number; seqs?: number[]; [field: string]: unknown };
}
