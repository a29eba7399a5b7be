import { describe, expect, it } from '@jest/globals';
import { isWaitingForWorker } from './session-state';

describe('isWaitingForWorker', () => {
  it('is a running session no worker claimed yet, and nothing else', () => {
    expect(isWaitingForWorker({ status: 'running', claimedAt: null })).toBe(true);
    expect(isWaitingForWorker({ status: 'running', claimedAt: '2025-01-01T12:00:00.000Z' })).toBe(false);
    expect(isWaitingForWorker({ status: 'created', claimedAt: null })).toBe(false);
    expect(isWaitingForWorker({ status: 'killed', claimedAt: null })).toBe(false);
  });
});
