import {
  ACCEPTED_FROM,
  ACTION_TARGET,
  allowedFrom,
  canTransition,
  DELETE_THROUGH_KILL,
  movesTo,
  SESSION_STATUSES,
  type SessionStatus,
  TRANSITIONS,
} from './session-status.js';

// Every (from, to) pair, written out once more by hand: a change to the table must change this too.
const LEGAL = new Set([
  'created>running',
  'created>killed',
  'created>deleted',
  'running>completed',
  'running>failed',
  'running>killed',
  'completed>deleted',
  'failed>deleted',
  'killed>deleted',
]);

const pairs = SESSION_STATUSES.flatMap((from) => SESSION_STATUSES.map((to) => [from, to] as [SessionStatus, SessionStatus]));

describe('session status machine', () => {
  const sut = { TRANSITIONS, canTransition, allowedFrom };

  it('covers all 36 pairs of the six statuses: the table allows exactly the listed ones, and names no other status', () => {
    expect(SESSION_STATUSES).toHaveLength(6);
    expect(Object.keys(sut.TRANSITIONS).sort()).toEqual([...SESSION_STATUSES].sort());
    const tablePairs = Object.entries(sut.TRANSITIONS).flatMap(([from, targets]) => targets.map((to) => `${from}>${to}`));
    expect(tablePairs.every((pair) => pairs.some(([from, to]) => `${from}>${to}` === pair))).toBe(true);
    expect(new Set(tablePairs)).toEqual(LEGAL);
    expect(pairs.filter(([from, to]) => sut.canTransition(from, to))).toHaveLength(LEGAL.size);
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

  it('DELETE reaches a running session only through killed, and every other status directly', () => {
    expect(DELETE_THROUGH_KILL).toEqual({ status: 'killed', from: ['running'], reason: 'session deleted' });
    expect(movesTo('deleted')).toEqual({ from: ['created', 'completed', 'failed', 'killed', 'running'], through: DELETE_THROUGH_KILL });
    expect(movesTo('killed')).toEqual({ from: ['created', 'running'] });
  });

  it("tells clients each action's statuses (the OpenAPI document's x-accepted-from), DELETE through kill included", () => {
    expect(ACCEPTED_FROM).toEqual({
      start: ['created'],
      kill: ['created', 'running'],
      complete: ['running'],
      fail: ['running'],
      delete: ['created', 'completed', 'failed', 'killed', 'running'],
    });
  });
});
