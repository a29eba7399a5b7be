import type { AuthUser } from './auth-user.js';

/**
 * Tokens already verified, until they expire. Agents send the same bearer token on every turn,
 * and verifying it (HMAC, base64, JSON) was the largest cost of a cached GET: a token string
 * that verified once verifies again until its `exp`, so the answer is reused. Bounded: the
 * oldest entry goes first.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, { user: AuthUser; expiresAtMs: number }>();

  constructor(private readonly capacity = 10_000) {}

  get(token: string, nowMs = Date.now()): AuthUser | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= nowMs) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.user;
  }

  set(token: string, user: AuthUser, expiresAtMs: number): void {
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { user, expiresAtMs });
  }
}
