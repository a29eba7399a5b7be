import {
  UserError,
  type AgentInputItem,
  type SessionHistoryTransactionArgs,
  type SessionHistoryTransactionAwareSession,
} from '@openai/agents-core';
import { canonicalJson, digest, snapshotTransactionArgs } from './history-transaction.js';
import { decodeBytes, encodeBytes } from './item-bytes.js';
import { SessionHistory, type CreateSessionBody, type MessageInput } from './session-history.js';
import {
  SessionStoreClient,
  SessionStoreError,
  type ForkBody,
  type Message,
  type SessionStoreClientOptions,
} from './session-store-client.js';

export interface AgentsSessionOptions extends SessionStoreClientOptions {
  /** The session's key: the agent's memory is the history of the session with this key (created on first use). */
  key: string;
  /** Fields for creating the session when the key is new (`title`, `context`, `metadata`, `ttlSeconds`...). */
  create?: CreateSessionBody;
}

/** What AgentsSession.fork takes: the cut and the fork's own key (default: a new UUID), title and metadata. */
export type AgentsForkOptions = ForkBody;

// The largest page the service answers; beyond, the whole history is read as one snapshot.
const MAX_PAGE = 1000;
// The largest seq the service takes (an integer column).
const MAX_SEQ = 2147483647;
// Attempts of a suffix replacement whose read went stale before its write (If-Match answered 412).
const SUFFIX_ATTEMPTS = 5;
// An ETag the service never gives: a write sent with it only reports whether its key was used.
const NO_ETAG = '"agents-session:none"';
const SUFFIX_MISMATCH = 'Session history suffix no longer matches the transaction precondition.';
const OTHER_TRANSACTION = 'Session history operation was already applied with a different transaction.';
// The metadata field that lists where a message's content holds bytes (item-bytes.ts).
const BYTES = 'bytes';

/**
 * The OpenAI Agents SDK's `Session` over the session store: each item is one message whose
 * `content` is the item as the SDK gave it, as JSON (bytes as item-bytes.ts says), and whose
 * `role` is the item's role or type, for people reading the history. One HTTP request per method
 * (the session's id is looked up by key once); every write carries an Idempotency-Key, so retries
 * after network errors and 503 (for as long as a restart takes) store it once.
 */
export class AgentsSession implements SessionHistoryTransactionAwareSession {
  private readonly history: SessionHistory;

  constructor(private readonly options: AgentsSessionOptions) {
    this.history = new SessionHistory(new SessionStoreClient(options), options.key, options.create);
  }

  getSessionId(): Promise<string> {
    return Promise.resolve(this.options.key);
  }

  /**
   * A new session whose history is this one's items up to the message with seq `atSeq` (all
   * without; the n-th item added has seq n until a pop or a replace), on `key` (default: a new
   * UUID): "try again from here". One request; this session is left as it is.
   */
  async fork(options: AgentsForkOptions = {}): Promise<AgentsSession> {
    const key = options.key ?? globalThis.crypto.randomUUID();
    await this.history.fork({ ...options, key });
    return new AgentsSession({ ...this.options, key, create: undefined });
  }

  /** The latest `limit` items oldest first (all without a limit; none for `limit <= 0`), as MemorySession answers. */
  async getItems(limit?: number): Promise<AgentInputItem[]> {
    if (limit !== undefined && limit <= 0) return [];
    // MemorySession keeps `length - limit` onwards: a fractional limit counts up, NaN and Infinity mean all.
    const wanted = limit === undefined || !Number.isFinite(limit) ? Infinity : Math.ceil(limit);
    if (wanted > MAX_PAGE) return itemsOf((await this.history.read('all')).messages.slice(-wanted));
    const page = await this.history.read(wanted);
    // A page stops early at 8 MiB; the rest comes from one snapshot of the whole history.
    if (page.messages.length < wanted && page.more) return itemsOf((await this.history.read('all')).messages.slice(-wanted));
    return itemsOf(page.messages);
  }

  async addItems(items: AgentInputItem[]): Promise<void> {
    if (items.length === 0) return;
    await this.history.append(items.map(toMessage), { idempotencyKey: globalThis.crypto.randomUUID() });
  }

  /**
   * Removes and answers the newest item. Not retried after a connection lost mid-request (the pop
   * may have been committed; a second one would remove another item); retried after 503 and 429.
   */
  async popItem(): Promise<AgentInputItem | undefined> {
    const popped = await this.history.pop();
    return popped && itemOf(popped);
  }

  /** Removes every item; also forgets the operations applied by applyHistoryTransaction (a pop does not). */
  async clearSession(): Promise<void> {
    await this.history.clear();
  }

  /** Replaces the whole history (a compaction item and the suffix it keeps) in one transaction. */
  async replaceHistoryWithCompaction(items: AgentInputItem[]): Promise<void> {
    await this.history.replace(items.map(toMessage), { idempotencyKey: globalThis.crypto.randomUUID() });
  }

  /**
   * Applies an append or a suffix replacement once per `operationId`, atomically: the operation id
   * is the write's Idempotency-Key (so the service records it with the change), and each message
   * carries the transaction's digest, so a repeat answered with another transaction's items is
   * told apart. A suffix replacement reads the suffix and writes with If-Match on that read.
   */
  async applyHistoryTransaction(args: SessionHistoryTransactionArgs): Promise<void> {
    const { operationId, transaction } = snapshotTransactionArgs(args);
    const [idempotencyKey, transactionDigest] = await Promise.all([digest(`operation:${operationId}`), digest(canonicalJson(transaction))]);
    const items = transaction.type === 'append_items' ? transaction.items : transaction.replacement;
    const messages = items.map((item) => {
      const message = toMessage(item);
      return { ...message, metadata: { ...message.metadata, historyTransaction: transactionDigest } };
    });
    const applied = (answer: Message[]) => {
      const same = answer.length === items.length && answer.every((message) => message.metadata.historyTransaction === transactionDigest);
      if (!same) throw new UserError(OTHER_TRANSACTION);
    };

    if (transaction.type === 'append_items' || transaction.expectedSuffix.length === 0) {
      // An empty append is recorded too; the service takes no items only with replaceFromSeq, and
      // one past every seq removes nothing.
      const replaceFromSeq = messages.length === 0 ? MAX_SEQ : undefined;
      return applied(await this.history.append(messages, { idempotencyKey, replaceFromSeq }));
    }
    const expected = canonicalJson(transaction.expectedSuffix);
    for (let attempt = 0; attempt < SUFFIX_ATTEMPTS; attempt++) {
      const { messages: suffix, etag } = await this.history.read(transaction.expectedSuffix.length);
      const matches = suffix.length === transaction.expectedSuffix.length && canonicalJson(itemsOf(suffix)) === expected && etag !== null;
      try {
        // When the suffix differs, the write can only succeed as a repeat of this operation.
        const ifMatch = matches ? etag : NO_ETAG;
        return applied(await this.history.append(messages, { idempotencyKey, ifMatch, replaceFromSeq: suffix[0]?.seq ?? 1 }));
      } catch (error) {
        if (!(error instanceof SessionStoreError && error.status === 412)) throw error;
        if (!matches) throw new UserError(SUFFIX_MISMATCH);
      }
    }
    throw new UserError(SUFFIX_MISMATCH);
  }
}

function itemsOf(messages: Message[]): AgentInputItem[] {
  return messages.map(itemOf);
}

function itemOf(message: Message): AgentInputItem {
  return decodeBytes(message.content, message.metadata[BYTES]) as AgentInputItem;
}

/**
 * A message per item: the item as content (bytes encoded, and listed in the metadata: see
 * item-bytes.ts), and a role people can read (the item's role or type).
 */
function toMessage(item: AgentInputItem): MessageInput & { metadata?: Record<string, unknown> } {
  const record = item as { role?: unknown; type?: unknown };
  const role = [record.role, record.type].find(isRole) ?? 'item';
  const { content, paths } = encodeBytes(item);
  return paths.length ? { role, content, metadata: { [BYTES]: paths } } : { role, content };
}

function isRole(value: unknown): value is string {
  // The service's rule for `role`: 1..64 characters, no control characters, no lone surrogates (well-formed).
  return typeof value === 'string' && value.length >= 1 && value.length <= 64 && !/[\p{Cc}\p{Cs}]/u.test(value);
}
