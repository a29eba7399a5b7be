import { BinaryCopy, postgresMicros } from './binary-copy.js';

describe('BinaryCopy', () => {
  it('writes the signature, a row of length-prefixed fields and the trailer', () => {
    const sut = new BinaryCopy(1);
    sut
      .row(4)
      .uuid('00112233-4455-6677-8899-aabbccddeeff')
      .int(-2)
      .text('é"\\\n')
      .micros(postgresMicros(new Date('2000-01-01T00:00:01.5Z')));
    const bytes = sut.end();
    expect(bytes.subarray(0, 19).toString('hex')).toBe('5047434f50590aff0d0a00' + '00000000' + '00000000');
    const row = bytes.subarray(19);
    expect(row.readInt16BE(0)).toBe(4);
    expect(row.readInt32BE(2)).toBe(16);
    expect(row.subarray(6, 22).toString('hex')).toBe('00112233445566778899aabbccddeeff');
    expect([row.readInt32BE(22), row.readInt32BE(26)]).toEqual([4, -2]);
    // A text goes as its UTF-8 bytes, quotes, backslashes and newlines as they are.
    expect(row.readInt32BE(30)).toBe(5);
    expect(row.subarray(34, 39).toString('utf8')).toBe('é"\\\n');
    expect([row.readInt32BE(39), row.readBigInt64BE(43)]).toEqual([8, 1_500_000n]);
    expect(row.readInt16BE(51)).toBe(-1);
    expect(row.length).toBe(53);
  });
});
