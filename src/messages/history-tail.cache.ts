import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { RedisClient } from '../redis/redis-client.js';
import { JsonText } from '../common/json-text.js';
import { redisConfig } from '../config/app.config.js';
import { RedisKeys } from '../redis/keys.js';
import { REDIS_CLIENT } from '../redis/redis.constants.js';
import type { SessionKeyOwner } from '../sessions/session.cache.js';
import type { HistoryState } from '../sessions/history-etag.js';
import type { Trimmed } from '../sessions/session-write.types.js';
import type { Message } from './message.columns.js';
import { HistoryNearTail, type SizedMessage } from './history-near-tail.js';
import { APPEND_IF_AT, FILL_IF_NEWER } from './history-tail.scripts.js';

// A tail larger than this is not kept (a page of it could pass the page's byte bound; Redis memory).
const MAX_TAIL_BYTES = 256 * 1024;

/*
 * The list holds the history's state first ("<lastSeq>.<messageCount>", its ETag's parts), then
 * its latest messages. A state names exactly one history (lastSeq never decreases, and at one
 * lastSeq the count only decreases: src/sessions/history-etag.ts), so a tail is served only when
 * its state is the session row's current one (the session copy, kept exact by its own write-through): a
 * missed, late or failed update of the tail can only make it unused, never wrong. The same holds
 * for the in-process copy (history-near-tail.ts). The Lua steps: history-tail.scripts.ts.
 */
const stateOf = (state: HistoryState) => `${state.lastSeq}.${state.messageCount}`;

// The in-process copies: how many tails at most, and their text in all (in UTF-16 characters, as MAX_TAIL_BYTES counts).
const NEAR_TAILS = 10_000;
const NEAR_TAIL_CHARS = 32 * 1024 * 1024;

type TailCommand = (key: string, ...args: (string | number)[]) => Promise<number>;
/** The scripts as defineCommand adds them to the client. */
interface TailCommands {
  historyTailFill: TailCommand;
  historyTailAppend: TailCommand;
}

/**
 * The write-through cache of each history's latest messages (HISTORY_TAIL_CACHE_SIZE of them),
 * for the agent's turn: GET .../messages?limit=N (N <= size) without PostgreSQL. In front of the
 * Redis tail (which other instances fill from) an in-process copy of the newest state seen
 * (HistoryNearTail) answers a warm read with no round trip; it needs no invalidation, as both are
 * served only at the session's current state. Any Redis failure is a miss: PostgreSQL answers.
 */
@Injectable()
export class HistoryTailCache implements SessionKeyOwner {
  private readonly logger = new Logger(HistoryTailCache.name);
  readonly size: number;
  private readonly ttlSeconds: number;
  private readonly near: HistoryNearTail;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient | null,
    private readonly keys: RedisKeys,
    @Inject(redisConfig.KEY) config: ConfigType<typeof redisConfig>,
  ) {
    this.size = redis ? config.historyTailSize : 0;
    this.ttlSeconds = config.cacheTtlSeconds;
    this.near = new HistoryNearTail({ size: this.size, maxTailBytes: MAX_TAIL_BYTES, maxEntries: NEAR_TAILS, maxBytes: NEAR_TAIL_CHARS });
    // EVALSHA, with EVAL when Redis does not know the script yet: the bodies are not sent on every call.
    redis?.defineCommand('historyTailFill', { numberOfKeys: 1, lua: FILL_IF_NEWER });
    redis?.defineCommand('historyTailAppend', { numberOfKeys: 1, lua: APPEND_IF_AT });
  }

  /** Whether a read of the latest `limit` (before no seq) can be answered from a tail. */
  covers(limit: number): boolean {
    return limit > 0 && limit <= this.size;
  }

  /** The history's latest messages, if the tail is the one of `state` (the session's current counters); not to be changed. */
  async get(id: string, state: HistoryState): Promise<readonly Message[] | null> {
    const near = this.near.get(id, state);
    if (near) return near;
    try {
      const [head, ...encoded] = await this.redis!.lrange(this.keys.historyTail(id), 0, -1);
      if (head !== stateOf(state)) return null;
      // Appends check only their own items: a tail that grew past the bound is not served (a page
      // of it could pass the page's byte bound); PostgreSQL answers, and its fill refuses it.
      if (!this.fits(encoded)) return null;
      const latest = encoded.map((item) => ({ message: decode(id, item), bytes: item.length }));
      this.near.set(id, state, latest);
      return this.near.get(id, state) ?? latest.map((item) => item.message);
    } catch (error) {
      this.failed('get', error);
      return null;
    }
  }

  /** The latest messages of the history at `state`, as read from PostgreSQL (all of them, or the latest `size`). */
  async fill(id: string, state: HistoryState, latest: Message[]): Promise<void> {
    const kept = latest.slice(-this.size);
    const encoded = kept.map(encode);
    if (!this.fits(encoded)) return;
    this.near.set(id, state, sized(kept, encoded));
    try {
      await this.scripts.historyTailFill(this.keys.historyTail(id), stateOf(state), this.ttlSeconds, ...encoded);
    } catch (error) {
      this.failed('fill', error);
    }
  }

  /**
   * After an append committed: `items` follow the tail of the state before it, if that is the one
   * cached, and what the history cap cut with it (`trimmed`) leaves the tail too.
   */
  async appended(id: string, after: HistoryState, items: Message[], trimmed?: Trimmed): Promise<void> {
    if (!this.size) return;
    const removed = trimmed?.removed ?? 0;
    const throughSeq = trimmed?.throughSeq ?? 0;
    const before = { lastSeq: after.lastSeq - items.length, messageCount: after.messageCount - items.length + removed };
    const latest = items.slice(-this.size);
    const encoded = latest.map(encode);
    if (!this.fits(encoded)) return this.forget(id);
    this.near.appended(id, before, after, sized(latest, encoded), throughSeq);
    const key = this.keys.historyTail(id);
    try {
      await this.scripts.historyTailAppend(key, stateOf(before), stateOf(after), this.size, this.ttlSeconds, throughSeq, ...encoded);
    } catch (error) {
      this.failed('append', error);
    }
  }

  /** After any other change (pop, clear, replace, a keyed write): the cached tail is of an older state; dropped to save the memory. */
  async forget(id: string): Promise<void> {
    if (!this.size) return;
    this.near.delete(id);
    try {
      await this.redis!.del(this.keys.historyTail(id));
    } catch (error) {
      this.failed('forget', error);
    }
  }

  keysOf(id: string): string[] {
    return [this.keys.historyTail(id)];
  }

  async purge(ids: string[]): Promise<void> {
    if (!this.redis || !ids.length) return;
    for (const id of ids) this.near.delete(id);
    try {
      // One DEL per key: each session's keys sit in their own slot on a cluster.
      await Promise.all(ids.flatMap((id) => this.keysOf(id)).map((key) => this.redis!.del(key)));
    } catch (error) {
      this.failed('purge', error);
    }
  }

  private get scripts(): TailCommands {
    return this.redis as unknown as TailCommands;
  }

  private fits(encoded: string[]): boolean {
    let bytes = 0;
    for (const item of encoded) bytes += item.length;
    return bytes <= MAX_TAIL_BYTES;
  }

  // A miss, never an error: PostgreSQL answers instead.
  private failed(operation: string, error: unknown): void {
    this.logger.warn(`history tail ${operation} failed: ${(error as Error).message}`);
  }
}

const sized = (messages: Message[], encoded: string[]): SizedMessage[] =>
  messages.map((message, n) => ({ message, bytes: encoded[n].length }));

// A message as a JSON array of strings and numbers: content and metadata as their exact texts.
function encode(message: Message): string {
  return JSON.stringify([message.id, message.seq, message.role, message.content.text, message.metadata.text, message.createdAt.getTime()]);
}

function decode(sessionId: string, item: string): Message {
  const [id, seq, role, content, metadata, createdAt] = JSON.parse(item);
  return { id, sessionId, seq, role, content: new JsonText(content), metadata: new JsonText(metadata), createdAt: new Date(createdAt) };
}
