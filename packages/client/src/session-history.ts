import {
  dataOf,
  SessionStoreError,
  type components,
  type ForkBody,
  type Message,
  type Session,
  type SessionStoreClient,
} from './session-store-client.js';

export type CreateSessionBody = Omit<components['schemas']['CreateSessionDto'], 'key'>;
export type MessageInput = components['schemas']['MessageInputDto'];

/** What a conditional, idempotent write sends with its items. */
export interface WriteOptions {
  idempotencyKey: string;
  /** The history's ETag the write depends on: a stale one is 412 and changes nothing. */
  ifMatch?: string;
  /** Remove every message with `seq >= replaceFromSeq` in the same transaction. */
  replaceFromSeq?: number;
}

const MESSAGES = '/api/v1/sessions/{id}/messages';

/**
 * The message history of the session a key names, one HTTP request per call. Writes get-or-create
 * the session by key on first use; reads, pops and clears only look it up (a key never written
 * has an empty history, and no session is made for it). The id is kept once known; if the
 * session is deleted meanwhile (404), the key is looked up again and the call made once more.
 */
export class SessionHistory {
  private id: Promise<string> | undefined;

  constructor(
    private readonly client: SessionStoreClient,
    private readonly key: string,
    private readonly createBody: CreateSessionBody = {},
  ) {}

  /** The latest `limit` messages (or all), oldest first, with the history's ETag and whether older ones were left out. */
  async read(limit: number | 'all'): Promise<{ messages: Message[]; etag: string | null; more: boolean }> {
    const empty = { messages: [], etag: null, more: false };
    return this.onExisting(empty, async (id) => {
      const result = await this.client.api.GET(MESSAGES, { params: { path: { id }, query: { limit } } });
      const page = dataOf(result);
      return { messages: page.items, etag: result.response.headers.get('ETag'), more: page.nextBefore !== null };
    });
  }

  /** Appends in one transaction (after removing `seq >= replaceFromSeq`); the answer's messages, or the first answer's on a repeated key. */
  async append(items: MessageInput[], options: WriteOptions): Promise<Message[]> {
    const body = { items, ...(options.replaceFromSeq === undefined ? {} : { replaceFromSeq: options.replaceFromSeq }) };
    return this.onSession(async (id) => {
      const result = await this.client.api.POST(MESSAGES, { params: { path: { id } }, body, headers: writeHeaders(options) });
      return dataOf(result).items;
    });
  }

  /** Replaces the whole history in one transaction. */
  async replace(items: MessageInput[], options: WriteOptions): Promise<Message[]> {
    return this.onSession(async (id) => {
      const result = await this.client.api.PUT(MESSAGES, { params: { path: { id } }, body: { items }, headers: writeHeaders(options) });
      return dataOf(result).items;
    });
  }

  /** Removes the newest message and answers it, or undefined when there is none. */
  async pop(): Promise<Message | undefined> {
    return this.onExisting(undefined, async (id) => {
      const result = await this.client.api.DELETE(`${MESSAGES}/last`, { params: { path: { id } } });
      return result.response.status === 204 ? undefined : dataOf(result);
    });
  }

  async clear(): Promise<void> {
    await this.onExisting(undefined, async (id) => dataOf(await this.client.api.DELETE(MESSAGES, { params: { path: { id } } })));
  }

  /** A fork of this history (created if need be) up to `body.atSeq`: the new session. One key for the call, so it forks once. */
  async fork(body: ForkBody): Promise<Session> {
    const idempotencyKey = globalThis.crypto.randomUUID();
    return this.onSession((id) => this.client.fork(id, { ...body, idempotencyKey }));
  }

  /** `call` on the key's session, created if need be. */
  private onSession<T>(call: (id: string) => Promise<T>): Promise<T> {
    return this.retriedOnGone(() => this.sessionId(), call);
  }

  /** `call` on the key's session if there is one, else `absent`. */
  private onExisting<T>(absent: T, call: (id: string) => Promise<T>): Promise<T> {
    return this.retriedOnGone(
      () => this.existingId(),
      (id) => (id === null ? Promise.resolve(absent) : call(id)),
    );
  }

  private async retriedOnGone<I extends string | null, T>(lookup: () => Promise<I>, call: (id: I) => Promise<T>): Promise<T> {
    const id = await lookup();
    try {
      return await call(id);
    } catch (error) {
      if (!(error instanceof SessionStoreError && error.code === 'SESSION_NOT_FOUND')) throw error;
      // Forget the id that is gone, unless another call has already put a new one in its place.
      const kept = this.id;
      if (kept && (await kept.catch(() => null)) === id && this.id === kept) this.id = undefined;
      return call(await lookup());
    }
  }

  /** The id, from a get-or-create by key the first time. */
  private sessionId(): Promise<string> {
    if (this.id) return this.id;
    const lookup = this.client.api
      .PUT('/api/v1/sessions/by-key/{key}', { params: { path: { key: this.key } }, body: this.createBody })
      .then((result) => dataOf(result).id);
    // A failed lookup is not kept: the next call asks again.
    lookup.catch(() => {
      if (this.id === lookup) this.id = undefined;
    });
    return (this.id = lookup);
  }

  /** The id if the key names a session (kept once found), else null: nothing is created. */
  private async existingId(): Promise<string | null> {
    if (this.id) return this.id;
    const result = await this.client.api.GET('/api/v1/sessions/by-key/{key}', { params: { path: { key: this.key } } });
    if (result.response.status === 404) return null;
    const id = dataOf(result).id;
    this.id ??= Promise.resolve(id);
    return id;
  }
}

function writeHeaders(options: WriteOptions): Record<string, string> {
  return { 'Idempotency-Key': options.idempotencyKey, ...(options.ifMatch ? { 'If-Match': options.ifMatch } : {}) };
}
