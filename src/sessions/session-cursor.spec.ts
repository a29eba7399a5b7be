import { InvalidCursorError } from '../common/domain-error.js';
import { decodeCursor, encodeCursor } from './session-cursor.js';

describe('session cursor', () => {
  it('round-trips the position of the last item of a page', () => {
    const session = { id: '3f1c2a9e-0000-4000-8000-00000000abcd', createdAt: new Date('2026-11-25T08:59:08.748Z') };
    const sut = decodeCursor(encodeCursor(session));
    expect(sut).toEqual({ id: session.id, createdAt: session.createdAt });
  });

  it.each(['', 'bogus', Buffer.from('12.not-a-uuid').toString('base64url'), Buffer.from("1.x' OR 1=1").toString('base64url')])(
    'refuses %j as INVALID_CURSOR',
    (cursor) => {
      expect(() => decodeCursor(cursor)).toThrow(InvalidCursorError);
    },
  );
});
