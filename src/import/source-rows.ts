import { RowRefused } from './import-source.js';

const JSON_SPACE = /^[ \t\n\r]+|[ \t\n\r]+$/g;

/** A stored JSON text as the store keeps it: valid JSON, with no whitespace around it (else the row is refused). */
export function jsonTextOf(text: unknown, what: string): string {
  return parsedJsonText(text, what).text;
}

function parsedJsonText(text: unknown, what: string): { text: string; value: unknown } {
  if (typeof text !== 'string') throw new RowRefused(`${what} is not text`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RowRefused(`${what} is not JSON`);
  }
  return { text: text.replace(JSON_SPACE, ''), value };
}

/** The service's rule for `role`: 1..64 characters, no control characters, no lone surrogates. */
export function isRole(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= 64 && !/[\p{Cc}\p{Cs}]/u.test(value);
}

/**
 * An Agents SDK item as a message (parsed once): its JSON text as the content, and as role what
 * AgentsSession and the Python client write: the item's role, else its type, else `item`.
 */
export function agentItemOf(text: unknown, what: string): { content: string; role: string } {
  const { text: content, value } = parsedJsonText(text, what);
  const item = value as { role?: unknown; type?: unknown } | null;
  const role = item === null || typeof item !== 'object' ? 'item' : ([item.role, item.type].find(isRole) ?? 'item');
  return { content, role };
}

/**
 * A time as SQLite keeps it: CURRENT_TIMESTAMP's `YYYY-MM-DD HH:MM:SS` (UTC) or ISO 8601 text
 * (UTC when it names no zone, as Python's datetime.utcnow().isoformat() writes it). Null when absent.
 */
export function timeOf(value: unknown, what: string): Date | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value !== 'string') throw new RowRefused(`${what} is not a time`);
  const iso = value.trim().replace(' ', 'T');
  const zoned = /(Z|[+-]\d\d:?\d\d)$/i.test(iso) ? iso : `${iso}Z`;
  const time = new Date(zoned);
  if (Number.isNaN(time.getTime())) throw new RowRefused(`${what} is not a time: ${value.slice(0, 40)}`);
  return time;
}
