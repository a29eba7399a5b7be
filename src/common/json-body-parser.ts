import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';

type HttpError = Error & { statusCode: number };

function httpError(statusCode: number, message: string): HttpError {
  return Object.assign(new Error(message), { statusCode });
}

export const MAX_JSON_DEPTH = 64;

const NUL = 'Strings must not contain U+0000';

/**
 * One pass over the text JSON.parse has just accepted: the reason it cannot be stored as sent (a
 * `\u0000` escape, the only way JSON text holds U+0000; nesting past MAX_JSON_DEPTH), or null, and
 * whether a number might have overflowed to Infinity (an exponent, or more than 308 digits). A pass
 * over the text is linear and cheap; walking the parsed object cost as much as JSON.parse itself
 * on a body of 70k keys (Object.keys on a dictionary-mode object).
 */
export function scanJsonText(text: string): { reason: string | null; maybeInfinite: boolean } {
  let depth = 0;
  let inString = false;
  let digits = 0;
  let maybeInfinite = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) {
        if (text.charCodeAt(i + 1) === 0x75 /* u */ && text.startsWith('0000', i + 2)) return { reason: NUL, maybeInfinite };
        i++; // the escaped character, so an escaped quote or backslash is not read as one
      } else if (c === 0x22 /* " */) inString = false;
      continue;
    }
    const digit = c >= 0x30 && c <= 0x39;
    // `e` outside a string after a digit is an exponent (in true/false it follows a letter).
    if ((c === 0x65 || c === 0x45) && digits > 0) maybeInfinite = true;
    digits = digit ? digits + 1 : 0;
    if (digits > 308) maybeInfinite = true;
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_JSON_DEPTH) return { reason: `Body must not nest deeper than ${MAX_JSON_DEPTH} levels`, maybeInfinite };
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return { reason: null, maybeInfinite };
}

/** Whether any number in the parsed body is infinite (1e400 parses as Infinity, stored as null). Iterative. */
function hasInfinity(root: unknown): boolean {
  const values: unknown[] = [root];
  while (values.length) {
    const value = values.pop();
    if (typeof value === 'number' && !Number.isFinite(value)) return true;
    if (value && typeof value === 'object') for (const item of Object.values(value)) values.push(item);
  }
  return false;
}

/** Body limits of particular routes, by `"METHOD /url"` as Fastify names the route (e.g. `POST /api/v1/x/:id`). */
export type RouteBodyLimits = Record<string, number>;

/**
 * Replaces Fastify's JSON parser: the same limit and errors, plus the rules of the contract.
 * An empty body is "no body" (clients POST /start without one), a body is always an object, and
 * invalid UTF-8, U+0000, infinite numbers and nesting past MAX_JSON_DEPTH are refused here once: PostgreSQL's text and jsonb
 * cannot store NUL, and deep nesting would overflow the stack of validation or of PostgreSQL.
 */
export function registerJsonBodyParser(fastify: FastifyInstance, bodyLimit: number, routeLimits: RouteBodyLimits = {}): void {
  // Before the routes exist (Nest adds them in app.init()): a route's own bodyLimit wins over the parser's.
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) route.bodyLimit = routeLimits[`${method} ${route.url}`] ?? route.bodyLimit;
  });
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/json',
    // As bytes: decoding to a string would turn invalid UTF-8 into U+FFFD without a word.
    { parseAs: 'buffer', bodyLimit },
    (_request: FastifyRequest, body: string | Buffer, done: (error: Error | null, value?: unknown) => void) => {
      if (typeof body !== 'string' && !isUtf8(body)) return done(httpError(400, 'Body is not valid UTF-8'));
      const text = body.toString();
      if (text.trim() === '') return done(null, undefined);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return done(httpError(400, 'Body is not valid JSON'));
      }
      // Every route of the API takes an object; null would otherwise read as "no body".
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        return done(httpError(400, 'Body must be a JSON object'));
      }
      const { reason, maybeInfinite } = scanJsonText(text);
      if (reason) return done(httpError(400, reason));
      if (maybeInfinite && hasInfinity(parsed)) return done(httpError(400, 'Numbers must be finite'));
      done(null, parsed);
    },
  );
}
