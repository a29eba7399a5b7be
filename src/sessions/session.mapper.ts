import type { SessionResponse } from './dto/session.response.js';
import type { SessionEntity } from './session.entity.js';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** What leaves the service for a session: internal columns (idempotency key, last_seq, version) stay in. */
export function toSessionResponse(session: SessionEntity): SessionResponse {
  return {
    id: session.id,
    userId: session.userId,
    title: session.title,
    problemStatement: session.problemStatement,
    context: session.context,
    metadata: session.metadata,
    status: session.status,
    phase: session.phase,
    roundNumber: session.roundNumber,
    totalCost: session.totalCost,
    synthesisText: session.synthesisText,
    finalRecommendation: session.finalRecommendation,
    error: session.error,
    messageCount: session.messageCount,
    createdAt: session.createdAt.toISOString(),
    updatedAt: session.updatedAt.toISOString(),
    startedAt: iso(session.startedAt),
    endedAt: iso(session.endedAt),
    lastActivityAt: session.lastActivityAt.toISOString(),
    expiresAt: session.expiresAt.toISOString(),
  };
}

/** A strong ETag: the row's version, which every write increments. */
export function etagOf(session: SessionEntity): string {
  return `"${session.version}"`;
}
