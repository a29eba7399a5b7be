import { randomUUID } from 'node:crypto';
import type { SessionEvent } from '../sessions/session-events.js';
import type { HistoryChange } from '../sessions/session-writes.js';
import type { NewEvent } from './event-log.js';

/**
 * What a subscriber reads in `data:`: always `sessionId`, and `version` (the session's ETag
 * number after the change) where a row was written, so a client can order what concurrent writes
 * announced. `session.status` carries the audit trail's `from`, `to`, `actor`, `reason`;
 * `session.messages` the `seqs` it appended (empty when messages were only removed: `change` says how;
 * a replace also says how many it `removed`).
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

function historyChange(change: HistoryChange, lastSeq: number): { change: string; seqs: number[]; removed?: number } {
  if ('appended' in change) return { change: 'appended', seqs: seqsUpTo(lastSeq, change.appended) };
  // replaceFromSeq and PUT: `removed` messages went, and the new ones end at lastSeq.
  if ('replaced' in change)
    return { change: 'replaced', seqs: seqsUpTo(lastSeq, change.replaced.appended), removed: change.replaced.removed };
  return { change: 'popped' in change ? 'popped' : 'cleared', seqs: [] };
}

/** The `count` seqs that end at `lastSeq`, in order. */
function seqsUpTo(lastSeq: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => lastSeq - count + 1 + i);
}
