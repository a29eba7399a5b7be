import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { SessionNotFoundError } from '../common/domain-error.js';
import { JsonText } from '../common/json-text.js';
import { databaseConfig } from '../config/app.config.js';
import { SERVED_FROM_CACHE, SERVED_FROM_REPLICA, type ServedFrom } from '../sessions/served-from.js';
import { ReadReplicas } from '../database/read-replicas.js';
import { SessionsService } from '../sessions/sessions.service.js';
import type { AppendMessagesDto, MessageInputDto, ReplaceMessagesDto } from './dto/append-messages.dto.js';
import { HistoryTailCache } from './history-tail.cache.js';
import { HistoryWrites, type Written } from './history-writes.js';
import { MessageAppendsRepository } from './message-appends.repository.js';
import { HistoryJsonStream } from './history-json.stream.js';
import { NO_SEQ_BOUND } from './history.sql.js';
import type { Message } from './message.columns.js';
import { historyEtag, type HistoryState } from '../sessions/history-etag.js';
import { MessagesRepository, type NewMessage } from './messages.repository.js';
import { ReadGate } from './read-gate.js';

/**
 * A page stops once it holds this much message text (content + metadata as JSON), so the memory
 * of a request is bounded whatever the history holds; a single larger message still comes alone.
 */
export const PAGE_MAX_BYTES = 8 * 1024 * 1024;
// limit=all reads its snapshot in batches this large, as the client takes them, up to two ahead.
// Idempotency-Keys of history writes are kept at least this long (the contract's 24 h); a cleanup pass forgets older ones.
const APPEND_KEYS_KEPT_MS = 24 * 3600 * 1000;

const STREAM_BATCH = { limit: 1000, maxBytes: 4 * 1024 * 1024 };
const STREAM_READ_AHEAD = 2 * STREAM_BATCH.maxBytes;

/** The preconditions of a history write: the Idempotency-Key and If-Match headers. */
export interface WriteConditions {
  idempotencyKey?: string;
  ifMatch?: string;
}

/**
 * The history as the API and the control plane see it: bounded reads (pages, streams) behind
 * per-user admission, and writes, which HistoryWrites runs as one transaction each.
 */
@Injectable()
export class MessagesService {
  private readonly pages: ReadGate;
  private readonly streams: ReadGate;
  private readonly streamMsPerMib: number;

  constructor(
    private readonly repository: MessagesRepository,
    private readonly appends: MessageAppendsRepository,
    private readonly writes: HistoryWrites,
    private readonly sessions: SessionsService,
    private readonly tail: HistoryTailCache,
    private readonly replicas: ReadReplicas,
    @Inject(databaseConfig.KEY) database: ConfigType<typeof databaseConfig>,
  ) {
    this.pages = new ReadGate(database.readGates.pages);
    this.streams = new ReadGate(database.readGates.streams);
    this.streamMsPerMib = database.streamMsPerMib;
  }

  /** An append, or a replace (`replaceFromSeq`), with Idempotency-Key and If-Match (HistoryWrites). */
  append(userId: string, sessionId: string, dto: AppendMessagesDto, conditions: WriteConditions = {}): Promise<Written<Message[]>> {
    return this.writes.write(userId, sessionId, { items: toNewMessages(dto), replaceFrom: dto.replaceFromSeq, ...conditions });
  }

  /** PUT: the whole history replaced. */
  replace(userId: string, sessionId: string, dto: ReplaceMessagesDto, conditions: WriteConditions = {}): Promise<Written<Message[]>> {
    return this.writes.write(userId, sessionId, { items: dto.items.map(toNewMessage), replaceFrom: 'all', ...conditions });
  }

  /** For the control plane's handlers: null once the session is no longer running (after a kill, nothing lands). */
  appendWhileRunning(userId: string, sessionId: string, items: HandlerMessage[]): Promise<Message[] | null> {
    const written = items.map((item) => ({
      role: item.role,
      content: JsonText.of(item.content),
      metadata: JsonText.of(item.metadata ?? {}),
    }));
    return this.writes.appendWhileRunning(userId, sessionId, written);
  }

  /** For remote workers: messages as their client sent them (exact text); null once the session is no longer running. */
  appendSentWhileRunning(userId: string, sessionId: string, dto: AppendMessagesDto): Promise<Message[] | null> {
    return this.writes.appendWhileRunning(userId, sessionId, toNewMessages(dto));
  }

  popLast(userId: string, sessionId: string, ifMatch?: string): Promise<Written<Message | null>> {
    return this.writes.popLast(userId, sessionId, ifMatch);
  }

  clear(userId: string, sessionId: string, ifMatch?: string): Promise<Written<void>> {
    return this.writes.clear(userId, sessionId, ifMatch);
  }

  /** For a cleanup pass at `now`: forgets, in batches, the Idempotency-Keys recorded over APPEND_KEYS_KEPT_MS before; how many. */
  async forgetExpiredKeys(now: Date, batch = 1000): Promise<number> {
    const before = new Date(now.getTime() - APPEND_KEYS_KEPT_MS);
    let forgotten = 0;
    let count: number;
    do {
      count = await this.appends.forgetRecordedBefore(before, batch);
      forgotten += count;
    } while (count === batch);
    return forgotten;
  }

  /** The latest `limit` messages before `before`, oldest first, at most PAGE_MAX_BYTES of them (one or more). */
  async list(
    userId: string,
    sessionId: string,
    limit: number,
    before = NO_SEQ_BOUND,
  ): Promise<{
    items: Message[];
    nextBefore: number | null;
    etag: string;
    servedFrom?: ServedFrom;
  }> {
    const { session, cached } = await this.sessions.ownedForRead(userId, sessionId);
    // The agent's turn: the latest few from the history's cached tail, if it is of the session's current state.
    const fromTail = before === NO_SEQ_BOUND && this.tail.covers(limit);
    if (fromTail) {
      const tail = await this.tail.get(sessionId, session);
      // Both from the cache (the session copy names the current state): no PostgreSQL, even when it is away.
      const page = tail && latestOf(tail, limit, tail.length < session.messageCount, session);
      if (page) return cached ? { ...page, servedFrom: SERVED_FROM_CACHE } : page;
    }
    // limit=0 reads no message, only the ETag: no need to wait for a page's turn.
    const release = limit === 0 ? () => undefined : await this.pages.enter(userId);
    try {
      // A miss reads the whole tail (a few more rows) to cache it.
      const read = fromTail ? this.tail.size : limit;
      // A replica that has the user's writes may answer (ReadReplicas); a tail filled from it at an
      // older state than the session copy's is never served (history-tail.cache.ts).
      const { result, fromReplica } = await this.replicas.read(userId, (replica) =>
        this.repository.listLatest(sessionId, { before, limit: read, maxBytes: PAGE_MAX_BYTES }, replica),
      );
      const { items, more, state } = result;
      if (!state) throw new SessionNotFoundError();
      if (fromTail && (items.length === read || !more)) await this.tail.fill(sessionId, state, items);
      const page = latestOf(items, limit, more, state);
      return fromReplica ? { ...page, servedFrom: SERVED_FROM_REPLICA } : page;
    } finally {
      release();
    }
  }

  /**
   * The whole history before `before` as one snapshot, opened before the answer starts (so a
   * 404, 429 or 503 is still an answer), and its answer as a stream (history-json.stream.ts),
   * which closes the snapshot and frees its admission once read out, cut off or abandoned.
   */
  async openHistory(userId: string, sessionId: string, before = NO_SEQ_BOUND): Promise<{ etag: string; stream: HistoryJsonStream }> {
    await this.sessions.getOwnedForRead(userId, sessionId);
    const release = await this.streams.enter(userId);
    try {
      const snapshot = (await this.repository.openSnapshot(sessionId, before, STREAM_BATCH)).onClose(release);
      if (!snapshot.state) {
        await snapshot.close();
        throw new SessionNotFoundError();
      }
      const stream = new HistoryJsonStream(snapshot, { readAhead: STREAM_READ_AHEAD, msPerMib: this.streamMsPerMib });
      return { etag: historyEtag(snapshot.state), stream };
    } catch (error) {
      release();
      throw error;
    }
  }
}

/** The latest `limit` of `items` (the history's latest, oldest first; `more`: older ones exist) as a page. */
function latestOf(items: readonly Message[], limit: number, more: boolean, state: HistoryState) {
  const page = items.slice(-limit);
  const older = more || page.length < items.length;
  return { items: page, nextBefore: older && page.length ? page[0].seq : null, etag: historyEtag(state) };
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
