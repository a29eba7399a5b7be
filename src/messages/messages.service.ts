import { Injectable } from '@nestjs/common';
import { SessionNotFoundError } from '../common/domain-error.js';
import { RUNNING } from '../sessions/session-status.js';
import { SessionStore } from '../sessions/session.store.js';
import { SessionsService } from '../sessions/sessions.service.js';
import type { AppendMessagesDto, MessageInputDto } from './dto/append-messages.dto.js';
import type { ListMessagesQuery } from './dto/list-messages.query.js';
import type { Message } from './message.columns.js';
import { MessagesRepository, type NewMessage } from './messages.repository.js';

/**
 * Every history change is one transaction that first touches the session row (counts, seq,
 * activity): that row lock serialises appends, pops and clears of one session. The session row
 * reaches the cache after the commit (SessionWriter).
 */
@Injectable()
export class MessagesService {
  constructor(
    private readonly repository: MessagesRepository,
    private readonly rows: SessionStore,
    private readonly sessions: SessionsService,
  ) {}

  async append(userId: string, sessionId: string, dto: AppendMessagesDto): Promise<Message[]> {
    const written = await this.appendItems(userId, sessionId, toNewMessages(dto));
    if (!written) throw new SessionNotFoundError();
    return written;
  }

  /** For the control plane's handlers: null once the session is no longer running (after a kill, nothing lands). */
  appendWhileRunning(userId: string, sessionId: string, items: MessageInput[]): Promise<Message[] | null> {
    return this.appendItems(userId, sessionId, items.map(toNewMessage), true);
  }

  async list(userId: string, sessionId: string, query: ListMessagesQuery): Promise<{ items: Message[]; nextBefore: number | null }> {
    await this.sessions.getOwned(userId, sessionId);
    const items = await this.repository.listLatest(sessionId, query.limit, query.before);
    // seq 1 is the oldest there can be; a page starting above it may have older messages.
    const nextBefore = items.length === query.limit && items[0].seq > 1 ? items[0].seq : null;
    return { items, nextBefore };
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

/** A message as clients and handlers give it: metadata optional. */
type MessageInput = Pick<MessageInputDto, 'role' | 'content' | 'metadata'>;

function toNewMessage(item: MessageInput): NewMessage {
  return { role: item.role, content: item.content ?? null, metadata: item.metadata ?? {} };
}

function toNewMessages(dto: AppendMessagesDto): NewMessage[] {
  return (dto.items ?? [{ role: dto.role!, content: dto.content, metadata: dto.metadata }]).map(toNewMessage);
}
