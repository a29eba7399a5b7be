import { parseIfMatch, strongEntityTags } from './if-match.js';

describe('parseIfMatch', () => {
  it.each([
    ['*', { any: true }],
    [' * ', { any: true }],
    ['"5"', { versions: [5] }],
    ['"1", "5"', { versions: [1, 5] }],
    ['"1","5" ,"7"', { versions: [1, 5, 7] }],
    ['W/"5"', { versions: [] }],
    ['W/"5", "6"', { versions: [6] }],
    ['"2147483647"', { versions: [2147483647] }],
    ['"2147483648"', { versions: [] }],
    ['"99999999999999999999"', { versions: [] }],
    ['"05"', { versions: [] }],
    ['"abc"', { versions: [] }],
    ['5', { versions: [] }],
    ['', { versions: [] }],
  ])('%j', (header, expected) => {
    expect(parseIfMatch(header)).toEqual(expected);
  });
});

describe('strongEntityTags', () => {
  it.each([
    ['*', '*'],
    ['"h1.1"', ['"h1.1"']],
    ['"a", W/"b" ,"c"', ['"a"', '"c"']],
    ['W/"b"', []],
    ['abc', []],
  ])('%j', (header, expected) => {
    expect(strongEntityTags(header)).toEqual(expected);
  });
});
