import { JsonText, stringifyExact } from '../common/json-text.js';
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

/*
 * Each message's answer as JSON text, written once per message object. A message never changes,
 * and the history tail's in-process copy hands the same objects to every reader of a session's
 * latest page: the agent's hottest read then joins texts instead of serialising twenty objects
 * (which was a sixth of its time). Objects read from PostgreSQL go with their request.
 */
const answers = new WeakMap<Message, string>();

export function messageJson(message: Message): string {
  let text = answers.get(message);
  if (text === undefined) {
    text = stringifyExact(toMessageResponse(message));
    answers.set(message, text);
  }
  return text;
}

/** A page's answer (MessagePageResponse) as JSON text: the reply serializer writes it as is. */
export function messagePageJson(items: readonly Message[], nextBefore: number | null): JsonText {
  return new JsonText(`{"items":[${items.map(messageJson).join(',')}],"nextBefore":${nextBefore === null ? 'null' : nextBefore}}`);
}
