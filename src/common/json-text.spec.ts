import { JsonText, stringifyExact } from './json-text.js';

describe('stringifyExact', () => {
  const sut = stringifyExact;

  it('writes each JsonText as its raw text and everything else as JSON.stringify does', () => {
    const raw = '{"b":1,"2":[1.0,1e400],"__proto__":"\\ud800\\u0000"}';
    const answer = sut({ items: [{ seq: 1, content: new JsonText(raw), metadata: new JsonText('{}') }], next: null });
    expect(answer).toBe(`{"items":[{"seq":1,"content":${raw},"metadata":{}}],"next":null}`);
    expect(sut({ a: 'x', n: 1 })).toBe('{"a":"x","n":1}');
  });

  it('leaves strings that merely look like a placeholder alone', () => {
    const answer = sut({ a: new JsonText('"x"'), b: '\u0001:0', c: '"\u0001' });
    expect(JSON.parse(answer)).toEqual({ a: 'x', b: '\u0001:0', c: '"\u0001' });
  });

  it('writes a JsonText met outside it as the parsed value, never as its fields', () => {
    expect(JSON.stringify({ a: new JsonText('{"z":1,"y":2}') })).toBe('{"a":{"z":1,"y":2}}');
  });

  it('stringifies a value the service itself writes with JsonText.of', () => {
    expect(JsonText.of({ type: 'output_text', text: 'hi' }).text).toBe('{"type":"output_text","text":"hi"}');
  });
});
