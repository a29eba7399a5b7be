import { PreconditionFailedError } from '../common/domain-error.js';
import { historyEtag, historyStatesOf, requireHistoryMatch } from './history-etag.js';

describe('historyEtag', () => {
  it('gives every state a history can pass through its own tag', () => {
    // append 3, pop, append 1, clear, replace with 2, replace with none: lastSeq and count as the row holds them
    const states = [
      [0, 0],
      [3, 3],
      [3, 2],
      [4, 3],
      [4, 0],
      [6, 2],
      [6, 0],
    ].map(([lastSeq, messageCount]) => historyEtag({ lastSeq, messageCount }));
    expect(new Set(states).size).toBe(states.length);
    expect(states[1]).toBe('"h3.3"');
  });
});

describe('requireHistoryMatch', () => {
  const state = { lastSeq: 7, messageCount: 5 };

  it.each([undefined, '*', ' * ', '"h7.5"', '"h1.1", "h7.5"', 'W/"h7.5", "h7.5"'])('lets %j through', (header) => {
    expect(() => requireHistoryMatch(header, state)).not.toThrow();
  });

  it.each(['"h7.4"', 'W/"h7.5"', '"7"', 'h7.5', '', '"h7.5'])('refuses %j with 412 and the current tag', (header) => {
    const refused = (() => {
      try {
        requireHistoryMatch(header, state);
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(PreconditionFailedError);
    expect(refused).toMatchObject({ status: 412, details: { currentEtag: '"h7.5"' } });
  });
});

describe('historyStatesOf (If-Match folded into the WHERE of an append)', () => {
  it('names the states of the strong history tags listed, and any state for *', () => {
    expect(historyStatesOf('*')).toBeUndefined();
    expect(historyStatesOf('"h7.5", "h0.0"')).toEqual([
      { lastSeq: 7, messageCount: 5 },
      { lastSeq: 0, messageCount: 0 },
    ]);
  });

  it.each(['W/"h7.5"', '"7"', 'h7.5', '', '"h7.5', '"h2147483648.1"', '"h99999999999.1"'])(
    'names no state for %j (a 412 without a write)',
    (header) => {
      expect(historyStatesOf(header)).toEqual([]);
    },
  );

  it('agrees with requireHistoryMatch on whether a state matches', () => {
    const state = { lastSeq: 7, messageCount: 5 };
    for (const header of ['"h7.5"', '"h7.4", "h7.5"', '"h7.4"', 'W/"h7.5"', '"1"']) {
      const folded = historyStatesOf(header)!.some((s) => s.lastSeq === state.lastSeq && s.messageCount === state.messageCount);
      const checked = (() => {
        try {
          requireHistoryMatch(header, state);
          return true;
        } catch {
          return false;
        }
      })();
      expect(folded).toBe(checked);
    }
  });
});
