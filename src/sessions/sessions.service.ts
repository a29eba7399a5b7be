import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { PreconditionFailedError, QuotaExceededError, SessionNotFoundError } from '../common/domain-error.js';
import { limitsConfig } from '../config/app.config.js';
import type { CreateSessionDto } from './dto/create-session.dto.js';
import type { ListSessionsQuery } from './dto/list-sessions.query.js';
import type { UpdateSessionDto } from './dto/update-session.dto.js';
import { SessionCache } from './session.cache.js';
import type { Session } from './session.columns.js';
import { decodeCursor, encodeCursor } from './session-cursor.js';
import { parseIfMatch } from './if-match.js';
import { etagOf, type TaggedSession, tagged } from './session.mapper.js';
import { DELETED } from './session-status.js';
import { SessionWriter } from './session-writer.js';
import { SessionsRepository } from './sessions.repository.js';

/** Laid over what GET and the list answer; the control plane registers its live progress here. */
export interface SessionOverlay {
  overlay(sessions: Session[]): Promise<Session[]>;
}

/** Reads try the cache, then PostgreSQL, refilling the cache; writes go through SessionWriter. */
@Injectable()
export class SessionsService {
  private readonly overlays: SessionOverlay[] = [];

  constructor(
    private readonly repository: SessionsRepository,
    private readonly writer: SessionWriter,
    private readonly cache: SessionCache,
    @Inject(limitsConfig.KEY) private readonly limits: ConfigType<typeof limitsConfig>,
  ) {}

  /** sessions/ cannot import the control plane: it registers what reads should show on top of the row. */
  addOverlay(overlay: SessionOverlay): void {
    this.overlays.push(overlay);
  }

  async create(userId: string, dto: CreateSessionDto, idempotencyKey?: string): Promise<TaggedSession> {
    // A transaction, for the quota: MAX_SESSIONS_PER_USER holds however many creates race.
    const session = await this.writer.transaction((tx) =>
      this.repository.insert(
        tx,
        {
          userId,
          idempotencyKey: idempotencyKey ?? null,
          title: dto.title ?? null,
          problemStatement: dto.problemStatement ?? null,
          context: dto.context ?? {},
          metadata: dto.metadata ?? {},
          ttlSeconds: dto.ttlSeconds ?? null,
        },
        this.limits.maxSessionsPerUser,
      ),
    );
    if (!session) throw new QuotaExceededError('MAX_SESSIONS_PER_USER', this.limits.maxSessionsPerUser);
    return tagged(session);
  }

  /** The user's visible session, or SESSION_NOT_FOUND: unknown, another user's and deleted look alike. */
  async getOwned(userId: string, id: string): Promise<Session> {
    const cached = await this.cache.get(id);
    const session = cached ?? (await this.repository.findOwned(id, userId));
    if (!session || session.userId !== userId || session.status === DELETED) throw new SessionNotFoundError();
    if (!cached) await this.cache.set(session);
    return session;
  }

  /** What GET answers: the owned session with the live progress of a run laid over it. */
  async read(userId: string, id: string): Promise<TaggedSession> {
    const [session] = await this.overlay([await this.getOwned(userId, id)]);
    return tagged(session);
  }

  async list(userId: string, query: ListSessionsQuery): Promise<{ items: Session[]; nextCursor: string | null }> {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    // One extra row tells whether another page exists without a COUNT.
    const rows = await this.repository.listOwned(userId, { status: query.status, limit: query.limit + 1, after });
    const items = rows.slice(0, query.limit);
    const nextCursor = rows.length > query.limit ? encodeCursor(items[items.length - 1]) : null;
    return { items: await this.overlay(items), nextCursor };
  }

  async update(userId: string, id: string, dto: UpdateSessionDto, ifMatch?: string): Promise<TaggedSession> {
    const versions = ifMatch === undefined ? undefined : await this.versionsFor(userId, id, ifMatch);
    const session = await this.writer.write((tx) => this.repository.update(tx, id, userId, dto, versions));
    if (!session) {
      // Nothing matched: either it is gone, or someone wrote since the client's ETag.
      const current = await this.repository.findOwned(id, userId);
      if (!current || current.status === DELETED) throw new SessionNotFoundError();
      throw new PreconditionFailedError(etagOf(current));
    }
    return tagged(session);
  }

  private async overlay(sessions: Session[]): Promise<Session[]> {
    for (const overlay of this.overlays) sessions = await overlay.overlay(sessions);
    return sessions;
  }

  /** The versions If-Match accepts (undefined: any, `*`); none at all is a 412 without a write. */
  private async versionsFor(userId: string, id: string, ifMatch: string): Promise<number[] | undefined> {
    const match = parseIfMatch(ifMatch);
    if ('any' in match) return undefined;
    if (match.versions.length) return match.versions;
    const current = await this.getOwned(userId, id);
    throw new PreconditionFailedError(etagOf(current));
  }
}
