import { dataOf, SessionStoreError, type components, type Message, type SessionStoreClient } from './session-store-client.js';

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
 * The message history of the session a key names, one HTTP request per call. The session is
 * get-or-created by key on first use and its id kept; if it is deleted meanwhile (404), the key
 * names a new one and the call is made once more there.
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
    return this.onSession(async (id) => {
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
    return this.onSession(async (id) => {
      const result = await this.client.api.DELETE(`${MESSAGES}/last`, { params: { path: { id } } });
      return result.response.status === 204 ? undefined : dataOf(result);
    });
  }

  async clear(): Promise<void> {
    await this.onSession(async (id) => dataOf(await this.client.api.DELETE(MESSAGES, { params: { path: { id } } })));
  }

  private async onSession<T>(call: (id: string) => Promise<T>): Promise<T> {
    const id = this.sessionId();
    try {
      return await call(await id);
    } catch (error) {
      if (!(error instanceof SessionStoreError && error.code === 'SESSION_NOT_FOUND')) throw error;
      if (this.id === id) this.id = undefined;
      return call(await this.sessionId());
    }
  }

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
}

function writeHeaders(options: WriteOptions): Record<string, string> {
  return { 'Idempotency-Key': options.idempotencyKey, ...(options.ifMatch ? { 'If-Match': options.ifMatch } : {}) };
}
