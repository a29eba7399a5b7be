import { compareEventIds, isEventId } from './event-id.js';

describe('event ids', () => {
  it('accepts only <ms>-<seq>', () => {
    expect(isEventId('1718000000000-0')).toBe(true);
    for (const bad of ['', '1718000000000', '-1-0', '1-0-0', 'abc-1', '1-x', '1 -0', '12345678901234567-0'])
      expect(isEventId(bad)).toBe(false);
  });

  it('orders by time, then by sequence, numerically', () => {
    expect(compareEventIds('9-0', '10-0')).toBeLessThan(0);
    expect(compareEventIds('10-2', '10-10')).toBeLessThan(0);
    expect(compareEventIds('10-10', '10-2')).toBeGreaterThan(0);
    expect(compareEventIds('10-3', '10-3')).toBe(0);
  });
});
