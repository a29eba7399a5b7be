import { Injectable } from '@nestjs/common';
import { SessionNotFoundError } from '../common/domain-error.js';
import { SessionsService } from '../sessions/sessions.service.js';
import type { AppendMessagesDto, MessageInputDto } from './dto/append-messages.dto.js';
import type { ListMessagesQuery } from './dto/list-messages.query.js';
import type { MessageEntity } from './message.entity.js';
import { MessagesRepository, type MessagesWrite, type NewMessage } from './messages.repository.js';

@Injectable()
export class MessagesService {
  constructor(
    private readonly repository: MessagesRepository,
    private readonly sessions: SessionsService,
  ) {}

  async append(userId: string, sessionId: string, dto: AppendMessagesDto): Promise<MessageEntity[]> {
    const write = await this.repository.append(sessionId, userId, toNewMessages(dto));
    return (await this.afterWrite(write)).messages;
  }

  /** For the control plane's handlers: null once the session is no longer running (after a kill, nothing lands). */
  async appendWhileRunning(userId: string, sessionId: string, items: MessageInput[]): Promise<MessageEntity[] | null> {
    const write = await this.repository.append(sessionId, userId, items.map(toNewMessage), 'running');
    return write && (await this.afterWrite(write)).messages;
  }

  async list(userId: string, sessionId: string, query: ListMessagesQuery): Promise<{ items: MessageEntity[]; nextBefore: number | null }> {
    await this.sessions.getOwned(userId, sessionId);
    const items = await this.repository.listLatest(sessionId, query.limit, query.before);
    // seq 1 is the oldest there can be; a page starting above it may have older messages.
    const nextBefore = items.length === query.limit && items[0].seq > 1 ? items[0].seq : null;
    return { items, nextBefore };
  }

  async popLast(userId: string, sessionId: string): Promise<MessageEntity | null> {
    const write = await this.repository.popLast(sessionId, userId);
    return (await this.afterWrite(write)).messages[0] ?? null;
  }

  async clear(userId: string, sessionId: string): Promise<void> {
    const session = await this.repository.clear(sessionId, userId);
    if (!session) throw new SessionNotFoundError();
    await this.sessions.written(session);
  }

  // The session row changed too (count, activity, version): its cached copy follows the commit.
  private async afterWrite(write: MessagesWrite | null): Promise<MessagesWrite> {
    if (!write) throw new SessionNotFoundError();
    await this.sessions.written(write.session);
    return write;
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
