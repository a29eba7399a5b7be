import { SessionStoreClient } from '@session-store/client';
import type { Message, Page, SearchHit, Session, SessionStatus, Transition } from './types';

/** An answer that was not 2xx, with the API's error body (`message`, `code`, `currentStatus`...). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { message?: string | string[]; code?: string; currentStatus?: string } | null,
    readonly retryAfter: string | null,
  ) {
    super(describe(status, body));
  }
}

function describe(status: number, body: ApiError['body']): string {
  const message = Array.isArray(body?.message) ? body.message.join('; ') : body?.message;
  if (status === 503) return `The service cannot reach its database right now (503)${message ? `: ${message}` : ''}. Try again shortly.`;
  if (status === 0) return 'The service cannot be reached. Check your connection and try again.';
  return message ? `${message} (${status})` : `The request failed (${status})`;
}

export interface ListQuery {
  status?: SessionStatus;
  q?: string;
  cursor?: string;
  limit?: number;
}

/** What openapi-fetch answers: the parsed body of a 2xx, or the error body (text when it was no JSON). */
interface Result<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * The public API with the signed-in person's token, through the typed client of packages/client
 * (paths, parameters and answers checked against the service's OpenAPI document). Not retried: a
 * person sees a failure and tries again. A 401 anywhere calls `onUnauthorized`, which returns the
 * page to sign-in with the API's reason.
 */
export class ApiClient {
  readonly client: SessionStoreClient;

  constructor(
    readonly token: string,
    private readonly onUnauthorized: (reason: string) => void,
  ) {
    this.client = new SessionStoreClient({ baseUrl: window.location.origin, token, retry: false });
  }

  /** The data of a 2xx answer; an ApiError otherwise (status 0: no answer, or one cut short). */
  private async answer<T>(sent: Promise<Result<T>>): Promise<T> {
    let result: Result<T>;
    try {
      result = await sent;
    } catch {
      throw new ApiError(0, null, null);
    }
    const { response } = result;
    if (response.ok) return result.data as T;
    const body = typeof result.error === 'object' && result.error !== null ? (result.error as ApiError['body']) : null;
    const error = new ApiError(response.status, body, response.headers.get('Retry-After'));
    if (response.status === 401) this.onUnauthorized(error.message);
    throw error;
  }

  /** Every session of the signed-in person with its history, as GET /export's JSON lines (a file to download). */
  exportSessions(): Promise<Blob> {
    return this.answer(this.client.api.GET('/api/v1/export', { parseAs: 'blob' }));
  }

  listSessions(query: ListQuery): Promise<Page<Session> & { nextCursor: string | null }> {
    const { status, q, cursor, limit = 20 } = query;
    const params = { query: { limit, status: status || undefined, q: q || undefined, cursor: cursor || undefined } };
    return this.answer(this.client.api.GET('/api/v1/sessions', { params }));
  }

  getSession(id: string): Promise<Session> {
    return this.answer(this.client.api.GET('/api/v1/sessions/{id}', { params: { path: { id } } }));
  }

  createSession(body: { title?: string; problemStatement?: string }): Promise<Session> {
    return this.answer(this.client.api.POST('/api/v1/sessions', { body }));
  }

  /** `handler` only when chosen: `{}` otherwise, so the service's default handler runs. */
  start(id: string, handler?: string): Promise<Session> {
    const body = handler ? { handler } : {};
    return this.answer(this.client.api.POST('/api/v1/sessions/{id}/start', { params: { path: { id } }, body }));
  }

  kill(id: string, reason?: string): Promise<Session> {
    const body = reason ? { reason } : {};
    return this.answer(this.client.api.POST('/api/v1/sessions/{id}/kill', { params: { path: { id } }, body }));
  }

  async remove(id: string): Promise<void> {
    await this.answer(this.client.api.DELETE('/api/v1/sessions/{id}', { params: { path: { id } } }));
  }

  /** A new session holding this one's messages 1..atSeq (POST /sessions/:id/fork). */
  fork(id: string, atSeq: number): Promise<Session> {
    return this.answer(this.client.api.POST('/api/v1/sessions/{id}/fork', { params: { path: { id } }, body: { atSeq } }));
  }

  /** The caller's messages whose text holds `q`, newest first (GET /messages/search). */
  searchMessages(q: string, options: { cursor?: string; limit?: number } = {}): Promise<Page<SearchHit> & { nextCursor: string | null }> {
    const query = { q, limit: options.limit ?? 20, cursor: options.cursor || undefined };
    return this.answer(this.client.api.GET('/api/v1/messages/search', { params: { query } }));
  }

  messages(id: string, options: { before?: number; limit?: number } = {}): Promise<Page<Message> & { nextBefore: number | null }> {
    const query = { limit: options.limit ?? 50, before: options.before };
    return this.answer(this.client.api.GET('/api/v1/sessions/{id}/messages', { params: { path: { id }, query } }));
  }

  transitions(id: string): Promise<Page<Transition>> {
    return this.answer(this.client.api.GET('/api/v1/sessions/{id}/transitions', { params: { path: { id } } }));
  }
}
