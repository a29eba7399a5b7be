import { VerifiedTokens } from './verified-tokens.js';

describe('VerifiedTokens', () => {
  const alice = { id: 'alice', roles: [] };

  it('answers a token until its expiry, and not from then on', () => {
    const sut = new VerifiedTokens();
    sut.set('t', alice, 1000);
    expect(sut.get('t', 999)).toBe(alice);
    expect(sut.get('t', 1000)).toBeUndefined();
    expect(sut.get('t', 500)).toBeUndefined(); // dropped once seen expired
  });

  it('keeps at most `capacity` tokens, dropping the oldest first', () => {
    const sut = new VerifiedTokens(2);
    sut.set('a', alice, 10_000);
    sut.set('b', alice, 10_000);
    sut.set('c', alice, 10_000);
    expect([sut.get('a', 0), sut.get('b', 0), sut.get('c', 0)]).toEqual([undefined, alice, alice]);
  });

  it('knows nothing of a token it was not given', () => {
    expect(new VerifiedTokens().get('never-seen')).toBeUndefined();
  });
});
