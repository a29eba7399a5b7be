import { Injectable } from '@nestjs/common';
import { PreconditionFailedError, SessionNotFoundError } from '../common/domain-error.js';
import type { CreateSessionDto } from './dto/create-session.dto.js';
import type { ListSessionsQuery } from './dto/list-sessions.query.js';
import type { UpdateSessionDto } from './dto/update-session.dto.js';
import { SessionCache } from './session.cache.js';
import { SessionLiveCache } from './session-live.cache.js';
import { decodeCursor, encodeCursor } from './session-cursor.js';
import type { SessionEntity } from './session.entity.js';
import { etagOf } from './session.mapper.js';
import { SessionsRepository } from './sessions.repository.js';

/**
 * Owns the write order: PostgreSQL commits first, then the cache gets the committed copy.
 * Reads try the cache, then PostgreSQL, refilling the cache.
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly repository: SessionsRepository,
    private readonly cache: SessionCache,
    private readonly live: SessionLiveCache,
  ) {}

  async create(userId: string, dto: CreateSessionDto, idempotencyKey?: string): Promise<SessionEntity> {
    const session = await this.repository.insert({
      userId,
      idempotencyKey: idempotencyKey ?? null,
      title: dto.title ?? null,
      problemStatement: dto.problemStatement ?? null,
      context: dto.context ?? {},
      metadata: dto.metadata ?? {},
      ttlSeconds: dto.ttlSeconds ?? null,
    });
    await this.cache.set(session);
    return session;
  }

  /** The user's live session, or SESSION_NOT_FOUND: unknown, another user's and deleted look alike. */
  async getOwned(userId: string, id: string): Promise<SessionEntity> {
    const cached = await this.cache.get(id);
    const session = cached ?? (await this.repository.findOwned(id, userId));
    if (!session || session.userId !== userId || session.status === 'deleted') throw new SessionNotFoundError();
    if (!cached) await this.cache.set(session);
    return session;
  }

  /** What GET answers: the owned session with the live progress of a run laid over it. */
  async read(userId: string, id: string): Promise<SessionEntity> {
    const [session] = await this.live.overlay([await this.getOwned(userId, id)]);
    return session;
  }

  async list(userId: string, query: ListSessionsQuery): Promise<{ items: SessionEntity[]; nextCursor: string | null }> {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    // One extra row tells whether another page exists without a COUNT.
    const rows = await this.repository.listOwned(userId, { status: query.status, limit: query.limit + 1, after });
    const items = rows.slice(0, query.limit);
    const nextCursor = rows.length > query.limit ? encodeCursor(items[items.length - 1]) : null;
    return { items: await this.live.overlay(items), nextCursor };
  }

  async update(userId: string, id: string, dto: UpdateSessionDto, ifMatch?: string): Promise<SessionEntity> {
    const expectedVersion = ifMatch === undefined ? undefined : await this.versionFor(userId, id, ifMatch);
    const session = await this.repository.update(id, userId, dto, expectedVersion);
    if (!session) {
      // Nothing matched: either it is gone, or someone wrote since the client's ETag.
      const current = await this.repository.findOwned(id, userId);
      if (!current || current.status === 'deleted') throw new SessionNotFoundError();
      throw new PreconditionFailedError(etagOf(current));
    }
    await this.cache.set(session);
    return session;
  }

  /**
   * After another module wrote the session row, keeps the cache in step. The control plane writes
   * the deleted copy too (not a DEL), so that a racing refill of an older version cannot resurrect it.
   */
  async written(session: SessionEntity): Promise<void> {
    await this.cache.set(session);
  }

  /** If-Match: `*` matches any live session; otherwise the ETag must name a version. */
  private async versionFor(userId: string, id: string, ifMatch: string): Promise<number | undefined> {
    if (ifMatch.trim() === '*') return undefined;
    const match = /^(?:W\/)?"(\d+)"$/.exec(ifMatch.trim());
    if (match) return Number(match[1]);
    const current = await this.getOwned(userId, id);
    throw new PreconditionFailedError(etagOf(current));
  }
}
