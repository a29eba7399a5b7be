import { Redis } from 'ioredis';
import type { ImportedMessage } from '../../messages/history-imports.js';
import { type ImportSource, RowRefused, type SourceEntry, SourceUnavailableError } from '../import-source.js';
import { agentItemOf } from '../source-rows.js';
import { sourceName, withoutPassword } from './source-name.js';

export const DEFAULT_KEY_PREFIX = 'agents:session';

// Sessions read per round trip (one pipeline of HGETALL + LRANGE each).
const READ_BATCH = 200;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Histories written by the Agents SDK's RedisSession (openai-agents, extensions/memory):
 * `<prefix>:<session_id>` a hash with `session_id`, `created_at` and `updated_at` (Unix seconds),
 * `<prefix>:<session_id>:messages` a list of items, each the compact json.dumps text of what
 * get_items() returns, oldest first (RPUSH), and `<prefix>:<session_id>:counter`. Sessions are
 * found by SCAN over the prefix, read in session id order. A list with no session hash beside it
 * is refused under its session id, as the SQLite source refuses messages without a session row.
 */
export class AgentsRedisSource implements ImportSource {
  readonly name: string;
  private sessions: string[] = [];
  private orphans: string[] = [];

  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    url: string,
  ) {
    this.name = sourceName('agents-redis', withoutPassword(url), [[prefix, DEFAULT_KEY_PREFIX]]);
  }

  static async open(url: string, prefix: string): Promise<AgentsRedisSource> {
    let redis: Redis;
    try {
      redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, connectTimeout: 10_000 });
      redis.on('error', () => {}); // a failed command says it; the client's own event would only repeat it
      await redis.connect();
    } catch (error) {
      throw new SourceUnavailableError(`cannot open Redis at ${withoutPassword(url)}: ${(error as Error).message}`);
    }
    const source = new AgentsRedisSource(redis, prefix, url);
    try {
      await source.scan();
    } catch (error) {
      redis.disconnect();
      throw new SourceUnavailableError(`cannot read Redis at ${withoutPassword(url)}: ${(error as Error).message}`);
    }
    return source;
  }

  /** Every key under the prefix; a session is a hash whose messages list (if any) sits beside it. */
  private async scan(): Promise<void> {
    const start = `${this.prefix}:`;
    const keys: string[] = [];
    for await (const page of this.redis.scanStream({ match: `${globEscape(start)}*`, count: 1000 }) as AsyncIterable<string[]>)
      keys.push(...page);
    const types = await this.pipelined(keys, (pipe, key) => pipe.type(key));
    const hashes = new Set<string>();
    const lists: string[] = [];
    keys.forEach((key, index) => {
      const rest = key.slice(start.length);
      if (types[index] === 'hash') hashes.add(rest);
      else if (types[index] === 'list' && rest.endsWith(':messages')) lists.push(rest.slice(0, -':messages'.length));
    });
    const owned = await this.pipelined([...hashes], (pipe, id) => pipe.hexists(`${start}${id}`, 'session_id'));
    this.sessions = [...hashes].filter((_, index) => owned[index] === 1).sort();
    const sessions = new Set(this.sessions);
    this.orphans = lists.filter((id) => !sessions.has(id)).sort();
  }

  total(): Promise<number> {
    return Promise.resolve(this.sessions.length + this.orphans.length);
  }

  async *entries(): AsyncIterable<SourceEntry> {
    for (let from = 0; from < this.sessions.length; from += READ_BATCH) {
      const ids = this.sessions.slice(from, from + READ_BATCH);
      const pipe = this.redis.pipeline();
      for (const id of ids) pipe.hgetall(this.key(id)).lrangeBuffer(this.key(id, 'messages'), 0, -1);
      const replies = replied(await pipe.exec());
      for (const [index, id] of ids.entries()) {
        const hash = replies[2 * index] as Record<string, string>;
        const items = replies[2 * index + 1] as Buffer[];
        yield entryOf(id, hash, items);
      }
    }
    const lengths = await this.pipelined(this.orphans, (pipe, id) => pipe.llen(this.key(id, 'messages')));
    for (const [index, id] of this.orphans.entries())
      yield {
        refused: { id, messages: lengths[index] as number, reason: `no session: ${this.key(id, 'messages')} has no hash ${this.key(id)}` },
      };
  }

  close(): Promise<void> {
    this.redis.disconnect();
    return Promise.resolve();
  }

  private key(id: string, part?: string): string {
    return part ? `${this.prefix}:${id}:${part}` : `${this.prefix}:${id}`;
  }

  private async pipelined<T>(values: T[], command: (pipe: ReturnType<Redis['pipeline']>, value: T) => unknown): Promise<unknown[]> {
    const results: unknown[] = [];
    for (let from = 0; from < values.length; from += 1000) {
      const pipe = this.redis.pipeline();
      for (const value of values.slice(from, from + 1000)) command(pipe, value);
      results.push(...replied(await pipe.exec()));
    }
    return results;
  }
}

function entryOf(id: string, hash: Record<string, string>, items: Buffer[]): SourceEntry {
  try {
    const updatedAt = unixTime(hash.updated_at, 'updated_at');
    return {
      session: {
        id,
        createdAt: unixTime(hash.created_at, 'created_at'),
        updatedAt,
        // Items carry no time of their own: each was there by the session's last write.
        messages: items.map((item, index) => toMessage(item, index, updatedAt)),
      },
    };
  } catch (error) {
    if (!(error instanceof RowRefused)) throw error;
    return { refused: { id, messages: items.length, reason: error.message } };
  }
}

/**
 * The item's text as stored. get_items() there skips an item that is not UTF-8 or not JSON; here
 * the session is refused whole instead, naming the item, so nothing is silently left behind.
 */
function toMessage(item: Buffer, index: number, createdAt: Date | null): ImportedMessage {
  let text: string;
  try {
    text = UTF8.decode(item);
  } catch {
    throw new RowRefused(`item ${index + 1} is not UTF-8`);
  }
  return { ...agentItemOf(text, `item ${index + 1}`), metadata: '{}', createdAt };
}

/** RedisSession writes str(int(time.time())). */
function unixTime(value: string | undefined, what: string): Date | null {
  if (value === undefined || value === '') return null;
  if (!/^\d{1,12}$/.test(value)) throw new RowRefused(`${what} is not a Unix time: ${value.slice(0, 40)}`);
  return new Date(Number(value) * 1000);
}

function replied(results: Array<[Error | null, unknown]> | null): unknown[] {
  if (!results) throw new Error('the pipeline was not run');
  const failed = results.find(([error]) => error);
  if (failed) throw failed[0]!;
  return results.map(([, value]) => value);
}

function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
