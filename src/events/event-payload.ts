import { randomUUID } from 'node:crypto';
import type { SessionEvent } from '../sessions/session-events.js';
import type { HistoryChange, Trimmed } from '../sessions/session-write.types.js';
import type { NewEvent } from './event-store.js';

/**
 * The most an event's `data` holds. A list of seqs that would pass it is given by its ends; every
 * other field is bounded by its route (a reason of 10,000 characters, escaped, stays under 61 KB).
 */
export const MAX_EVENT_DATA_BYTES = 64 * 1024;

/**
 * What a subscriber reads in `data:`: always `sessionId`, and `version` (the session's ETag
 * number after the change) where a row was written, so a client can order what concurrent writes
 * announced. `session.status` carries the audit trail's `from`, `to`, `actor`, `reason`;
 * `session.messages` the `change`, and the seqs it appended (see historyChange); `session.created`
 * of a fork its `forkedFrom`.
 */
/** A fork's creation names its source (`forkedFrom`, as the session shows it); other creations do not. */
function forkedFrom(session: { forkedFromSessionId?: string | null; forkedFromSeq?: number | null }) {
  return session.forkedFromSessionId ? { forkedFrom: { sessionId: session.forkedFromSessionId, atSeq: session.forkedFromSeq ?? 0 } } : {};
}

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
      ? { ...common, status: session.status, key: session.key ?? null, title: session.title, ...forkedFrom(session) }
      : event.type === 'session.status'
        ? { ...common, from: event.from, to: event.to, actor: event.actor, reason: event.reason }
        : event.type === 'session.messages'
          ? withSeqs({ ...common, ...historyChange(event.change, session.lastSeq), messageCount: session.messageCount })
          : common;
  return { ...base, sessionId: session.id, data: JSON.stringify(data) };
}

interface MessagesChange {
  change: 'appended' | 'replaced' | 'popped' | 'cleared' | 'trimmed';
  /** A cut of the history cap: every message through this seq is gone (`removed` of them now). */
  throughSeq?: number;
  /** The new messages' seqs run from firstSeq through lastSeq (none when absent). */
  firstSeq?: number;
  lastSeq?: number;
  /** A replace: how many messages went, all those with seqs from removedFromSeq through removedThroughSeq. */
  removed?: number;
  removedFromSeq?: number;
  removedThroughSeq?: number;
}

/** A change's seqs as ends (new seqs continue after the previous lastSeq, so they are contiguous). */
function historyChange(change: HistoryChange | { trimmed: Trimmed }, lastSeq: number): MessagesChange {
  if ('trimmed' in change) return { change: 'trimmed', throughSeq: change.trimmed.throughSeq, removed: change.trimmed.removed };
  if ('appended' in change) return { change: 'appended', ...ends(lastSeq, change.appended) };
  if ('replaced' in change) {
    const { removed, appended, fromSeq } = change.replaced;
    const through = lastSeq - appended; // the lastSeq before: the removal took everything from fromSeq on
    const range = removed > 0 ? { removedFromSeq: fromSeq, removedThroughSeq: through } : {};
    return { change: 'replaced', ...ends(lastSeq, appended), removed, ...range };
  }
  return { change: 'popped' in change ? 'popped' : 'cleared' };
}

function ends(lastSeq: number, count: number): { firstSeq?: number; lastSeq?: number } {
  return count > 0 ? { firstSeq: lastSeq - count + 1, lastSeq } : {};
}

/**
 * `seqs` lists the new seqs too, as it always did, when that keeps `data` within MAX_EVENT_DATA_BYTES
 * (judged by the widest seq's digits, without writing the list); past that the ends alone tell them.
 */
function withSeqs<T extends MessagesChange>(data: T): T & { seqs?: number[] } {
  const { firstSeq, lastSeq } = data;
  if (firstSeq === undefined || lastSeq === undefined) return { ...data, seqs: [] };
  const count = lastSeq - firstSeq + 1;
  const listBytes = count * (String(lastSeq).length + 1);
  const restBytes = Buffer.byteLength(JSON.stringify({ ...data, seqs: [] }));
  if (restBytes + listBytes > MAX_EVENT_DATA_BYTES) return data;
  return { ...data, seqs: Array.from({ length: count }, (_, i) => firstSeq + i) };
}
