import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Session } from './session.columns.js';
import { DELETED, type SessionStatus } from './session-status.js';
import type { Move } from './session-transition.sql.js';
import type { HistoryChange, ProgressUpdate, Trimmed } from './session-write.types.js';

/**
 * What happened to a session, told after PostgreSQL committed it (or, for progress, after the live
 * state took it). The rows are the committed ones; the events feature turns them into SSE and
 * webhooks. Listed in the order they happened within one write.
 */
export type SessionEvent =
  | { type: 'session.created'; session: Session }
  | { type: 'session.status'; session: Session; from: SessionStatus; to: SessionStatus; actor: string; reason: string | null }
  | { type: 'session.messages'; session: Session; change: HistoryChange | { trimmed: Trimmed } }
  | { type: 'session.deleted'; session: Session }
  | { type: 'session.progress'; sessionId: string; update: ProgressUpdate };

/** Who hears the events (the event streams, the webhook outbox). */
export interface SessionEventSink {
  publish(events: SessionEvent[]): Promise<void>;
}

/** Injection token of the event sinks: the list is put together in src/session-listeners.module.ts. */
export const SESSION_EVENT_SINKS = Symbol('SESSION_EVENT_SINKS');

/**
 * The audit trail's steps of one committed move, as events: one status change, or two when the
 * move passed through a status (DELETE of a running session: running -> killed -> deleted), then
 * `session.deleted` when it ended there. Mirrors the audit rows transitionSql writes.
 */
export function moveEvents(session: Session, from: SessionStatus, move: Move): SessionEvent[] {
  const { actor } = move;
  const events: SessionEvent[] = [];
  if (move.through?.from.includes(from)) {
    events.push({ type: 'session.status', session, from, to: move.through.status, actor, reason: move.through.reason });
    events.push({ type: 'session.status', session, from: move.through.status, to: move.to, actor, reason: move.reason });
  } else {
    events.push({ type: 'session.status', session, from, to: move.to, actor, reason: move.reason });
  }
  if (move.to === DELETED) events.push({ type: 'session.deleted', session });
  return events;
}

/**
 * The one place events leave the sessions feature. A sink's failure is logged, never thrown: the
 * change is committed and acknowledged whatever happens to its announcement.
 */
@Injectable()
export class SessionEvents {
  private readonly logger = new Logger(SessionEvents.name);

  constructor(@Inject(SESSION_EVENT_SINKS) private readonly sinks: SessionEventSink[]) {}

  async publish(events: SessionEvent[]): Promise<void> {
    if (!events.length) return;
    await Promise.all(
      this.sinks.map((sink) => sink.publish(events).catch((error: Error) => this.logger.error(`event sink failed: ${error.message}`))),
    );
  }

  /** Progress reaches the live state in Redis first, not through SessionWriter. */
  progressed(sessionId: string, update: ProgressUpdate): Promise<void> {
    return this.publish([{ type: 'session.progress', sessionId, update }]);
  }
}
