import { staleTiming } from './stale-timing.js';

describe('staleTiming', () => {
  const sut = staleTiming;

  it.each([1, 2, 4, 60, 86400])(
    'with RUNNING_STALE_AFTER_SECONDS=%i, a lost worker is caught within the bound and a live one never is',
    (stale) => {
      const { heartbeatMs, silentSeconds, sweepMs } = sut(stale);
      // Worst case: the worker beat just before dying, then silence, then a sweep that just missed it.
      expect(silentSeconds * 1000 + sweepMs).toBeLessThan(stale * 1000);
      // A live worker beats several times inside the silence allowed.
      expect(heartbeatMs * 4).toBeLessThanOrEqual(silentSeconds * 1000);
    },
  );
});
