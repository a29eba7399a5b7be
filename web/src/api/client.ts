import type { Message, Page, SearchHit, Session, Transition } from './types';

const BASE = '/api/v1';

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
  status?: string;
  q?: string;
  cursor?: string;
  limit?: number;
}

/**
 * The public API with the signed-in person's token. A 401 anywhere calls `onUnauthorized`, which
 * returns the page to sign-in with the API's reason.
 */
export class ApiClient {
  constructor(
    readonly token: string,
    private readonly onUnauthorized: (reason: string) => void,
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body);
    if (response.status === 204) return undefined as T;
    return (await response.json().catch(() => null)) as T;
  }

  /** A 2xx answer, unread; an ApiError otherwise. */
  private async send(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiError(0, null, null);
    }
    if (!response.ok) {
      const data = (await response.json().catch(() => null)) as ApiError['body'];
      const error = new ApiError(response.status, data, response.headers.get('Retry-After'));
      if (response.status === 401) this.onUnauthorized(error.message);
      throw error;
    }
    return response;
  }

  /** Every session of the signed-in person with its history, as GET /export's JSON lines (a file to download). */
  async exportSessions(): Promise<Blob> {
    const response = await this.send('GET', '/export');
    try {
      return await response.blob();
    } catch {
      // The answer was cut short: no file that looks complete.
      throw new ApiError(0, null, null);
    }
  }

  listSessions(query: ListQuery): Promise<Page<Session> & { nextCursor: string | null }> {
    const params = new URLSearchParams({ limit: String(query.limit ?? 20) });
    if (query.status) params.set('status', query.status);
    if (query.q) params.set('q', query.q);
    if (query.cursor) params.set('cursor', query.cursor);
    return this.request('GET', `/sessions?${params}`);
  }

  getSession(id: string): Promise<Session> {
    return this.request('GET', `/sessions/${encodeURIComponent(id)}`);
  }

  createSession(body: { title?: string; problemStatement?: string }): Promise<Session> {
    return this.request('POST', '/sessions', body);
  }

  /** `handler` only when chosen: the body is absent otherwise (routes refuse unknown fields). */
  start(id: string, handler?: string): Promise<Session> {
    return this.request('POST', `/sessions/${encodeURIComponent(id)}/start`, handler ? { handler } : undefined);
  }

  kill(id: string, reason?: string): Promise<Session> {
    return this.request('POST', `/sessions/${encodeURIComponent(id)}/kill`, reason ? { reason } : {});
  }

  remove(id: string): Promise<void> {
    return this.request('DELETE', `/sessions/${encodeURIComponent(id)}`);
  }

  /** A new session holding this one's messages 1..atSeq (POST /sessions/:id/fork). */
  fork(id: string, atSeq: number): Promise<Session> {
    return this.request('POST', `/sessions/${encodeURIComponent(id)}/fork`, { atSeq });
  }

  /** The caller's messages whose text holds `q`, newest first (GET /messages/search). */
  searchMessages(q: string, options: { cursor?: string; limit?: number } = {}): Promise<Page<SearchHit> & { nextCursor: string | null }> {
    const params = new URLSearchParams({ q, limit: String(options.limit ?? 20) });
    if (options.cursor) params.set('cursor', options.cursor);
    return this.request('GET', `/messages/search?${params}`);
  }

  messages(id: string, options: { before?: number; limit?: number } = {}): Promise<Page<Message> & { nextBefore: number | null }> {
    const params = new URLSearchParams({ limit: String(options.limit ?? 50) });
    if (options.before !== undefined) params.set('before', String(options.before));
    return this.request('GET', `/sessions/${encodeURIComponent(id)}/messages?${params}`);
  }

  transitions(id: string): Promise<Page<Transition>> {
    return this.request('GET', `/sessions/${encodeURIComponent(id)}/transitions`);
  }
}

/**
 * The development sign-in: offered only where the service says so (GET /dashboard/config, which
 * always answers), since its route is absent (404) in production and to clients on other machines.
 */
export const devTokens = {
  async available(): Promise<boolean> {
    const response = await fetch('/dashboard/config').catch(() => null);
    if (!response?.ok) return false;
    return ((await response.json().catch(() => null)) as { devSignIn?: boolean } | null)?.devSignIn === true;
  },
  async mint(user: string): Promise<string> {
    const response = await fetch(`${BASE}/dev/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ user }),
    }).catch(() => null);
    if (!response) throw new ApiError(0, null, null);
    const data = (await response.json().catch(() => null)) as { token?: string } | null;
    if (!response.ok || !data?.token) throw new ApiError(response.status, data as ApiError['body'], null);
    return data.token;
  },
};
