/*
 * When a session may be removed (expires_at): at least its TTL T after its last activity (T is
 * ttl_seconds, else the retention, always $1), and at most a lateness S = 1 % of T, capped at an
 * hour, later. A write whose stored expiry already lies in [now + T, now + T + S] keeps it: an
 * UPDATE that sets every indexed column to its old value may be HOT (no new index entries), and
 * sessions_expires_at_idx would otherwise make every append write all of the table's indexes.
 * Otherwise the expiry moves to now + T + S, so the next writes within S keep it again.
 */
const MAX_LATENESS_SECONDS = 3600;

const ttl = (ttlSeconds: string) => `coalesce(${ttlSeconds}, $1::int)`;

/** The latest expiry the rule allows for a session written now: T + S from now. */
export function latestExpiry(ttlSeconds: string): string {
  const seconds = ttl(ttlSeconds);
  return `now() + make_interval(secs => ${seconds} + least(${seconds} / 100.0, ${MAX_LATENESS_SECONDS}))`;
}

/** SET clause of every write to an existing session: the stored expiry kept while it satisfies the rule. */
export const EXPIRY_ON_WRITE = `expires_at = CASE
    WHEN expires_at BETWEEN now() + make_interval(secs => ${ttl('ttl_seconds')}) AND ${latestExpiry('ttl_seconds')} THEN expires_at
    ELSE ${latestExpiry('ttl_seconds')} END`;
