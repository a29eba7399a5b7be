import { MAX_REUSE_MS, VerifiedTokens } from './verified-tokens.js';

describe('VerifiedTokens', () => {
  const alice = { id: 'alice', roles: [] };
  // lru-cache treats a start time of 0 as "no start": the fake clock starts later.
  const T0 = 1_000_000;
  const clock = { ms: T0, now: () => clock.ms };
  beforeEach(() => (clock.ms = T0));

  it('answers a token until its expiry, and not from then on', () => {
    const sut = new VerifiedTokens(10, clock);
    sut.set('t', alice, T0 + 1000, T0);
    clock.ms = T0 + 999;
    expect(sut.get('t')).toBe(alice);
    clock.ms = T0 + 1001; // lru-cache's staleness is `age > ttl`, at a resolution of 1 ms
    expect(sut.get('t')).toBeUndefined();
    clock.ms = T0 + 500;
    expect(sut.get('t')).toBeUndefined(); // dropped once seen expired
  });

  it('reuses a token for at most MAX_REUSE_MS, however far its expiry', () => {
    const sut = new VerifiedTokens(10, clock);
    sut.set('t', alice, Number.MAX_SAFE_INTEGER, T0);
    clock.ms = T0 + MAX_REUSE_MS - 1;
    expect(sut.get('t')).toBe(alice);
    clock.ms = T0 + MAX_REUSE_MS + 1;
    expect(sut.get('t')).toBeUndefined();
  });

  it('keeps at most `capacity` tokens, dropping the oldest first', () => {
    const sut = new VerifiedTokens(2, clock);
    sut.set('a', alice, T0 + 10_000, T0);
    sut.set('b', alice, T0 + 10_000, T0);
    sut.set('c', alice, T0 + 10_000, T0);
    expect([sut.get('a'), sut.get('b'), sut.get('c')]).toEqual([undefined, alice, alice]);
  });

  it('knows nothing of a token it was not given', () => {
    expect(new VerifiedTokens().get('never-seen')).toBeUndefined();
  });
});
