import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './generated/openapi.js';
import { retryingFetch, type RetryOptions } from './retrying-fetch.js';

export type { components, paths };
export { actionsAcceptedFrom, sessionStatuses } from './generated/openapi.js';
export type SessionStatus = components['schemas']['SessionStatus'];
export type Session = components['schemas']['SessionResponse'];
export type Message = components['schemas']['MessageResponse'];
export type MessageHit = components['schemas']['MessageHitResponse'];

/** What narrows a search, and where its page starts (`nextCursor` of the previous page). */
export interface SearchOptions {
  sessionId?: string;
  role?: string;
  /** 1..100, default 20 */
  limit?: number;
  cursor?: string;
}

/** What a fork takes: where to cut (`atSeq`, default all), the new session's own `key`, `title`, `metadata`. */
export type ForkBody = components['schemas']['ForkSessionDto'];

export interface ForkOptions extends ForkBody {
  /** Sent as the Idempotency-Key header (default: a new one per call, so the call's own retries fork once). */
  idempotencyKey?: string;
}

/** A bearer token, or a function that gives the current one (called before every request). */
export type TokenSource = string | (() => string | Promise<string>);

export interface SessionStoreClientOptions {
  /** Where the service listens, e.g. `http://localhost:3000` (the routes carry `/api/v1`). */
  baseUrl: string;
  token: TokenSource;
  /** Retries after network errors, 503 and 429 (only where repeating is safe); `false` for none. */
  retry?: RetryOptions | false;
  /** The `fetch` to send with (default: the global one). */
  fetch?: (input: Request) => Promise<Response>;
}

/** An error answer of the service, NestJS's shape plus `code`. */
export class SessionStoreError extends Error {
  constructor(
    readonly status: number,
    readonly body: { message?: unknown; code?: string; [field: string]: unknown } | undefined,
  ) {
    super(`session store answered ${status}${body?.code ? ` ${body.code}` : ''}: ${JSON.stringify(body?.message ?? body)}`);
    this.name = 'SessionStoreError';
  }

  get code(): string | undefined {
    return this.body?.code;
  }
}

/**
 * The service's API, typed from its OpenAPI document (openapi-typescript + openapi-fetch): `api`
 * has a method per HTTP verb whose paths, parameters, bodies and answers are checked against it,
 * e.g. `client.api.GET('/api/v1/sessions/{id}', { params: { path: { id } } })`. Every request
 * carries the bearer token and is retried where that is safe.
 */
export class SessionStoreClient {
  readonly api: Client<paths>;

  constructor(options: SessionStoreClientOptions) {
    const send = options.fetch ?? ((request: Request) => globalThis.fetch(request));
    this.api = createClient<paths>({
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      fetch: options.retry === false ? send : retryingFetch(send, options.retry),
    });
    const token = options.token;
    this.api.use({
      async onRequest({ request }) {
        request.headers.set('Authorization', `Bearer ${typeof token === 'function' ? await token() : token}`);
        return request;
      },
    });
  }

  /**
   * A new session of the caller's holding session `id`'s messages 1..`atSeq` (all without),
   * renumbered from 1, with `forkedFrom` naming the source (POST /api/v1/sessions/{id}/fork).
   * Keyed (Idempotency-Key), so a retry after a lost answer answers the same fork.
   */
  async fork(id: string, options: ForkOptions = {}): Promise<Session> {
    const { idempotencyKey = globalThis.crypto.randomUUID(), ...body } = options;
    const result = await this.api.POST('/api/v1/sessions/{id}/fork', {
      params: { path: { id } },
      body,
      headers: { 'Idempotency-Key': idempotencyKey },
    });
    return dataOf(result);
  }

  /**
   * One page of the caller's messages whose text (every string in their content) holds `q`,
   * case-insensitively, newest first (GET /api/v1/messages/search). `q` is 2..200 characters, taken
   * literally; pass `nextCursor` back as `options.cursor` for the next page.
   */
  async search(q: string, options: SearchOptions = {}): Promise<{ items: MessageHit[]; nextCursor: string | null }> {
    return dataOf(await this.api.GET('/api/v1/messages/search', { params: { query: { q, ...options } } }));
  }

  /** Every hit of `q`, page after page (see search), newest first. */
  async *searchAll(q: string, options: Omit<SearchOptions, 'cursor'> = {}): AsyncGenerator<MessageHit> {
    let cursor: string | undefined;
    do {
      const page = await this.search(q, { ...options, cursor });
      yield* page.items;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  /**
   * The caller's sessions as GET /api/v1/export streams them: one line of text per session
   * (`{"format":"session-store/v1","session":{...},"messages":[...]}`), exact as stored, read
   * as they arrive. JSON.parse a line for its values (a number like 1e400 or a repeated key is
   * then what JavaScript makes of it); keep the text to store or import it elsewhere.
   */
  async *export(): AsyncGenerator<string> {
    const result = await this.api.GET('/api/v1/export', { parseAs: 'stream' });
    const body = dataOf(result);
    const decoder = new TextDecoder();
    let carry = '';
    for await (const bytes of body as ReadableStream<Uint8Array>) {
      const lines = (carry + decoder.decode(bytes, { stream: true })).split('\n');
      carry = lines.pop()!;
      yield* lines;
    }
    if (carry) throw new SessionStoreError(0, { message: 'the export ended inside a line: it was cut short' });
  }
}

/** The answer's data, or a SessionStoreError for an error answer. */
export function dataOf<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok) return result.data as T;
  throw new SessionStoreError(result.response.status, result.error as SessionStoreError['body']);
}
