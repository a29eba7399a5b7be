import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';

type HttpError = Error & { statusCode: number };

function httpError(statusCode: number, message: string): HttpError {
  return Object.assign(new Error(message), { statusCode });
}

export const MAX_JSON_DEPTH = 64;

/**
 * One iterative walk (no recursion, so hostile nesting cannot overflow the stack): the reason the
 * body cannot be stored as sent, or null.
 */
function refusal(root: unknown): string | null {
  // Two flat stacks rather than a tuple per value: a 1 MB body can hold 100k values.
  const values: unknown[] = [root];
  const depths: number[] = [1];
  while (values.length) {
    const value = values.pop();
    const depth = depths.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return 'Strings must not contain U+0000';
    } else if (typeof value === 'number') {
      // 1e400 parses as Infinity, which JSON (and jsonb) can only store as null.
      if (!Number.isFinite(value)) return 'Numbers must be finite';
    } else if (value && typeof value === 'object') {
      if (depth > MAX_JSON_DEPTH) return `Body must not nest deeper than ${MAX_JSON_DEPTH} levels`;
      if (Array.isArray(value)) {
        for (const item of value) {
          values.push(item);
          depths.push(depth + 1);
        }
        continue;
      }
      const object = value as Record<string, unknown>;
      for (const key of Object.keys(object)) {
        if (key.includes('\u0000')) return 'Strings must not contain U+0000';
        values.push(object[key]);
        depths.push(depth + 1);
      }
    }
  }
  return null;
}

/**
 * Replaces Fastify's JSON parser: the same limit and errors, plus the rules of the contract.
 * An empty body is "no body" (clients POST /start without one), a body is always an object, and
 * invalid UTF-8, U+0000, infinite numbers and nesting past MAX_JSON_DEPTH are refused here once: PostgreSQL's text and jsonb
 * cannot store NUL, and deep nesting would overflow the stack of validation or of PostgreSQL.
 */
export function registerJsonBodyParser(fastify: FastifyInstance, bodyLimit: number): void {
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
      const reason = refusal(parsed);
      done(reason ? httpError(400, reason) : null, reason ? undefined : parsed);
    },
  );
}
