import { randomUUID } from 'node:crypto';
import type { SessionEvent } from '../sessions/session-events.js';
import type { HistoryChange } from '../sessions/session-writes.js';
import type { NewEvent } from './event-log.js';

/**
 * What a subscriber reads in `data:`: always `sessionId`, and `version` (the session's ETag
 * number after the change) where a row was written, so a client can order what concurrent writes
 * announced. `session.status` carries the audit trail's `from`, `to`, `actor`, `reason`;
 * `session.messages` the `seqs` it appended (empty when messages were removed: `change` says how).
 */
export function toNewEvent(event: SessionEvent, userId: string): NewEvent {
  const base = { eventId: randomUUID(), userId, type: event.type };
  if (event.type === 'session.progress') {
    const { phase, roundNumber, costDelta } = event.update;
    return { ...base, sessionId: event.sessionId, data: JSON.stringify({ sessionId: event.sessionId, phase, roundNumber, costDelta }) };
  }
  const { session } = event;
  const common = { sessionId: session.id, version: session.version, at: session.updatedAt.toISOString() };
  const data =
    event.type === 'session.created'
      ? { ...common, status: session.status, key: session.key ?? null, title: session.title }
      : event.type === 'session.status'
        ? { ...common, from: event.from, to: event.to, actor: event.actor, reason: event.reason }
        : event.type === 'session.messages'
          ? { ...common, ...historyChange(event.change, session.lastSeq), messageCount: session.messageCount }
          : common;
  return { ...base, sessionId: session.id, data: JSON.stringify(data) };
}

function historyChange(change: HistoryChange, lastSeq: number): { change: string; seqs: number[] } {
  if ('appended' in change) {
    const first = lastSeq - change.appended + 1;
    return { change: 'appended', seqs: Array.from({ length: change.appended }, (_, i) => first + i) };
  }
  return { change: 'popped' in change ? 'popped' : 'cleared', seqs: [] };
}
