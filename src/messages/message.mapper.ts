import { StreamableFile } from '@nestjs/common';
import { Readable } from 'node:stream';
import { nextTurn, PER_TURN } from '../common/turns.js';
import { JsonText } from '../common/json-text.js';
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
 * Each message's answer text, kept per message object: the in-process tail hands the same objects
 * to every reader, and serialising twenty of them was a sixth of the hottest read. Equal to
 * stringifyExact(toMessageResponse(message)) (message.mapper.spec.ts), but built directly.
 */
const answers = new WeakMap<Message, string>();

export function messageJson(message: Message): string {
  let text = answers.get(message);
  if (text === undefined) {
    text = messageText(message);
    answers.set(message, text);
  }
  return text;
}

function messageText(message: Message): string {
  return (
    `{"id":${JSON.stringify(message.id)},"sessionId":${JSON.stringify(message.sessionId)},"seq":${message.seq},` +
    `"role":${JSON.stringify(message.role)},"content":${message.content.text},"metadata":${message.metadata.text},` +
    `"createdAt":"${message.createdAt.toISOString()}"}`
  );
}

/** A page's answer (MessagePageResponse) as JSON text: the reply serializer writes it as is. */
export function messagePageJson(items: readonly Message[], nextBefore: number | null): JsonText {
  return new JsonText(`{"items":[${items.map(messageJson).join(',')}],"nextBefore":${nextBefore === null ? 'null' : nextBefore}}`);
}

/**
 * A write's answer (MessageListResponse). A large batch is written a chunk of messages per turn of
 * the event loop, as the socket takes it: never one string (and one buffer) of the whole answer,
 * and its texts are not kept (the messages live until the answer is sent).
 */
export function messageListJson(items: readonly Message[]): JsonText | StreamableFile {
  if (items.length <= PER_TURN) return new JsonText(`{"items":[${items.map(messageJson).join(',')}]}`);
  return new StreamableFile(Readable.from(chunksOf(items)), { type: 'application/json; charset=utf-8' });
}

async function* chunksOf(items: readonly Message[]): AsyncGenerator<string> {
  yield '{"items":[';
  for (let start = 0; start < items.length; start += PER_TURN) {
    await nextTurn();
    yield (
      (start ? ',' : '') +
      items
        .slice(start, start + PER_TURN)
        .map(messageJson)
        .join(',')
    );
  }
  yield ']}';
}
