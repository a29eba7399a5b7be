import type { SessionResponse } from './dto/session.response.js';
import type { Session } from './session.columns.js';
import { historyLimitOf } from './history-limit.js';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** What a service returns for one session: what the mapper needs, and the ETag SessionEtagInterceptor sets. */
export interface TaggedSession {
  readonly session: Session;
  readonly etag: string;
}

/** A strong ETag: the row's version, which every write increments. */
export function etagOf(session: Session): string {
  return `"${session.version}"`;
}

export function tagged(session: Session): TaggedSession {
  return { session, etag: etagOf(session) };
}

/** What leaves the service for a session: internal columns (idempotency key, last_seq, version) stay in. */
export function toSessionResponse(session: Session): SessionResponse {
  return {
    id: session.id,
    userId: session.userId,
    key: session.key ?? null,
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
    trimmedThroughSeq: session.trimmedThroughSeq ?? 0,
    historyLimit: historyLimitOf(session),
    createdAt: session.createdAt.toISOString(),
    updatedAt: session.updatedAt.toISOString(),
    startedAt: iso(session.startedAt),
    claimedAt: iso(session.claimedAt),
    endedAt: iso(session.endedAt),
    lastActivityAt: session.lastActivityAt.toISOString(),
    expiresAt: session.expiresAt.toISOString(),
    // A copy cached before the column existed has neither field: it is no fork.
    forkedFrom: session.forkedFromSessionId ? { sessionId: session.forkedFromSessionId, atSeq: session.forkedFromSeq ?? 0 } : null,
  };
}

/** The list's answer, its items already JSON: concatenated, never decoded. */
export function toSessionPageJson(page: { items: string[]; nextCursor: string | null }): string {
  return `{"items":[${page.items.join(',')}],"nextCursor":${JSON.stringify(page.nextCursor)}}`;
}
