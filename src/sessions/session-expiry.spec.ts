import { expiryIsCurrent } from './session-expiry.sql.js';

describe('expiryIsCurrent (the writes’ rule, on a copy of the row)', () => {
  const now = Date.parse('2026-12-07T12:00:00Z');
  const at = (secondsFromNow: number) => new Date(now + secondsFromNow * 1000);

  it.each([
    [100, 99.9, false], // below now + T: would expire early
    [100, 100, true],
    [100, 101, true], // S = 1 % of T
    [100, 101.1, false], // beyond now + T + S: would expire late
  ])('ttlSeconds %d, expiry in %d s: %s', (ttlSeconds, expiresIn, current) => {
    expect(expiryIsCurrent({ ttlSeconds, expiresAt: at(expiresIn) }, 86400, now)).toBe(current);
  });

  it('uses the retention when the session has no TTL, with the lateness capped at an hour', () => {
    const retention = 30 * 86400;
    expect(expiryIsCurrent({ ttlSeconds: null, expiresAt: at(retention + 3600) }, retention, now)).toBe(true);
    expect(expiryIsCurrent({ ttlSeconds: null, expiresAt: at(retention + 3601) }, retention, now)).toBe(false);
  });
});
