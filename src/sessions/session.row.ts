import { SessionEntity } from './session.entity.js';

/** Raw `RETURNING *` / `SELECT *` rows arrive snake_case; this is the one place that maps them. */
export function sessionFromRow(row: Record<string, any>): SessionEntity {
  return Object.assign(new SessionEntity(), {
    id: row.id,
    userId: row.user_id,
    idempotencyKey: row.idempotency_key,
    title: row.title,
    problemStatement: row.problem_statement,
    context: row.context,
    metadata: row.metadata,
    status: row.status,
    phase: row.phase,
    roundNumber: row.round_number,
    totalCost: Number(row.total_cost),
    synthesisText: row.synthesis_text,
    finalRecommendation: row.final_recommendation,
    error: row.error,
    messageCount: row.message_count,
    lastSeq: row.last_seq,
    version: row.version,
    liveRev: Number(row.live_rev ?? 0),
    ttlSeconds: row.ttl_seconds,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    lastActivityAt: row.last_activity_at,
    expiresAt: row.expires_at,
  });
}
