import { LRUCache } from 'lru-cache';
import { type HistoryState, isNewerState } from '../sessions/history-etag.js';
import type { Message } from './message.columns.js';

/** A message and its size in the tail's accounting (the length of its encoded text). */
export interface SizedMessage {
  message: Message;
  bytes: number;
}

export interface NearTailBounds {
  /** Messages per tail: the latest this many are kept. */
  size: number;
  /** A tail over this many bytes is not kept (the same bound as the Redis tail's). */
  maxTailBytes: number;
  /** Tails kept at most, and their bytes in all. */
  maxEntries: number;
  maxBytes: number;
}

interface Entry {
  state: HistoryState;
  messages: readonly Message[];
  sizes: readonly number[];
  bytes: number;
}

// A state check makes this exact; the TTL only caps the cost of a bug.
const ENTRY_TTL_MS = 30_000;
// What an entry costs besides its messages' text (lru-cache also needs a size above 0 for an empty history).
const ENTRY_OVERHEAD_BYTES = 64;

const sameState = (a: HistoryState, b: HistoryState) => a.lastSeq === b.lastSeq && a.messageCount === b.messageCount;

/**
 * This process's copy of each history's latest messages, the newest state it saw. A state names
 * exactly one history content, so a copy is served only when its state is the one asked for (the
 * session's current state) and is then right whatever another instance or Redis did meanwhile: no
 * invalidation is needed, a copy of an older state is simply never served. The arrays handed out
 * are frozen (a caller cannot change what the next reader gets); messages are immutable values.
 */
export class HistoryNearTail {
  private readonly entries: LRUCache<string, Entry>;

  constructor(private readonly bounds: NearTailBounds) {
    this.entries = new LRUCache<string, Entry>({
      max: bounds.maxEntries,
      maxSize: bounds.maxBytes,
      sizeCalculation: (entry) => entry.bytes + ENTRY_OVERHEAD_BYTES,
      ttl: ENTRY_TTL_MS,
    });
  }

  /** The latest messages of the history at `state`, if this copy is of that state. */
  get(id: string, state: HistoryState): readonly Message[] | undefined {
    const entry = this.entries.get(id);
    return entry && sameState(entry.state, state) ? entry.messages : undefined;
  }

  /** The latest messages of the history at `state` (all of them, or at least `size`); kept unless a newer state is. */
  set(id: string, state: HistoryState, latest: readonly SizedMessage[]): void {
    if (!this.bounds.size) return;
    const current = this.entries.peek(id);
    if (current && isNewerState(current.state, state)) return;
    this.keep(id, state, latest.slice(-this.bounds.size));
  }

  /**
   * `items` were appended to the history at `before`, and the cap cut every message through
   * `trimmedThroughSeq` (0: none), giving `after`: the copy of `before` is carried over, any older one dropped.
   */
  appended(id: string, before: HistoryState, after: HistoryState, items: readonly SizedMessage[], trimmedThroughSeq = 0): void {
    if (!this.bounds.size) return;
    const current = this.entries.peek(id);
    if (!current) return;
    if (!sameState(current.state, before)) {
      // One at `after` (a reader's refill) or newer is kept; an older one is of no use.
      if (!sameState(current.state, after) && !isNewerState(current.state, after)) this.entries.delete(id);
      return;
    }
    const kept = current.messages.map((message, n) => ({ message, bytes: current.sizes[n] }));
    const held = [...kept, ...items].filter((item) => item.message.seq > trimmedThroughSeq);
    this.keep(id, after, held.slice(-this.bounds.size));
  }

  delete(id: string): void {
    this.entries.delete(id);
  }

  private keep(id: string, state: HistoryState, latest: readonly SizedMessage[]): void {
    let bytes = 0;
    for (const item of latest) bytes += item.bytes;
    if (bytes > this.bounds.maxTailBytes) return void this.entries.delete(id);
    const messages = Object.freeze(latest.map((item) => item.message));
    const sizes = Object.freeze(latest.map((item) => item.bytes));
    this.entries.set(id, { state: { lastSeq: state.lastSeq, messageCount: state.messageCount }, messages, sizes, bytes });
  }
}
