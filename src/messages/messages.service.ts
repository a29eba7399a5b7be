import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { SessionNotFoundError } from '../common/domain-error.js';
import { JsonText } from '../common/json-text.js';
import { databaseConfig } from '../config/app.config.js';
import { RUNNING } from '../sessions/session-status.js';
import { SessionStore } from '../sessions/session.store.js';
import { SessionsService } from '../sessions/sessions.service.js';
import type { AppendMessagesDto, MessageInputDto } from './dto/append-messages.dto.js';
import type { HistorySnapshot } from './history-snapshot.js';
import { NO_SEQ_BOUND } from './history.sql.js';
import type { Message } from './message.columns.js';
import { MessagesRepository, type NewMessage } from './messages.repository.js';
import { ReadGate } from './read-gate.js';

/**
 * A page stops once it holds this much message text (content + metadata as JSON), so the memory
 * of a request is bounded whatever the history holds; a single larger message still comes alone.
 */
export const PAGE_MAX_BYTES = 8 * 1024 * 1024;
// limit=all reads its snapshot in batches this large, one at a time, as the client takes them.
const STREAM_BATCH = { limit: 1000, maxBytes: 4 * 1024 * 1024 };
const QUEUE = { queuedTotal: 64, maxWaitMs: 10_000 };

/**
 * Every history change is one transaction that first touches the session row (counts, seq,
 * activity): that row lock serialises appends, pops and clears of one session. The session row
 * reaches the cache after the commit (SessionWriter).
 */
@Injectable()
export class MessagesService {
  private readonly pages: ReadGate;
  private readonly streams: ReadGate;

  constructor(
    private readonly repository: MessagesRepository,
    private readonly rows: SessionStore,
    private readonly sessions: SessionsService,
    @Inject(databaseConfig.KEY) database: ConfigType<typeof databaseConfig>,
  ) {
    // Half the pool for pages at most, two per user; a stream holds a connection of its own pool.
    this.pages = new ReadGate({ perUser: 2, total: Math.max(1, Math.floor(database.poolSize / 2)), queuedPerUser: 8, ...QUEUE });
    this.streams = new ReadGate({ perUser: 1, total: database.streamPoolSize, queuedPerUser: 2, ...QUEUE });
  }

  async append(userId: string, sessionId: string, dto: AppendMessagesDto): Promise<Message[]> {
    const written = await this.appendItems(userId, sessionId, toNewMessages(dto));
    if (!written) throw new SessionNotFoundError();
    return written;
  }

  /** For the control plane's handlers: null once the session is no longer running (after a kill, nothing lands). */
  appendWhileRunning(userId: string, sessionId: string, items: HandlerMessage[]): Promise<Message[] | null> {
    const written = items.map((item) => ({
      role: item.role,
      content: JsonText.of(item.content),
      metadata: JsonText.of(item.metadata ?? {}),
    }));
    return this.appendItems(userId, sessionId, written, true);
  }

  /** The latest `limit` messages before `before`, oldest first, at most PAGE_MAX_BYTES of them (one or more). */
  async list(
    userId: string,
    sessionId: string,
    limit: number,
    before = NO_SEQ_BOUND,
  ): Promise<{ items: Message[]; nextBefore: number | null }> {
    await this.sessions.getOwned(userId, sessionId);
    if (limit === 0) return { items: [], nextBefore: null };
    const release = await this.pages.enter(userId);
    try {
      const { items, more } = await this.repository.listLatest(sessionId, { before, limit, maxBytes: PAGE_MAX_BYTES });
      return { items, nextBefore: more ? items[0].seq : null };
    } finally {
      release();
    }
  }

  /**
   * The whole history before `before` as one snapshot, opened before the answer starts (so a
   * 404, 429 or 503 is still an answer); the caller reads it in batches and must close() it.
   */
  async openHistory(userId: string, sessionId: string, before = NO_SEQ_BOUND): Promise<HistorySnapshot> {
    await this.sessions.getOwned(userId, sessionId);
    const release = await this.streams.enter(userId);
    try {
      return (await this.repository.openSnapshot(sessionId, before, STREAM_BATCH)).onClose(release);
    } catch (error) {
      release();
      throw error;
    }
  }

  /** The removed message; null when there was none. */
  async popLast(userId: string, sessionId: string): Promise<Message | null> {
    const popped = await this.rows.changeHistory(async (history) => {
      if (!(await history.lock(sessionId, userId))) return undefined;
      const removed = await this.repository.deleteLast(history.tx, sessionId);
      await history.touch(sessionId, userId, { popped: removed ? 1 : 0 });
      return removed;
    });
    if (popped === undefined) throw new SessionNotFoundError();
    return popped;
  }

  async clear(userId: string, sessionId: string): Promise<void> {
    const cleared = await this.rows.changeHistory(async (history) => {
      const session = await history.touch(sessionId, userId, { cleared: true });
      if (session) await this.repository.deleteAll(history.tx, sessionId);
      return session !== null;
    });
    if (!cleared) throw new SessionNotFoundError();
  }

  // Only while running, for handlers: the row lock orders their appends against a kill.
  private appendItems(userId: string, sessionId: string, items: NewMessage[], whileRunning = false): Promise<Message[] | null> {
    return this.rows.changeHistory(async (history) => {
      const change = { appended: items.length };
      const session = await history.touch(sessionId, userId, change, whileRunning ? RUNNING : undefined);
      return session && this.repository.insert(history.tx, sessionId, session.lastSeq - items.length + 1, items);
    });
  }
}

/** A message as a handler gives it: JS values, written as their JSON text. */
interface HandlerMessage {
  role: string;
  content: unknown;
  metadata?: Record<string, unknown>;
}

const EMPTY_OBJECT = new JsonText('{}');

/** A message as a client sent it (the pipe made content and metadata JsonText): metadata optional. */
function toNewMessage(item: Pick<MessageInputDto, 'role' | 'content' | 'metadata'>): NewMessage {
  return { role: item.role, content: item.content, metadata: item.metadata ?? EMPTY_OBJECT };
}

function toNewMessages(dto: AppendMessagesDto): NewMessage[] {
  return (dto.items ?? [{ role: dto.role!, content: dto.content!, metadata: dto.metadata }]).map(toNewMessage);
}
