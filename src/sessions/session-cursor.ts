import { InvalidCursorError } from '../common/domain-error.js';
import type { Session } from './session.columns.js';

// Opaque to clients: base64url of "<createdAt ms>.<id>" of the last item of a page.
export function encodeCursor(session: Pick<Session, 'createdAt' | 'id'>): string {
  return Buffer.from(`${session.createdAt.getTime()}.${session.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const match = /^(\d{1,15})\.([0-9a-f-]{36})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new InvalidCursorError();
  return { createdAt: new Date(Number(match[1])), id: match[2] };
}
