import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { sessionsConfig } from '../config/app.config.js';
import type { SessionEntity } from './session.entity.js';
import { sessionFromRow } from './session.row.js';
import type { SessionStatus } from './session-status.js';

export interface NewSession {
  userId: string;
  idempotencyKey: string | null;
  title: string | null;
  problemStatement: string | null;
  context: Record<string, unknown>;
  metadata: Record<string, unknown>;
  ttlSeconds: number | null;
}

export interface SessionChanges {
  title?: string | null;
  metadata?: Record<string, unknown>;
}

export interface ListPosition {
  status?: SessionStatus;
  limit: number;
  after?: { createdAt: Date; id: string };
}

/**
 * SET clause for any write to a session or its messages: activity and expiry move forward, and
 * `version` (the ETag, and the cache's ordering) grows. `retentionParam` names the bind parameter
 * holding the default retention in seconds.
 */
export function touchSql(retentionParam: string): string {
  return `version = version + 1, updated_at = now(), last_activity_at = now(),
    expires_at = now() + make_interval(secs => coalesce(ttl_seconds, ${retentionParam}::int))`;
}

@Injectable()
export class SessionsRepository {
  readonly retentionSeconds: number;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(sessionsConfig.KEY) config: ConfigType<typeof sessionsConfig>,
  ) {
    this.retentionSeconds = config.retentionDays * 86400;
  }

  /** Inserts, or returns the session the same user created with the same idempotency key. */
  async insert(session: NewSession): Promise<SessionEntity> {
    const values = [
      session.userId, session.idempotencyKey, session.title, session.problemStatement,
      session.context, session.metadata, session.ttlSeconds, this.retentionSeconds,
    ];
    // ON CONFLICT makes 20 racing creates with one key produce one row and no error.
    const inserted = await this.db.query(
      `INSERT INTO sessions (user_id, idempotency_key, title, problem_statement, context, metadata, ttl_seconds, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => coalesce($7::int, $8::int)))
       ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING *`,
      values,
    );
    if (inserted.length) return sessionFromRow(inserted[0]);
    const [existing] = await this.db.query(`SELECT * FROM sessions WHERE user_id = $1 AND idempotency_key = $2`, [
      session.userId, session.idempotencyKey,
    ]);
    return sessionFromRow(existing);
  }

  async findOwned(id: string, userId: string): Promise<SessionEntity | null> {
    const [row] = await this.db.query(`SELECT * FROM sessions WHERE id = $1 AND user_id = $2`, [id, userId]);
    return row ? sessionFromRow(row) : null;
  }

  /** A user's sessions newest first, by keyset on (created_at, id): deep pages cost what the first does. */
  async listOwned(userId: string, position: ListPosition): Promise<SessionEntity[]> {
    const params: unknown[] = [userId, position.limit];
    const where = ['user_id = $1'];
    if (position.status) {
      params.push(position.status);
      where.push(`status = $${params.length}`);
    } else {
      where.push(`status <> 'deleted'`);
    }
    if (position.after) {
      params.push(position.after.createdAt, position.after.id);
      where.push(`(created_at, id) < ($${params.length - 1}, $${params.length})`);
    }
    const rows = await this.db.query(
      `SELECT * FROM sessions WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $2`,
      params,
    );
    return rows.map(sessionFromRow);
  }

  /**
   * Applies changes to a live session. With `expectedVersion` the update happens only if nobody
   * wrote in between (If-Match); null means no row matched (missing, not owned, deleted or stale).
   */
  async update(id: string, userId: string, changes: SessionChanges, expectedVersion?: number): Promise<SessionEntity | null> {
    const params: unknown[] = [id, userId, this.retentionSeconds];
    const sets: string[] = [];
    if (changes.title !== undefined) sets.push(`title = $${params.push(changes.title)}`);
    if (changes.metadata !== undefined) sets.push(`metadata = $${params.push(changes.metadata)}`);
    const versionCheck = expectedVersion === undefined ? '' : ` AND version = $${params.push(expectedVersion)}`;
    const [rows] = await this.db.query(
      `UPDATE sessions SET ${[...sets, touchSql('$3')].join(', ')}
       WHERE id = $1 AND user_id = $2 AND status <> 'deleted'${versionCheck} RETURNING *`,
      params,
    );
    return rows?.[0] ? sessionFromRow(rows[0]) : null;
  }
}
