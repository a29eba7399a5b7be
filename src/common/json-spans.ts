import { nextTurn } from './turns.js';

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
  /** for an array held by a root member: its elements that are objects (null for the others) */
  elements?: Array<ObjectSpans | null>;
}

// Per member, flat in one typed array (a body may hold 70k of them): key start, key end, value
// start, value end, depth.
const STRIDE = 5;

/** The members of one object of the body, in the order of the text (a repeated key once per occurrence). */
export class ObjectSpans {
  offsets = new Int32Array(STRIDE * 4);
  /** numbers of offsets in use */
  length = 0;
  /** by member index: the elements of an array value (made when the first one is recorded) */
  elements: Map<number, Array<ObjectSpans | null>> | undefined;

  /** The span of `key`'s value; the last occurrence, as JSON.parse keeps the last one. */
  member(text: string, key: string): MemberSpan | undefined {
    const at = this.offsets;
    for (let i = this.length - STRIDE; i >= 0; i -= STRIDE) {
      const raw = text.slice(at[i] + 1, at[i + 1] - 1);
      if (raw !== key && !(raw.includes('\\') && JSON.parse(text.slice(at[i], at[i + 1])) === key)) continue;
      return { start: at[i + 2], end: at[i + 3], depth: at[i + 4], elements: this.elements?.get(i / STRIDE) };
    }
    return undefined;
  }

  /** A new member whose key lies at start..end; returns where its offsets begin. */
  addMember(keyStart: number, keyEnd: number): number {
    if (this.length + STRIDE > this.offsets.length) {
      const grown = new Int32Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    const member = this.length;
    this.offsets[member] = keyStart;
    this.offsets[member + 1] = keyEnd;
    this.length += STRIDE;
    return member;
  }
}

/** What the scan of a body found: a reason to refuse it, or the spans of its root object's members. */
export type BodyScan = { refused: 'tooDeep' } | { refused: 'tooManyItems' } | { refused: null; root: ObjectSpans };

export interface ScanLimits {
  /** Elements of the root member `items` (a batch of messages); beyond, the scan stops: `tooManyItems`. */
  maxItems?: number;
}

/** An open container whose members (an object) or elements (an array) are recorded. */
interface Recorder {
  depth: number;
  object: ObjectSpans | null;
  elements: Array<ObjectSpans | null> | null;
  /** an array whose elements count against ScanLimits.maxItems */
  counted: boolean;
  /** object: a key is next (after `{` or `,`); array: an element is next */
  expectKey: boolean;
  /** the next significant character starts a value */
  expectValue: boolean;
  /** offsets index of the member being read, or -1 */
  member: number;
}

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

// The scan gives the event loop back this often (in characters): a 32 MiB body is many turns, not one.
const YIELD_EVERY = 1 << 20;

/**
 * Ends the member being read at the terminator at `at` (a `,` or its container's close). Not a
 * closure: one would move `text` and the counters of the scan's loop into a context object.
 */
function endMember(recorder: Recorder, text: string, at: number, lastHeight: number): void {
  if (recorder.member >= 0 && recorder.object) {
    const offsets = recorder.object.offsets;
    let end = at;
    while (isSpace(text.charCodeAt(end - 1))) end--;
    offsets[recorder.member + 3] = end;
    const opener = text.charCodeAt(offsets[recorder.member + 2]);
    offsets[recorder.member + 4] = opener === 0x7b || opener === 0x5b ? lastHeight : 0;
  }
  recorder.member = -1;
  recorder.expectKey = recorder.object !== null;
  recorder.expectValue = recorder.object === null;
}

/** Where the string whose opening quote is at `start` ends (its closing quote); text.length when it does not. */
function stringEnd(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  while (end > 0) {
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
  return text.length;
}

/** Whether the key whose quoted text lies at start..end is `name` (also when written with escapes). */
function keyIs(text: string, start: number, end: number, name: string): boolean {
  const raw = text.slice(start + 1, end - 1);
  if (raw === name) return true;
  if (!raw.includes('\\')) return false;
  try {
    return JSON.parse(text.slice(start, end)) === name;
  } catch {
    return false;
  }
}

/**
 * One linear pass before JSON.parse, copying nothing: the nesting depth, the `items` count (an
 * oversized batch is refused before an item is built), and the spans of root members and of
 * `items[i].*`. It yields every YIELD_EVERY characters; on text that is not JSON its result goes unused.
 */
export async function scanJsonBody(text: string, limits: ScanLimits = {}): Promise<BodyScan> {
  const maxItems = limits.maxItems ?? Infinity;
  const root = new ObjectSpans();
  const recorders: Recorder[] = [];
  // heights[d]: the deepest nesting seen so far inside the open container at depth d.
  const heights = new Int32Array(MAX_BODY_DEPTH + 2);
  let depth = 0;
  let lastHeight = 0; // nesting levels of the container closed last
  let rec: Recorder | null = null; // the recorder of the innermost container, if it is recorded
  let turnEnds = YIELD_EVERY;
  let rootOpened = false;

  for (let i = 0; i < text.length; i++) {
    if (i >= turnEnds) {
      await nextTurn();
      turnEnds = i + YIELD_EVERY;
    }
    const c = text.charCodeAt(i);
    if (rec !== null && rec.expectValue && !isSpace(c) && c !== 0x5d /* ] of an empty array */) {
      // The first character of a member's (or an element's) value.
      rec.expectValue = false;
      if (rec.object) {
        rec.object.offsets[rec.member + 2] = i;
        // An array held by a root member: its elements are recorded.
        if (c === 0x5b && rec.object === root && rec.member >= 0) {
          const elements: Array<ObjectSpans | null> = [];
          (root.elements ??= new Map()).set(rec.member / STRIDE, elements);
          const counted = keyIs(text, root.offsets[rec.member], root.offsets[rec.member + 1], 'items');
          recorders.push({ depth: depth + 1, object: null, elements, counted, expectKey: false, expectValue: true, member: -1 });
        }
      } else {
        if (rec.counted && rec.elements!.length >= maxItems) return { refused: 'tooManyItems' };
        const element = c === 0x7b ? new ObjectSpans() : null;
        rec.elements!.push(element);
        if (element) {
          recorders.push({
            depth: depth + 1,
            object: element,
            elements: null,
            counted: false,
            expectKey: true,
            expectValue: false,
            member: -1,
          });
        }
      }
    }
    if (c === 0x22 /* " */) {
      const start = i;
      i = stringEnd(text, i);
      if (rec !== null && rec.expectKey) {
        rec.member = rec.object!.addMember(start, i + 1);
        rec.expectKey = false;
      }
    } else if (c === 0x3a /* : */) {
      if (rec !== null && rec.object && rec.member >= 0) rec.expectValue = true;
    } else if (c === 0x2c /* , */) {
      if (rec !== null) endMember(rec, text, i, lastHeight);
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_BODY_DEPTH) return { refused: 'tooDeep' };
      heights[depth] = 0;
      if (depth === 1 && c === 0x7b && !rootOpened) {
        rootOpened = true;
        recorders.push({ depth, object: root, elements: null, counted: false, expectKey: true, expectValue: false, member: -1 });
      }
      const top = recorders[recorders.length - 1];
      rec = top !== undefined && top.depth === depth ? top : null;
    } else if (c === 0x7d || c === 0x5d) {
      // A close with nothing open: not JSON (JSON.parse says so).
      if (depth === 0) break;
      if (rec !== null) {
        endMember(rec, text, i, lastHeight);
        recorders.pop();
      }
      lastHeight = heights[depth] + 1;
      depth--;
      if (heights[depth] < lastHeight) heights[depth] = lastHeight;
      const top = recorders[recorders.length - 1];
      rec = top !== undefined && top.depth === depth ? top : null;
    }
  }
  return { refused: null, root };
}
