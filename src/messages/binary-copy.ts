/*
 * Rows in PostgreSQL's binary COPY format (the COPY page of its manual, "Binary Format"): each
 * field is its length and its bytes, so a text goes as its UTF-8 bytes, nothing escaped or
 * quoted, and a json column receives exactly those bytes (json's binary input is its text).
 */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/** Rows of fields, written in the table's column order of the COPY statement; header and trailer included. */
export class BinaryCopy {
  private buffer: Buffer;
  private at = 0;

  constructor(sizeHint: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(sizeHint, 64));
    this.put(SIGNATURE.length).set(SIGNATURE, this.at);
    this.at += SIGNATURE.length;
    this.int32(0); // flags
    this.int32(0); // header extension length
  }

  row(fields: number): this {
    this.put(2).writeInt16BE(fields, this.at);
    this.at += 2;
    return this;
  }

  text(value: string): this {
    const length = Buffer.byteLength(value);
    this.int32(length);
    this.put(length).write(value, this.at, 'utf8');
    this.at += length;
    return this;
  }

  int(value: number): this {
    this.int32(4);
    this.int32(value);
    return this;
  }

  uuid(value: string): this {
    this.int32(16);
    this.put(16).write(value.replace(/-/g, ''), this.at, 'hex');
    this.at += 16;
    return this;
  }

  /** A timestamptz: microseconds since 2000-01-01 UTC. */
  micros(value: bigint): this {
    this.int32(8);
    this.put(8).writeBigInt64BE(value, this.at);
    this.at += 8;
    return this;
  }

  /** The whole COPY data: the rows and the trailer. */
  end(): Buffer {
    this.put(2).writeInt16BE(-1, this.at);
    this.at += 2;
    return this.buffer.subarray(0, this.at);
  }

  private int32(value: number): void {
    this.put(4).writeInt32BE(value, this.at);
    this.at += 4;
  }

  /** The buffer, grown when `bytes` more would not fit. */
  private put(bytes: number): Buffer {
    if (this.at + bytes > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.at + bytes));
      this.buffer.copy(grown, 0, 0, this.at);
      this.buffer = grown;
    }
    return this.buffer;
  }
}

const POSTGRES_EPOCH_MS = 946_684_800_000;

/** A time as a binary timestamptz's microseconds since PostgreSQL's epoch (2000-01-01 UTC). */
export function postgresMicros(time: Date): bigint {
  return BigInt(time.getTime() - POSTGRES_EPOCH_MS) * 1000n;
}
