/** How deep a free-form value may nest (`[]` is 1 level); the body may add the levels above it. */
export const MAX_JSON_DEPTH = 512;
/** The deepest a free-form value sits in a body: `{"items":[{"content": ...}]}`. */
export const MAX_BODY_DEPTH = MAX_JSON_DEPTH + 3;

/** Where one member's value lies in the body's text. */
export interface MemberSpan {
  start: number;
  end: number;
  /** nesting levels of the value: 0 for a scalar, 1 for `[]` or `{}`, ... */
  depth: number;
  /** for a value that is an array: its elements that are objects (null for the others) */
  elements?: Array<ObjectSpans | null>;
}

/** The members of one object of the body, in the order of the text (a repeated key once per occurrence). */
export class ObjectSpans {
  readonly keys: Array<[start: number, end: number]> = [];
  readonly values: MemberSpan[] = [];

  /** The span of `key`'s value; the last occurrence, as JSON.parse keeps the last one. */
  member(text: string, key: string): MemberSpan | undefined {
    for (let i = this.keys.length - 1; i >= 0; i--) {
      const [start, end] = this.keys[i];
      const raw = text.slice(start + 1, end - 1);
      if (raw === key || (raw.includes('\\') && JSON.parse(text.slice(start, end)) === key)) return this.values[i];
    }
    return undefined;
  }
}

/** What the scan of a body found: too deep, or the spans of its root object's members. */
export type BodyScan = { tooDeep: true } | { tooDeep: false; root: ObjectSpans };

const enum Expect {
  Key,
  Colon,
  Value,
  InValue,
}

interface Recorder {
  depth: number;
  /** the object whose members are recorded, or null for an array whose elements are */
  object: ObjectSpans | null;
  elements: Array<ObjectSpans | null> | null;
  expect: Expect;
  /** the member (or element) being read */
  value: MemberSpan | null;
}

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * One linear pass over a body JSON.parse has just accepted (so the syntax is known good): its
 * nesting depth, and the text spans of the free-form values the validation pipe may ask for:
 * the root object's members, and the members of objects that are elements of an array held by a
 * root member (`items[i].content`). Strings are skipped with indexOf; nothing is parsed or copied.
 */
export function scanJsonBody(text: string): BodyScan {
  const root = new ObjectSpans();
  // The open containers whose members (or elements) are recorded: at most three deep.
  const recorders: Recorder[] = [];
  // heights[d]: the deepest nesting seen so far inside the open container at depth d.
  const heights: number[] = [0];
  let depth = 0;
  let lastHeight = 0; // nesting levels of the container closed last
  let lastSignificant = -1;

  const top = () => recorders[recorders.length - 1] as Recorder | undefined;
  /** The recorder of the innermost container, when that container is recorded. */
  const current = () => {
    const recorder = top();
    return recorder && recorder.depth === depth ? recorder : undefined;
  };
  const endValue = (recorder: Recorder) => {
    const value = recorder.value;
    if (value) {
      value.end = lastSignificant + 1;
      const opener = text.charCodeAt(value.start);
      value.depth = opener === 0x7b || opener === 0x5b ? lastHeight : 0;
    }
    recorder.value = null;
    recorder.expect = recorder.object ? Expect.Key : Expect.Value;
  };

  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) continue;
    const recorder = current();
    if (recorder?.expect === Expect.Value) {
      // The first character of a member's (or an element's) value.
      const value: MemberSpan = { start: i, end: i, depth: 0 };
      if (recorder.object) recorder.object.values.push(value);
      else {
        const element = c === 0x7b ? new ObjectSpans() : null;
        recorder.elements!.push(element);
        if (element) recorders.push({ depth: depth + 1, object: element, elements: null, expect: Expect.Key, value: null });
      }
      recorder.value = value;
      recorder.expect = Expect.InValue;
      // An array value of a root member: its elements are recorded.
      if (c === 0x5b && recorder.object === root) {
        value.elements = [];
        recorders.push({ depth: depth + 1, object: null, elements: value.elements, expect: Expect.Value, value: null });
      }
    }
    if (c === 0x22 /* " */) {
      const start = i;
      // To the closing quote: one not preceded by an odd number of backslashes.
      for (;;) {
        i = text.indexOf('"', i + 1);
        let backslashes = 0;
        while (text.charCodeAt(i - 1 - backslashes) === 0x5c) backslashes++;
        if (backslashes % 2 === 0) break;
      }
      if (recorder?.expect === Expect.Key) {
        recorder.object!.keys.push([start, i + 1]);
        recorder.expect = Expect.Colon;
      }
    } else if (c === 0x3a /* : */) {
      if (recorder?.expect === Expect.Colon) recorder.expect = Expect.Value;
    } else if (c === 0x2c /* , */) {
      if (recorder) endValue(recorder);
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_BODY_DEPTH) return { tooDeep: true };
      heights[depth] = 0;
      if (depth === 1 && c === 0x7b) recorders.push({ depth, object: root, elements: null, expect: Expect.Key, value: null });
    } else if (c === 0x7d || c === 0x5d) {
      if (recorder) {
        endValue(recorder);
        recorders.pop();
      }
      lastHeight = heights[depth] + 1;
      depth--;
      if (depth >= 0 && heights[depth] < lastHeight) heights[depth] = lastHeight;
    }
    lastSignificant = i;
  }
  return { tooDeep: false, root };
}
