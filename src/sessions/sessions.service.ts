import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { JsonText, stringifyExact } from '../common/json-text.js';
import { PreconditionFailedError, QuotaExceededError, SessionKeyTakenError, SessionNotFoundError } from '../common/domain-error.js';
import { limitsConfig, sessionsConfig } from '../config/app.config.js';
import { ReadReplicas } from '../database/read-replicas.js';
import type { CreateSessionDto } from './dto/create-session.dto.js';
import type { ListSessionsQuery } from './dto/list-sessions.query.js';
import type { UpdateSessionDto } from './dto/update-session.dto.js';
import { historyLimitColumns } from './history-limit.js';
import { SessionCache } from './session.cache.js';
import type { Session } from './session.columns.js';
import { decodeCursor, encodeCursor } from './session-cursor.js';
import { parseIfMatch } from './if-match.js';
import { SERVED_FROM_CACHE, SERVED_FROM_REPLICA } from './served-from.js';
import { etagOf, type TaggedSession, tagged, toSessionResponse } from './session.mapper.js';
import { expiryIsCurrent } from './session-expiry.sql.js';
import { DELETED } from './session-status.js';
import { SessionWriter } from './session.writer.js';
import { SessionsRepository } from './sessions.repository.js';
import type { InsertOutcome } from './session-write.types.js';

const EMPTY_OBJECT = new JsonText('{}');

/** Laid over what GET and the list answer (the control plane's live progress). */
export interface SessionOverlay {
  overlay(sessions: Session[]): Promise<Session[]>;
}

/** Injection token of the overlays: the list is put together in src/session-listeners.module.ts. */
export const SESSION_OVERLAYS = Symbol('SESSION_OVERLAYS');

/** Reads try the cache, then PostgreSQL, refilling the cache; writes go through SessionWriter. */
@Injectable()
export class SessionsService {
  private readonly logger = new Logger(SessionsService.name);
  private readonly retentionSeconds: number;
  private readonly slidesOnRead: boolean;

  constructor(
    private readonly repository: SessionsRepository,
    private readonly writer: SessionWriter,
    private readonly cache: SessionCache,
    private readonly replicas: ReadReplicas,
    @Inject(limitsConfig.KEY) private readonly limits: ConfigType<typeof limitsConfig>,
    @Inject(sessionsConfig.KEY) sessions: ConfigType<typeof sessionsConfig>,
    @Inject(SESSION_OVERLAYS) private readonly overlays: SessionOverlay[],
  ) {
    this.retentionSeconds = sessions.retentionDays * 86400;
    this.slidesOnRead = sessions.expirySlidesOnRead;
  }

  async create(userId: string, dto: CreateSessionDto, idempotencyKey?: string): Promise<TaggedSession> {
    const outcome = await this.insert(userId, dto, idempotencyKey ?? null, 'refuse');
    if ('refused' in outcome) throw outcome.refused === 'key' ? new SessionKeyTakenError() : this.quotaExceeded();
    return tagged('created' in outcome ? outcome.created : outcome.existing);
  }

  /** PUT by key: the user's visible session with this key, or a new one made from `dto` (then `created`). */
  async getOrCreateByKey(userId: string, key: string, dto: CreateSessionDto): Promise<TaggedSession & { created: boolean }> {
    const outcome = await this.insert(userId, { ...dto, key }, null, 'return');
    if ('refused' in outcome) throw this.quotaExceeded();
    if ('created' in outcome) return { ...tagged(outcome.created), created: true };
    const [session] = await this.overlay([outcome.existing]);
    return { ...tagged(session), created: false };
  }

  async readByKey(userId: string, key: string): Promise<TaggedSession> {
    const session = await this.repository.findOwnedByKey(userId, key);
    if (!session) throw new SessionNotFoundError();
    const [shown] = await this.overlay([await this.readAsActivity(session)]);
    return tagged(shown);
  }

  private insert(
    userId: string,
    dto: CreateSessionDto,
    idempotencyKey: string | null,
    keyHolder: 'refuse' | 'return',
  ): Promise<InsertOutcome> {
    // A transaction, for the quota: MAX_SESSIONS_PER_USER holds however many creates race.
    return this.writer.transaction((tx) =>
      this.repository.insert(
        tx,
        {
          userId,
          idempotencyKey,
          key: dto.key ?? null,
          title: dto.title ?? null,
          problemStatement: dto.problemStatement ?? null,
          context: dto.context ?? EMPTY_OBJECT,
          metadata: dto.metadata ?? EMPTY_OBJECT,
          ttlSeconds: dto.ttlSeconds ?? null,
          ...historyLimitColumns(dto.historyLimit),
        },
        this.limits.maxSessionsPerUser,
        keyHolder,
      ),
    );
  }

  private quotaExceeded(): QuotaExceededError {
    return new QuotaExceededError('MAX_SESSIONS_PER_USER', this.limits.maxSessionsPerUser);
  }

  /** The user's visible session, or SESSION_NOT_FOUND: unknown, another user's and deleted look alike. */
  async getOwned(userId: string, id: string): Promise<Session> {
    return (await this.owned(userId, id)).session;
  }

  /**
   * getOwned, and whether the cache answered without PostgreSQL (`cached`): such a read also
   * answers while PostgreSQL is unreachable, and is as current as PostgreSQL, since every commit
   * reaches the cache before it is acknowledged and a write of unknown outcome drops the copy.
   */
  async owned(userId: string, id: string): Promise<{ session: Session; cached: boolean }> {
    const cached = await this.cache.get(id);
    const session = cached ?? (await this.repository.findOwned(id, userId));
    if (!session || session.userId !== userId || session.status === DELETED) throw new SessionNotFoundError();
    if (!cached) await this.cache.set(session);
    return { session, cached: !!cached };
  }

  /** What GET answers: the owned session with the live progress of a run laid over it (from Redis too). */
  async read(userId: string, id: string): Promise<TaggedSession> {
    const { session, cached } = await this.ownedForRead(userId, id);
    const [shown] = await this.overlay([session]);
    return cached ? { ...tagged(shown), servedFrom: SERVED_FROM_CACHE } : tagged(shown);
  }

  /** getOwned for an owner's GET of the session or its messages: a read that may count as activity. */
  async getOwnedForRead(userId: string, id: string): Promise<Session> {
    return (await this.ownedForRead(userId, id)).session;
  }

  /** owned, for an owner's GET: a read that moved the expiry (a write) is no longer the cache's answer. */
  async ownedForRead(userId: string, id: string): Promise<{ session: Session; cached: boolean }> {
    const owned = await this.owned(userId, id);
    const session = await this.readAsActivity(owned.session);
    return session === owned.session ? owned : { session, cached: false };
  }

  /**
   * With EXPIRY_SLIDES_ON_READ, a read moves the expiry as a write would, by the same rule
   * (session-expiry.sql.ts): checked on the copy in hand first, so a read within the lateness
   * sends no statement. A read is answered even when the move fails (a later read or write moves it).
   */
  private async readAsActivity(session: Session): Promise<Session> {
    if (!this.slidesOnRead || expiryIsCurrent(session, this.retentionSeconds, Date.now())) return session;
    try {
      const moved = await this.writer.write((tx) => this.repository.slideExpiry(tx, session.id, session.userId));
      return moved ?? session;
    } catch (error) {
      this.logger.warn(`a read's expiry move failed (the read is answered): ${(error as Error).message}`);
      return session;
    }
  }

  /**
   * A page of the user's sessions, as the JSON of each item (see session-page.sql.ts); from a read
   * replica (`servedFrom`) when one has the user's writes (ReadReplicas).
   */
  async list(
    userId: string,
    query: ListSessionsQuery,
  ): Promise<{ items: string[]; nextCursor: string | null; servedFrom?: typeof SERVED_FROM_REPLICA }> {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const { result, fromReplica } = await this.replicas.read(userId, async (replica) => {
      // One extra row tells whether another page exists without a COUNT.
      const position = { status: query.status, titleContains: query.q, limit: query.limit + 1, after };
      const rows = await this.repository.listOwned(userId, position, replica);
      // Running sessions are shown as GET shows them (their live progress laid over): read again, whole.
      const running = rows
        .slice(0, query.limit)
        .filter((row) => row.running)
        .map((row) => row.id);
      return { rows, running: running.length ? await this.repository.findOwnedMany(running, userId, replica) : [] };
    });
    const page = result.rows.slice(0, query.limit);
    const nextCursor = result.rows.length > query.limit ? encodeCursor(page[page.length - 1]) : null;
    const live = new Map<string, string>();
    for (const session of await this.overlay(result.running)) live.set(session.id, stringifyExact(toSessionResponse(session)));
    const items = page.map((row) => live.get(row.id) ?? row.item);
    return fromReplica ? { items, nextCursor, servedFrom: SERVED_FROM_REPLICA } : { items, nextCursor };
  }

  async update(userId: string, id: string, dto: UpdateSessionDto, ifMatch?: string): Promise<TaggedSession> {
    const versions = ifMatch === undefined ? undefined : await this.versionsFor(userId, id, ifMatch);
    const changes = {
      title: dto.title,
      metadata: dto.metadata,
      historyLimit: dto.historyLimit === undefined ? undefined : historyLimitColumns(dto.historyLimit),
    };
    const session = await this.writer.write((tx) => this.repository.update(tx, id, userId, changes, versions));
    if (!session) {
      // Nothing matched: either it is gone, or someone wrote since the client's ETag.
      const current = await this.repository.findOwned(id, userId);
      if (!current || current.status === DELETED) throw new SessionNotFoundError();
      throw new PreconditionFailedError(etagOf(current));
    }
    return tagged(session);
  }

  /** What reads show of these sessions: each overlay laid over the rows (the export shows sessions as GET does). */
  async overlay(sessions: Session[]): Promise<Session[]> {
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
