import { LRUCache } from 'lru-cache';
import type { Session } from './session.columns.js';

const CAPACITY = 10_000;
// Invalidations make this exact; the bound only caps the cost of a bug.
const ENTRY_TTL_MS = 30_000;

/** What a fill must present: taken before the Redis read, it proves no change was announced since. */
export interface FillTicket {
  epoch: number;
  seq: number;
}

/**
 * The in-process copy in front of Redis, kept exact by Redis's key-change announcements
 * (KeyInvalidations). A copy read from Redis is kept only if no change of that key was announced
 * while the read was in flight; otherwise the announcement could have overtaken the reply.
 */
export class SessionNearCache {
  private readonly entries = new LRUCache<string, Session>({ max: CAPACITY, ttl: ENTRY_TTL_MS });
  private readonly announced = new Map<string, number>();
  private epoch = 0;

  get(id: string): Session | undefined {
    return this.entries.get(id);
  }

  ticket(id: string): FillTicket {
    return { epoch: this.epoch, seq: this.announced.get(id) ?? 0 };
  }

  fill(session: Session, ticket: FillTicket): void {
    if (ticket.epoch !== this.epoch || (this.announced.get(session.id) ?? 0) !== ticket.seq) return;
    this.entries.set(session.id, session);
  }

  /** These sessions changed (or, with null, anything may have): their copies go. */
  invalidate(ids: string[] | null): void {
    if (ids === null || this.announced.size > CAPACITY * 4) {
      this.entries.clear();
      this.announced.clear();
      this.epoch++;
      return;
    }
    for (const id of ids) {
      this.entries.delete(id);
      this.announced.set(id, (this.announced.get(id) ?? 0) + 1);
    }
  }
}
