import { SESSION_STATUSES, type SessionStatus } from '../sessions/session-status.js';
import { ACTION_TARGET, allowedFrom, canTransition, TRANSITIONS } from './session-status.machine.js';

// Every (from, to) pair, written out once more by hand: a change to the table must change this too.
const LEGAL = new Set([
  'created>running', 'created>killed', 'created>deleted',
  'running>completed', 'running>failed', 'running>killed',
  'completed>deleted', 'failed>deleted', 'killed>deleted',
]);

const pairs = SESSION_STATUSES.flatMap((from) => SESSION_STATUSES.map((to) => [from, to] as [SessionStatus, SessionStatus]));

describe('session status machine', () => {
  const sut = { TRANSITIONS, canTransition, allowedFrom };

  it('covers all 36 pairs of the six statuses', () => {
    expect(pairs).toHaveLength(36);
    expect(Object.keys(sut.TRANSITIONS).sort()).toEqual([...SESSION_STATUSES].sort());
  });

  it.each(pairs)('%s -> %s is legal only if listed', (from, to) => {
    expect(sut.canTransition(from, to)).toBe(LEGAL.has(`${from}>${to}`));
  });

  it('never stays in place and never leaves deleted', () => {
    for (const status of SESSION_STATUSES) expect(sut.canTransition(status, status)).toBe(false);
    expect(sut.TRANSITIONS.deleted).toEqual([]);
  });

  it.each(SESSION_STATUSES)('allowedFrom(%s) is exactly the statuses that may move there', (to) => {
    const expected = SESSION_STATUSES.filter((from) => LEGAL.has(`${from}>${to}`));
    expect(sut.allowedFrom(to).sort()).toEqual([...expected].sort());
  });

  it('maps the routes to their targets: start only from created, complete and fail only from running', () => {
    expect(sut.allowedFrom(ACTION_TARGET.start)).toEqual(['created']);
    expect(sut.allowedFrom(ACTION_TARGET.kill)).toEqual(['created', 'running']);
    expect(sut.allowedFrom(ACTION_TARGET.complete)).toEqual(['running']);
    expect(sut.allowedFrom(ACTION_TARGET.fail)).toEqual(['running']);
    expect(sut.allowedFrom(ACTION_TARGET.delete)).toEqual(['created', 'completed', 'failed', 'killed']);
  });
});
