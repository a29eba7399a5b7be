import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { Redis } from 'ioredis';
import { JsonText } from '../common/json-text.js';
import { redisConfig } from '../config/app.config.js';
import { RedisKeys } from '../redis/keys.js';
import { REDIS_CLIENT } from '../redis/redis.constants.js';
import { SessionCache, type SessionKeyOwner } from '../sessions/session.cache.js';
import type { HistoryState } from '../sessions/session-writes.js';
import type { Message } from './message.columns.js';

// A tail larger than this is not kept (a page of it could pass the page's byte bound; Redis memory).
const MAX_TAIL_BYTES = 256 * 1024;

/*
 * The list holds the history's state first ("<lastSeq>.<messageCount>", its ETag's parts), then
 * its latest messages. A state names exactly one history (lastSeq never decreases, and at one
 * lastSeq the count only decreases: history-etag.ts), so a tail is served only when its state is
 * the session row's current one (the session copy, kept exact by its own write-through): a
 * missed, late or failed update of the tail can only make it unused, never wrong.
 *
 * Compare-and-set keeps a slow refill from replacing a newer tail: a state is newer when its
 * lastSeq is larger, or at the same lastSeq its count smaller.
 */
const NEWER = `
local function newer(a, b)
  local al, ac = string.match(a, '^(%d+)%.(%d+)$')
  local bl, bc = string.match(b, '^(%d+)%.(%d+)$')
  if not al or not bl then return false end
  al, ac, bl, bc = tonumber(al), tonumber(ac), tonumber(bl), tonumber(bc)
  return al > bl or (al == bl and ac < bc)
end`;

// KEYS[1]; ARGV: state, ttl, messages...: the whole tail, unless a newer one is there.
const FILL_IF_NEWER = `${NEWER}
local current = redis.call('LINDEX', KEYS[1], 0)
if current and newer(current, ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('RPUSH', KEYS[1], ARGV[1], unpack(ARGV, 3))
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1`;

// KEYS[1]; ARGV: state before, state after, size, ttl, messages...: an append to the tail of the state before only.
const APPEND_IF_AT = `${NEWER}
local current = redis.call('LINDEX', KEYS[1], 0)
if current ~= ARGV[1] then
  -- A tail older than the state before is of no use; one at the state after (a reader's refill) or newer is kept.
  if current and current ~= ARGV[2] and not newer(current, ARGV[2]) then redis.call('DEL', KEYS[1]) end
  return 0
end
redis.call('LPOP', KEYS[1])
redis.call('RPUSH', KEYS[1], unpack(ARGV, 5))
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[3]), -1)
redis.call('LPUSH', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1`;

const stateOf = (state: HistoryState) => `${state.lastSeq}.${state.messageCount}`;

/**
 * The write-through cache of each history's latest messages (HISTORY_TAIL_CACHE_SIZE of them),
 * for the agent's turn: GET .../messages?limit=N (N <= size) without PostgreSQL. Any Redis
 * failure is a miss: PostgreSQL answers.
 */
@Injectable()
export class HistoryTailCache implements SessionKeyOwner {
  private readonly logger = new Logger(HistoryTailCache.name);
  readonly size: number;
  private readonly ttlSeconds: number;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis | null,
    private readonly keys: RedisKeys,
    @Inject(redisConfig.KEY) config: ConfigType<typeof redisConfig>,
    sessions: SessionCache,
  ) {
    this.size = redis ? config.historyTailSize : 0;
    this.ttlSeconds = config.cacheTtlSeconds;
    sessions.alsoPurge(this);
  }

  /** Whether a read of the latest `limit` (before no seq) can be answered from a tail. */
  covers(limit: number): boolean {
    return limit > 0 && limit <= this.size;
  }

  /** The history's latest messages, if the tail is the one of `state` (the session's current counters). */
  async get(id: string, state: HistoryState): Promise<Message[] | null> {
    try {
      const [head, ...encoded] = await this.redis!.lrange(this.keys.historyTail(id), 0, -1);
      if (head !== stateOf(state)) return null;
      return encoded.map((item) => decode(id, item));
    } catch (error) {
      this.failed('get', error);
      return null;
    }
  }

  /** The latest messages of the history at `state`, as read from PostgreSQL (all of them, or the latest `size`). */
  async fill(id: string, state: HistoryState, latest: Message[]): Promise<void> {
    const encoded = latest.slice(-this.size).map(encode);
    if (!this.fits(encoded)) return;
    try {
      await this.redis!.eval(FILL_IF_NEWER, 1, this.keys.historyTail(id), stateOf(state), this.ttlSeconds, ...encoded);
    } catch (error) {
      this.failed('fill', error);
    }
  }

  /** After an append committed: `items` follow the tail of the state before it, if that is the one cached. */
  async appended(id: string, after: HistoryState, items: Message[]): Promise<void> {
    if (!this.size) return;
    const before = { lastSeq: after.lastSeq - items.length, messageCount: after.messageCount - items.length };
    const encoded = items.slice(-this.size).map(encode);
    if (!this.fits(encoded)) return this.forget(id);
    const key = this.keys.historyTail(id);
    try {
      await this.redis!.eval(APPEND_IF_AT, 1, key, stateOf(before), stateOf(after), this.size, this.ttlSeconds, ...encoded);
    } catch (error) {
      this.failed('append', error);
    }
  }

  /** After any other change (pop, clear, replace, a keyed write): the cached tail is of an older state; dropped to save the memory. */
  async forget(id: string): Promise<void> {
    if (!this.size) return;
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
    try {
      await this.redis.del(...ids.flatMap((id) => this.keysOf(id)));
    } catch (error) {
      this.failed('purge', error);
    }
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

// A message as a JSON array of strings and numbers: content and metadata as their exact texts.
function encode(message: Message): string {
  return JSON.stringify([message.id, message.seq, message.role, message.content.text, message.metadata.text, message.createdAt.getTime()]);
}

function decode(sessionId: string, item: string): Message {
  const [id, seq, role, content, metadata, createdAt] = JSON.parse(item);
  return { id, sessionId, seq, role, content: new JsonText(content), metadata: new JsonText(metadata), createdAt: new Date(createdAt) };
}
