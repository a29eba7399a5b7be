import { InvalidCursorError } from '../common/domain-error.js';

/** Where a search page ended: the last hit's (created_at, session_id, seq), the order of the results. */
export interface SearchPosition {
  /** created_at in UTC to the microsecond, as PostgreSQL wrote it (a JS Date would lose the microseconds) */
  createdAt: string;
  sessionId: string;
  seq: number;
}

const FORMAT = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6})\|([0-9a-f-]{36})\|(\d{1,10})$/;

// Opaque to clients: base64url of "<created_at>|<session id>|<seq>".
export function encodeSearchCursor(position: SearchPosition): string {
  return Buffer.from(`${position.createdAt}|${position.sessionId}|${position.seq}`).toString('base64url');
}

export function decodeSearchCursor(cursor: string): SearchPosition {
  const match = FORMAT.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match || Number(match[3]) > 2 ** 31 - 1 || Number.isNaN(Date.parse(`${match[1]}Z`))) throw new InvalidCursorError();
  return { createdAt: match[1], sessionId: match[2], seq: Number(match[3]) };
}
