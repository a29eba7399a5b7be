// A lone surrogate: in a `u` regex a well-formed pair is one code point, never matched here.
const LONE_SURROGATE = /\p{Cs}/u;
const LONE_SURROGATES = /\p{Cs}/gu;

const wellFormed = (text: string): string => text.replace(LONE_SURROGATES, '\uFFFD');

/**
 * JSON that strict parsers (serde_json, Go's encoding/json into floats, ...) accept: what
 * stringifyExact keeps verbatim but they refuse is replaced, a lone surrogate (in a string or a
 * key) by U+FFFD, a number beyond a double's range (1e400) by null, as JSON.stringify writes it.
 * Free-form values go out as JSON.parse reads them (key order and spellings are not kept).
 */
export function stringifyStrict(value: unknown): string {
  return JSON.stringify(value, (_key, field: unknown) => {
    if (typeof field === 'string') return wellFormed(field);
    if (field === null || typeof field !== 'object' || Array.isArray(field)) return field;
    const keys = Object.keys(field);
    if (!keys.some((key) => LONE_SURROGATE.test(key))) return field;
    return Object.fromEntries(keys.map((key) => [wellFormed(key), (field as Record<string, unknown>)[key]]));
  });
}
