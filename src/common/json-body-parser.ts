import type { FastifyInstance, FastifyRequest } from 'fastify';

type HttpError = Error & { statusCode: number };

function httpError(statusCode: number, message: string): HttpError {
  return Object.assign(new Error(message), { statusCode });
}

function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (value && typeof value === 'object') {
    return Object.entries(value).some(([key, item]) => key.includes('\u0000') || containsNul(item));
  }
  return false;
}

/**
 * Replaces Fastify's JSON parser: the same limit and errors, plus two rules of the contract.
 * An empty body is "no body" (clients POST /start without one), a body is always an object, and U+0000 anywhere is refused
 * here once, because PostgreSQL's text and jsonb cannot store it and would otherwise fail late.
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
      // The scan is only needed when the text could hold a NUL at all.
      if ((text.includes('\\u0000') || text.includes('\u0000')) && containsNul(parsed)) {
        return done(httpError(400, 'Strings must not contain U+0000'));
      }
      done(null, parsed);
    },
  );
}
