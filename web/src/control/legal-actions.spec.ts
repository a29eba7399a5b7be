import { describe, expect, it } from '@jest/globals';
import { legalActions } from './legal-actions';

describe('legalActions', () => {
  it.each([
    ['created', ['start', 'kill', 'delete']],
    ['running', ['kill', 'delete']],
    ['completed', ['delete']],
    ['failed', ['delete']],
    ['killed', ['delete']],
    ['deleted', []],
  ] as const)('offers from %s: %j', (status, actions) => {
    expect(legalActions(status)).toEqual(actions);
  });
});
