import { PreconditionFailedError } from '../common/domain-error.js';
import { historyEtag, requireHistoryMatch } from './history-etag.js';

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
