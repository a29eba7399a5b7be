import { LRUCache } from 'lru-cache';
import type { AuthUser } from './auth-user.js';

// A token whose key is rotated out, or whose user loses a role, is still answered from here for at
// most this long.
export const MAX_REUSE_MS = 5 * 60_000;

/**
 * Tokens already verified, until they expire. Agents send the same bearer token on every turn,
 * and verifying it (HMAC, base64, JSON) was the largest cost of a cached GET: a token string
 * that verified once verifies again until its `exp` (at most MAX_REUSE_MS), so the answer is
 * reused. Bounded: the least recently used entry goes first.
 */
export class VerifiedTokens {
  private readonly entries: LRUCache<string, AuthUser>;

  /** `perf` replaces the clock in unit tests only. */
  constructor(capacity = 10_000, perf?: { now(): number }) {
    this.entries = new LRUCache<string, AuthUser>({ max: capacity, ttl: MAX_REUSE_MS, ...(perf && { perf, ttlResolution: 0 }) });
  }

  get(token: string): AuthUser | undefined {
    return this.entries.get(token);
  }

  set(token: string, user: AuthUser, expiresAtMs: number, nowMs = Date.now()): void {
    const ttl = Math.min(expiresAtMs - nowMs, MAX_REUSE_MS);
    if (ttl > 0) this.entries.set(token, user, { ttl });
  }
}
