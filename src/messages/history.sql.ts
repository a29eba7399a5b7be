import { messageColumns } from './message.columns.js';

/** What one read of the history may hold: at most `limit` messages with seq < before, and about `maxBytes`. */
export interface Cut {
  before: number;
  limit: number;
  maxBytes: number;
}

/** Above every seq: "no upper bound". */
export const NO_SEQ_BOUND = 2147483647;

// Rows written before text_bytes existed are measured here, once per read.
const SIZE = `COALESCE(text_bytes, octet_length(content::text) + octet_length(metadata::text))`;

/**
 * A bounded read of one session's history, from the newest (a page, walking back) or from the
 * oldest (a batch of a stream, walking forward), parameters ($1 session, $2 after, $3 before,
 * $4 limit, $5 maxBytes). A running sum of the sizes over the `limit` nearest rows picks those
 * within maxBytes (the first always, however large), and only those are joined back for their
 * content: PostgreSQL never reads out, let alone sends, what the cut leaves. One more row than
 * `limit` is measured to tell whether anything is left (`more`). Rows come oldest first.
 */
export function cutQuery(from: 'newest' | 'oldest'): string {
  const order = from === 'newest' ? 'DESC' : 'ASC';
  return `
    WITH candidates AS (
      SELECT seq, row_number() OVER w AS n, sum(${SIZE}) OVER w AS running
      FROM messages
      WHERE session_id = $1 AND seq > $2 AND seq < $3
      WINDOW w AS (ORDER BY seq ${order} ROWS UNBOUNDED PRECEDING)
      ORDER BY seq ${order}
      LIMIT $4 + 1
    ), chosen AS (
      SELECT seq FROM candidates WHERE n <= $4 AND (n = 1 OR running <= $5)
    )
    SELECT ${messageColumns('m')}, (SELECT count(*) FROM candidates) > (SELECT count(*) FROM chosen) AS more
    FROM messages m
    WHERE m.session_id = $1 AND m.seq = ANY (ARRAY(SELECT seq FROM chosen))
    ORDER BY m.seq`;
}

/**
 * A page (cutQuery('newest'), same parameters) with the counters of its session row that make the
 * history's ETag, in one statement so the tag names the very state the page was read from. Reading
 * the row is no write: SessionsRepository stays its only writer. One row per message, or a single
 * row with a null seq for an empty page; none when the session row is gone.
 */
export function pageWithStateQuery(): string {
  return `
    WITH page AS (${cutQuery('newest')})
    SELECT s.last_seq AS history_last_seq, s.message_count AS history_message_count, page.*
    FROM sessions s LEFT JOIN page ON true
    WHERE s.id = $1
    ORDER BY page.seq`;
}

/** The counters of the history's ETag (see pageWithStateQuery), read first in a snapshot. */
export const STATE_QUERY = `SELECT last_seq AS history_last_seq, message_count AS history_message_count FROM sessions WHERE id = $1`;
