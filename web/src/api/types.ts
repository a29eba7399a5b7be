import type { components, SessionStatus } from '@session-store/client';

export type { SessionStatus };

/**
 * A session, a message and an audit step as the API answers them: the client package's types, generated from the
 * service's own OpenAPI document (packages/client), so the page and the API cannot drift apart.
 */
export type Session = components['schemas']['SessionResponse'];
/** The session's history cap: a bound's null is the server's default, 0 no bound. */
export type HistoryLimit = components['schemas']['HistoryLimitResponse'];
/** Where a fork came from. */
export type ForkedFrom = components['schemas']['ForkedFromResponse'];
export type Message = components['schemas']['MessageResponse'];

export type Transition = components['schemas']['TransitionResponse'];

/** One match of GET /messages/search: the message's place and about 120 characters around the match. */
export type SearchHit = components['schemas']['MessageHitResponse'];

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
