import { JsonText, stringifyExact } from '../common/json-text.js';
import type { Message } from './message.columns.js';
import { StreamableFile } from '@nestjs/common';
import { text } from 'node:stream/consumers';
import { PER_TURN } from '../common/turns.js';
import { messageJson, messageListJson, messagePageJson, toMessageResponse } from './message.mapper.js';

const message = (seq: number, content: string, metadata = '{}'): Message => ({
  id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
  sessionId: '11111111-1111-4111-8111-111111111111',
  seq,
  role: seq % 2 ? 'user' : 'assistant "quoted"',
  content: new JsonText(content),
  metadata: new JsonText(metadata),
  createdAt: new Date(Date.UTC(2026, 10, 25, 12, 0, seq)),
});

describe('message answers as JSON text', () => {
  // Texts JSON.parse + JSON.stringify would change: key order, number spellings, duplicates, escapes.
  const items = [message(1, '{"b":1,"a":[1.0,1e400]}'), message(2, '"\\u00e9"', '{"2":0,"1":0}'), message(3, '{"k":1,"k":2}')];

  it('writes a page exactly as the reply serializer writes the page object', () => {
    for (const nextBefore of [null, 1]) {
      const expected = stringifyExact({ items: items.map(toMessageResponse), nextBefore });
      expect(stringifyExact(messagePageJson(items, nextBefore))).toBe(expected);
      expect(JSON.parse(expected).items[0].content).toEqual({ b: 1, a: [1, Infinity] });
    }
    expect(stringifyExact(messagePageJson([], null))).toBe('{"items":[],"nextBefore":null}');
  });

  it('writes each message once and reuses its text for the same object', () => {
    const first = message(4, '{"x":1}');
    const text = messageJson(first);
    // A changed object would be a bug (messages are values); the text proves the reuse.
    (first as { role: string }).role = 'changed';
    expect(messageJson(first)).toBe(text);
    expect(messageJson({ ...first })).toContain('"role":"changed"');
  });

  it("writes a write's answer as the object would be, and a large one as a stream of the same text", async () => {
    expect(stringifyExact(messageListJson(items))).toBe(stringifyExact({ items: items.map(toMessageResponse) }));
    const many = Array.from({ length: PER_TURN * 2 + 1 }, (_, n) => message(n + 1, `{"n":${n}}`));
    const answer = messageListJson(many);
    expect(answer).toBeInstanceOf(StreamableFile);
    expect(await text((answer as StreamableFile).getStream())).toBe(stringifyExact({ items: many.map(toMessageResponse) }));
  });
});
