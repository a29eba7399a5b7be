import { JsonText } from '../common/json-text.js';
import { stringifyStrict } from './strict-json.js';

/** What a strict receiver refuses: a lone surrogate in a key or a string, a number beyond a double. */
function strictlyParsable(text: string): boolean {
  let strict = true;
  JSON.parse(text, (key, value: unknown) => {
    if (/\p{Cs}/u.test(key) || (typeof value === 'string' && /\p{Cs}/u.test(value))) strict = false;
    if (typeof value === 'number' && !Number.isFinite(value)) strict = false;
    return value;
  });
  return strict;
}

describe('stringifyStrict', () => {
  const exact = new JsonText('{"a":"\\ud83d","\\udc00k":[1e400,-1e400,1.5],"pair":"\\ud83d\\ude00","deep":{"x\\ud800":"ok"}}');

  it('replaces lone surrogates (values and keys) by U+FFFD and infinite numbers by null', () => {
    const sut = stringifyStrict({ id: 's', context: exact });
    expect(strictlyParsable(sut)).toBe(true);
    expect(JSON.parse(sut)).toEqual({
      id: 's',
      context: { a: '\uFFFD', '\uFFFDk': [null, null, 1.5], pair: '\u{1F600}', deep: { 'x\uFFFD': 'ok' } },
    });
  });

  it('leaves well-formed values as JSON.stringify writes them', () => {
    const value = { title: 'é ✓ 😀', n: [0, 1e300, -2], nested: { k: null, t: true } };
    expect(stringifyStrict(value)).toBe(JSON.stringify(value));
  });

  it('is needed: the exact text carries what strict receivers refuse', () => {
    expect(strictlyParsable(exact.text)).toBe(false);
  });
});
