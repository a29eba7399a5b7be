import type { MessageResponse } from './dto/message.response.js';
import { MessageEntity } from './message.entity.js';

export function messageFromRow(row: Record<string, any>): MessageEntity {
  return Object.assign(new MessageEntity(), {
    id: row.id,
    sessionId: row.session_id,
    seq: row.seq,
    role: row.role,
    content: row.content,
    metadata: row.metadata,
    createdAt: row.created_at,
  });
}

export function toMessageResponse(message: MessageEntity): MessageResponse {
  return {
    id: message.id,
    sessionId: message.sessionId,
    seq: message.seq,
    role: message.role,
    content: message.content,
    metadata: message.metadata,
    createdAt: message.createdAt.toISOString(),
  };
}
