import { randomUUID } from 'node:crypto';

/**
 * A free-form JSON value kept as the exact text the client sent (one valid value, no whitespace
 * around it): a JS object would lose key order, duplicate keys and number spellings. The path from
 * body to answer: docs/api.md, "Exact data".
 */
export class JsonText {
  constructor(readonly text: string) {}

  /** A JS value written by the service itself (a handler's message): its JSON.stringify text. */
  static of(value: unknown): JsonText {
    return new JsonText(JSON.stringify(value) ?? 'null');
  }

  get isObject(): boolean {
    return this.text.charCodeAt(0) === 0x7b; /* { */
  }

  get isNull(): boolean {
    return this.text === 'null';
  }

  get byteLength(): number {
    return Buffer.byteLength(this.text);
  }

  /** The value as JS sees it (for in-process readers such as handlers): not exact, see above. */
  parse(): unknown {
    return JSON.parse(this.text);
  }

  /** Inside stringifyExact: a placeholder for the raw text; elsewhere the parsed value (never `{"text":...}`). */
  toJSON(): unknown {
    return collecting ? MARK + (collecting.push(this.text) - 1) : this.parse();
  }

  /** pg sends a parameter that has toPostgres() as what it returns: the text, cast to json in SQL. */
  toPostgres(): string {
    return this.text;
  }
}

/*
 * A per-process random marker: JSON.stringify writes each JsonText as the string "<MARK><n>", and
 * the placeholders are then swapped for the raw texts. A client cannot send the marker: it is never
 * written out, and guessing a random UUID is not a plan.
 */
const MARK = `\u0001${randomUUID()}:`;
const PLACEHOLDER = new RegExp(`${JSON.stringify(MARK).slice(0, -1).replace(/\\/g, '\\\\')}(\\d+)"`, 'g');
let collecting: string[] | null = null;

/**
 * JSON.stringify, except that every JsonText inside `value` is written as its raw text. One
 * JSON.stringify without a replacer function (the envelope's keys cost what they always did, and
 * the free-form texts are not walked at all), then one linear pass that splices the texts in.
 */
export function stringifyExact(value: unknown): string {
  const texts: string[] = [];
  const outer = collecting;
  collecting = texts;
  let json: string;
  try {
    json = JSON.stringify(value);
  } finally {
    collecting = outer;
  }
  if (texts.length === 0 || json === undefined) return json;
  return json.replace(PLACEHOLDER, (_placeholder, index: string) => texts[Number(index)]);
}
