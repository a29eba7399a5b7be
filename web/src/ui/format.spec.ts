import { describe, expect, it } from '@jest/globals';
import { countOf, formatAgo } from './format';

describe('countOf', () => {
  it('says one in the singular, every other count in the plural', () => {
    expect(countOf(1, 'session')).toBe('1 session');
    expect(countOf(0, 'session')).toBe('0 sessions');
    expect(countOf(60, 'session')).toBe('60 sessions');
    expect(countOf(2, 'reply', 'replies')).toBe('2 replies');
  });
});

describe('formatAgo', () => {
  const at = Date.parse('2025-01-01T12:00:00Z');
  const iso = new Date(at).toISOString();

  it('reads seconds, then minutes, then hours from the given now', () => {
    expect(formatAgo(iso, at + 5_000)).toMatch(/5 seconds ago/);
    expect(formatAgo(iso, at + 3 * 60_000)).toMatch(/3 minutes ago/);
    expect(formatAgo(iso, at + 2 * 3600_000)).toMatch(/2 hours ago/);
    expect(formatAgo(null, at)).toBe('—');
  });
});
