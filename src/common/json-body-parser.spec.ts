import { MAX_JSON_DEPTH, scanJsonText } from './json-body-parser.js';

describe('scanJsonText', () => {
  const sut = scanJsonText;
  const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

  it('refuses a \\u0000 escape in a value or a key, but not an escaped backslash followed by u0000', () => {
    expect(sut('{"a":"x\\u0000"}').reason).toMatch(/U\+0000/);
    expect(sut('{"\\u0000":1}').reason).toMatch(/U\+0000/);
    expect(sut('{"a":"\\\\u0000"}').reason).toBeNull();
  });

  it(`counts nesting outside strings only, up to ${MAX_JSON_DEPTH} levels`, () => {
    expect(sut(nested(MAX_JSON_DEPTH)).reason).toBeNull();
    expect(sut(nested(MAX_JSON_DEPTH + 1)).reason).toMatch(/nest deeper/);
    expect(sut(`{"a":"${'['.repeat(200)}"}`).reason).toBeNull();
    expect(sut(`{"a":"\\"${'{'.repeat(200)}"}`).reason).toBeNull();
  });

  it('flags numbers that may overflow (an exponent, or more than 308 digits), not the e of true and false', () => {
    expect(sut('{"a":true,"b":false,"c":"1e400"}').maybeInfinite).toBe(false);
    expect(sut('{"a":1e400}').maybeInfinite).toBe(true);
    expect(sut('{"a":2.5E3}').maybeInfinite).toBe(true);
    expect(sut(`{"a":1${'0'.repeat(308)}}`).maybeInfinite).toBe(true);
    expect(sut('{"a":123456}').maybeInfinite).toBe(false);
  });
});
