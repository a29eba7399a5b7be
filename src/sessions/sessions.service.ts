import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { JsonText, stringifyExact } from '../common/json-text.js';
import { PreconditionFailedError, QuotaExceededError, SessionKeyTakenError, SessionNotFoundError } from '../common/domain-error.js';
import { limitsConfig } from '../config/app.config.js';
import type { CreateSessionDto } from './dto/create-session.dto.js';
import type { ListSessionsQuery } from './dto/list-sessions.query.js';
import type { UpdateSessionDto } from './dto/update-session.dto.js';
import { historyLimitColumns } from './history-limit.js';
import { SessionCache } from './session.cache.js';
import type { Session } from './session.columns.js';
import { decodeCursor, encodeCursor } from './session-cursor.js';
import { parseIfMatch } from './if-match.js';
import { etagOf, type TaggedSession, tagged, toSessionResponse } from './session.mapper.js';
import { DELETED } from './session-status.js';
import { SessionWriter } from './session-writer.js';
import { type InsertOutcome, SessionsRepository } from './sessions.repository.js';

const EMPTY_OBJECT = new JsonText('{}');

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
    const [shown] = await this.overlay([session]);
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

  /** A page of the user's sessions, as the JSON of each item (see session-page.sql.ts). */
  async list(userId: string, query: ListSessionsQuery): Promise<{ items: string[]; nextCursor: string | null }> {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    // One extra row tells whether another page exists without a COUNT.
    const rows = await this.repository.listOwned(userId, { status: query.status, titleContains: query.q, limit: query.limit + 1, after });
    const page = rows.slice(0, query.limit);
    const nextCursor = rows.length > query.limit ? encodeCursor(page[page.length - 1]) : null;
    // Running sessions are shown as GET shows them (their live progress laid over): read again, whole.
    const running = page.filter((row) => row.running).map((row) => row.id);
    const live = new Map<string, string>();
    if (running.length) {
      for (const session of await this.overlay(await this.repository.findOwnedMany(running, userId))) {
        live.set(session.id, stringifyExact(toSessionResponse(session)));
      }
    }
    const items = page.map((row) => live.get(row.id) ?? row.item);
    return { items, nextCursor };
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

  /** What reads show of these sessions: each registered overlay laid over the rows (the export shows sessions as GET does). */
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
