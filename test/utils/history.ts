import type { Response } from 'supertest';
import type { Api } from '../factories/api.factory.js';
import { withSql } from './sql.js';

/**
 * A history of `count` messages of `chars` characters each, built in SQL (minutes through the
 * API for the review's 560 x 1 MiB), with each message's size and the session row's counters set
 * as appends set them. The last message goes through the API, so the cached session row is the
 * committed one.
 */
export async function seedHistory(api: Api, sessionId: string, count: number, chars: number): Promise<void> {
  await withSql(async (client) => {
    await client.query(
      `INSERT INTO messages (session_id, seq, role, content, metadata, text_bytes)
       SELECT $1, g, 'user', m.content, m.metadata, octet_length(m.content::text) + octet_length(m.metadata::text)
       FROM generate_series(1, $2::int) AS g,
         LATERAL (SELECT to_jsonb(repeat(chr(97 + g % 26), $3)) AS content, jsonb_build_object('n', g) AS metadata) AS m`,
      [sessionId, count - 1, chars],
    );
    await client.query(`UPDATE sessions SET last_seq = $2, message_count = $2 WHERE id = $1`, [sessionId, count - 1]);
  });
  await api.post(`/sessions/${sessionId}/messages`, { role: 'user', content: 'z'.repeat(chars), metadata: { n: count } }).expect(201);
}

/** What a streamed answer held, counted as it arrived: nothing of it is kept but its seqs and ends. */
export interface StreamedHistory {
  bytes: number;
  seqs: number[];
  head: string;
  tail: string;
}

const SEQ = /"seq":(\d+),/g;
const CARRY = 64;

/**
 * A supertest parser that reads a `limit=all` answer chunk by chunk, so the test never holds
 * hundreds of MiB: it counts bytes and collects every `"seq":n,` (a match split across two chunks
 * is found in the carried-over end of the first, and counted once).
 */
export function countStreamedHistory(res: NodeJS.ReadableStream, done: (error: Error | null, body: StreamedHistory) => void): void {
  const seen: StreamedHistory = { bytes: 0, seqs: [], head: '', tail: '' };
  let carry = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    seen.bytes += Buffer.byteLength(chunk);
    if (seen.head.length < CARRY) seen.head = (seen.head + chunk).slice(0, CARRY);
    const text = carry + chunk;
    for (const match of text.matchAll(SEQ)) {
      if (match.index + match[0].length > carry.length) seen.seqs.push(Number(match[1]));
    }
    carry = text.slice(-CARRY);
    seen.tail = carry;
  });
  res.on('end', () => done(null, seen));
  res.on('error', (error: Error) => done(error, seen));
}

export function streamedBody(response: Response): StreamedHistory {
  return response.body as StreamedHistory;
}

/** Bytes of content text in a page, as the 8 MiB bound counts them. */
export function contentBytes(items: Array<{ content: unknown }>): number {
  return items.reduce((sum, item) => sum + Buffer.byteLength(JSON.stringify(item.content)), 0);
}
