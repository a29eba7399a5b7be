/*
 * A session expires between T (ttl_seconds, else the retention $1) and T + S (S = 1 % of T, at most
 * an hour) after its last activity. A write whose stored expiry is still in that window keeps it,
 * so the UPDATE can be HOT instead of writing every index (docs/speed.md, "HOT appends").
 */
const MAX_LATENESS_SECONDS = 3600;

const ttl = (ttlSeconds: string) => `coalesce(${ttlSeconds}, $1::int)`;

/** The latest expiry the rule allows for a session written now: T + S from now. */
export function latestExpiry(ttlSeconds: string): string {
  const seconds = ttl(ttlSeconds);
  return `now() + make_interval(secs => ${seconds} + least(${seconds} / 100.0, ${MAX_LATENESS_SECONDS}))`;
}

/** The stored expiry satisfies the rule for a session written now: it need not move. */
export const EXPIRY_IS_CURRENT = `expires_at BETWEEN now() + make_interval(secs => ${ttl('ttl_seconds')}) AND ${latestExpiry('ttl_seconds')}`;

/** SET clause of every write to an existing session: the stored expiry kept while it satisfies the rule. */
export const EXPIRY_ON_WRITE = `expires_at = CASE
    WHEN ${EXPIRY_IS_CURRENT} THEN expires_at
    ELSE ${latestExpiry('ttl_seconds')} END`;

/**
 * EXPIRY_IS_CURRENT on a copy of the row (the cache's), so a read that counts as activity
 * (EXPIRY_SLIDES_ON_READ) asks PostgreSQL only when the expiry must move; the statement that moves
 * it checks the rule again on the row itself.
 */
export function expiryIsCurrent(session: { ttlSeconds: number | null; expiresAt: Date }, retentionSeconds: number, now: number): boolean {
  const seconds = session.ttlSeconds ?? retentionSeconds;
  const lateness = Math.min(seconds / 100, MAX_LATENESS_SECONDS);
  const expiresAt = session.expiresAt.getTime();
  return expiresAt >= now + seconds * 1000 && expiresAt <= now + (seconds + lateness) * 1000;
}
