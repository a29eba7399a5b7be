const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export const formatDate = (iso: string | null): string => (iso ? dateTime.format(new Date(iso)) : '—');

/** "3 minutes ago" for recent times, the date beyond a day. */
export function formatAgo(iso: string | null, now = Date.now()): string {
  if (!iso) return '—';
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  if (Math.abs(seconds) < 60) return relative.format(seconds, 'second');
  if (Math.abs(seconds) < 3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (Math.abs(seconds) < 86400) return relative.format(Math.round(seconds / 3600), 'hour');
  return formatDate(iso);
}

export const formatCost = (cost: number): string => `$${cost.toFixed(cost !== 0 && cost < 0.01 ? 4 : 2)}`;

/** "1 session", "2 sessions": a count with its noun in the right number. */
export const countOf = (count: number, noun: string, plural = `${noun}s`): string => `${count} ${count === 1 ? noun : plural}`;
