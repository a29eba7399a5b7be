import type { MessageResponse } from './dto/message.response.js';
import type { Message } from './message.columns.js';

export function toMessageResponse(message: Message): MessageResponse {
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
