import { MAX_BODY_DEPTH, scanJsonBody } from './json-spans.js';

describe('scanJsonBody', () => {
  const sut = scanJsonBody;
  const rootOf = (text: string) => {
    const scan = sut(text);
    if (scan.tooDeep) throw new Error('too deep');
    return scan.root;
  };
  const valueOf = (text: string, key: string) => {
    const span = rootOf(text).member(text, key);
    return span && text.slice(span.start, span.end);
  };

  it('cuts out each root member as written: key order, number spellings, escapes and inner whitespace kept', () => {
    const text = '{ "a" : {"b":1,"2":[1.0, 1e400]} , "s":"x\\"}\\u0000\\ud800" ,"n": 12345678901234567890 }';
    expect(valueOf(text, 'a')).toBe('{"b":1,"2":[1.0, 1e400]}');
    expect(valueOf(text, 's')).toBe('"x\\"}\\u0000\\ud800"');
    expect(valueOf(text, 'n')).toBe('12345678901234567890');
    expect(valueOf(text, 'missing')).toBeUndefined();
  });

  it('finds keys written with escapes, and takes the last of a repeated key as JSON.parse does', () => {
    const text = '{"k":1,"\\u006b":2,"__proto__":{"x":[]},"k":true}';
    expect(valueOf(text, 'k')).toBe('true');
    expect(valueOf(text, '__proto__')).toBe('{"x":[]}');
  });

  it('records the members of objects inside a root array, and null for elements that are not objects', () => {
    const text = '{"items":[{"role":"user","content":[[ "a" ]]}, 7, {"content":"\\\\"}],"other":[{"a":1}]}';
    const items = rootOf(text).member(text, 'items')!;
    expect(items.elements).toHaveLength(3);
    const [first, second, third] = items.elements!;
    expect(text.slice(first!.member(text, 'content')!.start, first!.member(text, 'content')!.end)).toBe('[[ "a" ]]');
    expect(first!.member(text, 'content')!.depth).toBe(2);
    expect(second).toBeNull();
    expect(text.slice(third!.member(text, 'content')!.start, third!.member(text, 'content')!.end)).toBe('"\\\\"');
  });

  it('records empty arrays and objects, and arrays of scalars, as such', () => {
    const text = '{"items":[],"o":{},"list":[1,"a",[{}]],"last":{"k":[]}}';
    const root = rootOf(text);
    expect(root.member(text, 'items')!.elements).toEqual([]);
    expect(root.member(text, 'list')!.elements).toEqual([null, null, null]);
    expect(text.slice(root.member(text, 'last')!.start, root.member(text, 'last')!.end)).toBe('{"k":[]}');
    expect(root.member(text, 'last')!.depth).toBe(2);
  });

  it('measures the nesting of each value, brackets inside strings not counted', () => {
    const text = `{"deep":${'['.repeat(10)}${']'.repeat(10)},"flat":"[[[{{{","o":{}}`;
    expect(rootOf(text).member(text, 'deep')!.depth).toBe(10);
    expect(rootOf(text).member(text, 'flat')!.depth).toBe(0);
    expect(rootOf(text).member(text, 'o')!.depth).toBe(1);
  });

  it(`refuses a body nested deeper than ${MAX_BODY_DEPTH} levels`, () => {
    const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    expect(sut(nested(MAX_BODY_DEPTH)).tooDeep).toBe(false);
    expect(sut(nested(MAX_BODY_DEPTH + 1)).tooDeep).toBe(true);
  });
});
