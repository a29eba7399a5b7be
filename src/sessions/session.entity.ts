import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { SessionStatus } from './session-status.js';

/** A row of `sessions`. The schema itself lives in migrations/; this mirrors it for TypeORM. */
@Entity('sessions')
export class SessionEntity {
  @PrimaryColumn('uuid') id: string;
  @Column({ name: 'user_id', type: 'varchar' }) userId: string;
  @Column({ name: 'idempotency_key', type: 'varchar', nullable: true }) idempotencyKey: string | null;
  @Column({ type: 'varchar', nullable: true }) title: string | null;
  @Column({ name: 'problem_statement', type: 'text', nullable: true }) problemStatement: string | null;
  @Column({ type: 'jsonb' }) context: Record<string, unknown>;
  @Column({ type: 'jsonb' }) metadata: Record<string, unknown>;
  @Column({ type: 'varchar' }) status: SessionStatus;
  @Column({ type: 'varchar', nullable: true }) phase: string | null;
  @Column({ name: 'round_number', type: 'int' }) roundNumber: number;
  @Column({ name: 'total_cost', type: 'numeric' }) totalCost: number;
  @Column({ name: 'synthesis_text', type: 'text', nullable: true }) synthesisText: string | null;
  @Column({ name: 'final_recommendation', type: 'text', nullable: true }) finalRecommendation: string | null;
  @Column({ type: 'text', nullable: true }) error: string | null;
  @Column({ name: 'message_count', type: 'int' }) messageCount: number;
  @Column({ name: 'last_seq', type: 'int' }) lastSeq: number;
  @Column({ type: 'int' }) version: number;
  /** Revision of the live progress (Redis) last written here; a newer one in Redis is shown instead. */
  @Column({ name: 'live_rev', type: 'bigint' }) liveRev: number;
  @Column({ name: 'ttl_seconds', type: 'int', nullable: true }) ttlSeconds: number | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt: Date | null;
  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true }) endedAt: Date | null;
  @Column({ name: 'last_activity_at', type: 'timestamptz' }) lastActivityAt: Date;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt: Date;
}
