import { Inject, Injectable } from '@nestjs/common';
import { duplicateClient, type RedisClient } from '../redis/redis-client.js';
import { EVENT_RETENTION_SECONDS, RedisKeys } from '../redis/keys.js';
import { REDIS_CLIENT } from '../redis/redis.constants.js';
import type { EventStore, LoggedEvent, NewEvent } from './event-store.js';

/*
 * The event to the feed and, with the same id, to its user's stream, trimmed by Redis's own clock
 * (MINID). The seen key makes a retry idempotent: a timed-out append may still have run.
 * KEYS: feed, user stream, seen key. ARGV: retention ms, key TTL s, user, type, session, data.
 */
const APPEND = `
local seen = redis.call('GET', KEYS[3])
if seen then return seen end
local now = redis.call('TIME')
local minid = string.format('%.0f', tonumber(now[1]) * 1000 - tonumber(ARGV[1]))
local id = redis.call('XADD', KEYS[1], 'MINID', '~', minid, '*', 'user', ARGV[3], 'type', ARGV[4], 'session', ARGV[5], 'data', ARGV[6])
redis.call('XADD', KEYS[2], 'MINID', '~', minid, id, 'type', ARGV[4], 'session', ARGV[5], 'data', ARGV[6])
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
redis.call('SET', KEYS[3], id, 'EX', ARGV[2])
return id`;

type StreamReply = [id: string, fields: string[]][];

/** The only class that reads or writes the event streams (keys from RedisKeys). */
@Injectable()
export class EventLog implements EventStore {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient | null,
    private readonly keys: RedisKeys,
  ) {
    this.redis?.defineCommand('appendEvent', { numberOfKeys: 3, lua: APPEND });
  }

  get enabled(): boolean {
    return this.redis !== null;
  }

  async append(event: NewEvent): Promise<string> {
    const { keys } = this;
    const args = [EVENT_RETENTION_SECONDS * 1000, keys.eventsTtlSeconds, event.userId, event.type, event.sessionId, event.data];
    const command = (this.redis as unknown as Record<string, (...args: unknown[]) => Promise<string>>).appendEvent;
    return command.call(this.redis, keys.eventsFeed(), keys.eventsOfUser(event.userId), keys.eventSeen(event.eventId), ...args);
  }

  async userEventsAfter(userId: string, afterId: string, count: number): Promise<LoggedEvent[]> {
    const reply = (await this.redis!.xrange(this.keys.eventsOfUser(userId), `(${afterId}`, '+', 'COUNT', count)) as StreamReply;
    return reply.map(([id, fields]) => {
      const { type, sessionId, data } = decode(fields);
      return { id, userId, type, sessionId, data };
    });
  }

  async userTail(userId: string, fallback: string): Promise<string> {
    const [latest] = (await this.redis!.xrevrange(this.keys.eventsOfUser(userId), '+', '-', 'COUNT', 1)) as StreamReply;
    return latest?.[0] ?? fallback;
  }

  async feedTail(reader: RedisClient, fallback: string): Promise<string> {
    const [latest] = (await reader.xrevrange(this.keys.eventsFeed(), '+', '-', 'COUNT', 1)) as StreamReply;
    return latest?.[0] ?? fallback;
  }

  /** Blocks up to `blockMs` for feed entries after `afterId`, on the caller's own connection. */
  async readFeed(reader: RedisClient, afterId: string, count: number, blockMs: number): Promise<LoggedEvent[]> {
    const reply = await reader.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', this.keys.eventsFeed(), afterId);
    return (reply?.[0]?.[1] ?? []).map(([id, fields]) => {
      const { user, ...rest } = decode(fields);
      return { ...rest, id, userId: user };
    });
  }

  /** A connection for blocking reads: the shared client must not block, nor time out a 2 s XREAD. */
  blockingConnection(commandTimeoutMs: number): RedisClient {
    return duplicateClient(this.redis!, { commandTimeout: commandTimeoutMs, lazyConnect: true });
  }
}

function decode(fields: string[]): { type: string; sessionId: string; data: string; user: string } {
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) hash[fields[i]] = fields[i + 1];
  return { type: hash.type ?? '', sessionId: hash.session ?? '', data: hash.data ?? '{}', user: hash.user ?? '' };
}
