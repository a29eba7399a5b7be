import { Injectable } from '@nestjs/common';
import { SessionsService } from '../sessions/sessions.service.js';
import type { MessageHitResponse, MessageSearchResponse } from './dto/message-hit.response.js';
import type { SearchMessagesQuery } from './dto/search-messages.query.js';
import { MessagesSearchRepository, type SearchHit } from './messages-search.repository.js';
import { decodeSearchCursor, encodeSearchCursor } from './search-cursor.js';

/** GET /messages/search: the caller's messages whose text holds q, newest first, by keyset. */
@Injectable()
export class MessagesSearchService {
  constructor(
    private readonly repository: MessagesSearchRepository,
    private readonly sessions: SessionsService,
  ) {}

  async search(userId: string, query: SearchMessagesQuery): Promise<MessageSearchResponse> {
    const after = query.cursor === undefined ? undefined : decodeSearchCursor(query.cursor);
    const sessionId = query.sessionId?.toLowerCase();
    // Another user's session (or a deleted one) is 404, as on every route that names a session.
    if (sessionId !== undefined) await this.sessions.getOwned(userId, sessionId);
    // One extra row tells whether another page exists without a COUNT.
    const hits = await this.repository.search(userId, { text: query.q, sessionId, role: query.role, limit: query.limit + 1, after });
    const page = hits.slice(0, query.limit);
    const nextCursor = hits.length > query.limit ? encodeSearchCursor(page[page.length - 1].position) : null;
    return { items: page.map(toHitResponse), nextCursor };
  }
}

function toHitResponse(hit: SearchHit): MessageHitResponse {
  const { text, cutBefore, cutAfter } = hit.snippet;
  return {
    sessionId: hit.sessionId,
    sessionTitle: hit.sessionTitle,
    seq: hit.seq,
    role: hit.role,
    createdAt: hit.createdAt.toISOString(),
    // The strings of a message are joined by newlines: shown as one line, as a result list does.
    snippet: `${cutBefore ? '…' : ''}${text.replace(/\s+/g, ' ')}${cutAfter ? '…' : ''}`,
  };
}
