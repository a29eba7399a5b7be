import { MAX_BODY_DEPTH, scanJsonBody } from './json-spans.js';

describe('scanJsonBody', () => {
  const sut = scanJsonBody;
  const rootOf = async (text: string) => {
    const scan = await sut(text);
    if (scan.refused) throw new Error(scan.refused);
    return scan.root;
  };
  const valueOf = async (text: string, key: string) => {
    const span = (await rootOf(text)).member(text, key);
    return span && text.slice(span.start, span.end);
  };

  it('cuts out each root member as written: key order, number spellings, escapes and inner whitespace kept', async () => {
    const text = '{ "a" : {"b":1,"2":[1.0, 1e400]} , "s":"x\\"}\\u0000\\ud800" ,"n": 12345678901234567890 }';
    expect(await valueOf(text, 'a')).toBe('{"b":1,"2":[1.0, 1e400]}');
    expect(await valueOf(text, 's')).toBe('"x\\"}\\u0000\\ud800"');
    expect(await valueOf(text, 'n')).toBe('12345678901234567890');
    expect(await valueOf(text, 'missing')).toBeUndefined();
  });

  it('finds keys written with escapes, and takes the last of a repeated key as JSON.parse does', async () => {
    const text = '{"k":1,"\\u006b":2,"__proto__":{"x":[]},"k":true}';
    expect(await valueOf(text, 'k')).toBe('true');
    expect(await valueOf(text, '__proto__')).toBe('{"x":[]}');
  });

  it('records the members of objects inside a root array, and null for elements that are not objects', async () => {
    const text = '{"items":[{"role":"user","content":[[ "a" ]]}, 7, {"content":"\\\\"}],"other":[{"a":1}]}';
    const items = (await rootOf(text)).member(text, 'items')!;
    expect(items.elements).toHaveLength(3);
    const [first, second, third] = items.elements!;
    expect(text.slice(first!.member(text, 'content')!.start, first!.member(text, 'content')!.end)).toBe('[[ "a" ]]');
    expect(first!.member(text, 'content')!.depth).toBe(2);
    expect(second).toBeNull();
    expect(text.slice(third!.member(text, 'content')!.start, third!.member(text, 'content')!.end)).toBe('"\\\\"');
  });

  it('records empty arrays and objects, and arrays of scalars, as such', async () => {
    const text = '{"items":[],"o":{},"list":[1,"a",[{}]],"last":{"k":[]}}';
    const root = await rootOf(text);
    expect(root.member(text, 'items')!.elements).toEqual([]);
    expect(root.member(text, 'list')!.elements).toEqual([null, null, null]);
    expect(text.slice(root.member(text, 'last')!.start, root.member(text, 'last')!.end)).toBe('{"k":[]}');
    expect(root.member(text, 'last')!.depth).toBe(2);
  });

  it('measures the nesting of each value, brackets inside strings not counted', async () => {
    const text = `{"deep":${'['.repeat(10)}${']'.repeat(10)},"flat":"[[[{{{","o":{}}`;
    expect((await rootOf(text)).member(text, 'deep')!.depth).toBe(10);
    expect((await rootOf(text)).member(text, 'flat')!.depth).toBe(0);
    expect((await rootOf(text)).member(text, 'o')!.depth).toBe(1);
  });

  it(`refuses a body nested deeper than ${MAX_BODY_DEPTH} levels`, async () => {
    const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    expect((await sut(nested(MAX_BODY_DEPTH))).refused).toBeNull();
    expect((await sut(nested(MAX_BODY_DEPTH + 1))).refused).toBe('tooDeep');
  });

  it('counts the elements of the root member items, under its escaped name too, and stops past maxItems', async () => {
    const batch = (n: number, key = 'items') =>
      `{"${key}":[${Array(n).fill('{"role":"a","content":[1,2,3]}').join(',')}],"other":[1,2,3,4]}`;
    expect((await sut(batch(3), { maxItems: 3 })).refused).toBeNull();
    expect((await sut(batch(4), { maxItems: 3 })).refused).toBe('tooManyItems');
    expect((await sut(batch(4, '\\u0069tems'), { maxItems: 3 })).refused).toBe('tooManyItems');
    // Other arrays, and arrays inside an item's content, are not items.
    expect((await sut('{"items":[{"content":[1,2,3,4,5]}],"more":[1,2,3,4,5]}', { maxItems: 1 })).refused).toBeNull();
  });

  it('ends on text that is not JSON, whatever it holds (JSON.parse refuses it after)', async () => {
    for (const text of ['{"a":"unterminated', '}}]]', '{"a":1}}{"b":[', '{:1,"x"', '["\\', '{"items":[{]]}']) {
      await expect(sut(text, { maxItems: 1 })).resolves.toBeDefined();
    }
  });

  it('gives the event loop back while it scans a large body', async () => {
    const text = `{"content":[${Array(1_500_000).fill('0').join(',')}]}`;
    let turns = 0;
    const ticking = setInterval(() => turns++, 0);
    await sut(text);
    clearInterval(ticking);
    expect(turns).toBeGreaterThan(0);
  });
});
