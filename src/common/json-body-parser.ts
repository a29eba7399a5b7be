import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TooManyItemsError } from './domain-error.js';
import { MAX_BODY_DEPTH, type ObjectSpans, scanJsonBody } from './json-spans.js';

type HttpError = Error & { statusCode: number };

function httpError(statusCode: number, message: string): HttpError {
  return Object.assign(new Error(message), { statusCode });
}

/** A parsed body's text and where its root members lie in it: the validation pipe cuts free-form values out of it. */
export interface BodySource {
  readonly text: string;
  readonly root: ObjectSpans;
}

// Keyed by the parsed body object, which Fastify hands on as request.body and Nest as @Body().
const sources = new WeakMap<object, BodySource>();

/** The text this body was parsed from, when it came through registerJsonBodyParser. */
export function bodySourceOf(body: object): BodySource | undefined {
  return sources.get(body);
}

/** Limits of particular routes, by `"METHOD /url"` as Fastify names the route (e.g. `POST /api/v1/x/:id`). */
export type RouteLimits = Record<string, number>;

/** What particular routes take beyond the parser's defaults: larger bodies, and at most so many `items`. */
export interface RouteBodyLimits {
  bytes?: RouteLimits;
  items?: RouteLimits;
}

/**
 * Replaces Fastify's JSON parser: the same limit and errors, plus the rules of the contract.
 * An empty body is "no body" (clients POST /start without one), a body is always an object, and
 * invalid UTF-8 and nesting past MAX_BODY_DEPTH are refused here once (deep nesting would overflow
 * the stack of validation or of PostgreSQL). The rules on values (U+0000, lone surrogates, infinite
 * numbers) depend on the field, so the validation pipe applies them: free-form JSON keeps them all.
 */
export function registerJsonBodyParser(fastify: FastifyInstance, bodyLimit: number, routeLimits: RouteBodyLimits = {}): void {
  const bytes = routeLimits.bytes ?? {};
  const items = routeLimits.items ?? {};
  // Before the routes exist (Nest adds them in app.init()): a route's own bodyLimit wins over the parser's.
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) route.bodyLimit = bytes[`${method} ${route.url}`] ?? route.bodyLimit;
  });
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/json',
    // As bytes: decoding to a string would turn invalid UTF-8 into U+FFFD without a word.
    { parseAs: 'buffer', bodyLimit },
    (request: FastifyRequest, body: string | Buffer, done: (error: Error | null, value?: unknown) => void) => {
      parse(body, items[`${request.method} ${request.routeOptions.url}`]).then(
        (parsed) => done(null, parsed),
        (error: Error) => done(error),
      );
    },
  );
}

/**
 * The scan first: a batch over its item limit is refused (413) before JSON.parse builds a single
 * item, and the scan yields to other requests on the way. Then JSON.parse decides on the syntax.
 */
async function parse(body: string | Buffer, maxItems: number | undefined): Promise<unknown> {
  if (typeof body !== 'string' && !isUtf8(body)) throw httpError(400, 'Body is not valid UTF-8');
  const text = body.toString();
  if (text.trim() === '') return undefined;
  const scan = await scanJsonBody(text, { maxItems });
  if (scan.refused === 'tooManyItems') throw new TooManyItemsError(maxItems!);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw httpError(400, 'Body is not valid JSON');
  }
  // Every route of the API takes an object; null would otherwise read as "no body".
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw httpError(400, 'Body must be a JSON object');
  if (scan.refused === 'tooDeep') throw httpError(400, `Body must not nest deeper than ${MAX_BODY_DEPTH} levels`);
  sources.set(parsed, { text, root: scan.root });
  return parsed;
}
