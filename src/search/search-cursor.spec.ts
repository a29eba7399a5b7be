import { InvalidCursorError } from '../common/domain-error.js';
import { decodeSearchCursor, encodeSearchCursor } from './search-cursor.js';

describe('search cursor', () => {
  it('round-trips the position of the last hit of a page, to the microsecond', () => {
    const position = { createdAt: '2026-12-07T18:30:01.123456', sessionId: '3f1c2a9e-0000-4000-8000-00000000abcd', seq: 42 };
    const sut = decodeSearchCursor(encodeSearchCursor(position));
    expect(sut).toEqual(position);
  });

  it.each([
    '',
    'bogus',
    Buffer.from('2026-12-07T18:30:01.123456|not-a-uuid|1').toString('base64url'),
    Buffer.from('2026-13-45T18:30:01.123456|3f1c2a9e-0000-4000-8000-00000000abcd|1').toString('base64url'),
    Buffer.from('2026-12-07T18:30:01.123456|3f1c2a9e-0000-4000-8000-00000000abcd|9999999999').toString('base64url'),
    Buffer.from("1|x' OR 1=1|1").toString('base64url'),
  ])('refuses %j as INVALID_CURSOR', (cursor) => {
    expect(() => decodeSearchCursor(cursor)).toThrow(InvalidCursorError);
  });
});
