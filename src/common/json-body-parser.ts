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
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return 'Strings must not contain U+0000';
    } else if (typeof value === 'number') {
      // 1e400 parses as Infinity, which JSON (and jsonb) can only store as null.
      if (!Number.isFinite(value)) return 'Numbers must be finite';
    } else if (value && typeof value === 'object') {
      if (depth > MAX_JSON_DEPTH) return `Body must not nest deeper than ${MAX_JSON_DEPTH} levels`;
      for (const [key, item] of Object.entries(value)) {
        if (key.includes('\u0000')) return 'Strings must not contain U+0000';
        stack.push([item, depth + 1]);
      }
    }
  }
  return null;
}

/**
 * Replaces Fastify's JSON parser: the same limit and errors, plus two rules of the contract.
 * An empty body is "no body" (clients POST /start without one), a body is always an object, and
 * U+0000, infinite numbers and nesting past MAX_JSON_DEPTH are refused here once: PostgreSQL's text and jsonb
 * cannot store NUL, and deep nesting would overflow the stack of validation or of PostgreSQL.
 */
export function registerJsonBodyParser(fastify: FastifyInstance, bodyLimit: number): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit },
    (_request: FastifyRequest, body: string | Buffer, done: (error: Error | null, value?: unknown) => void) => {
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
