import type { AddParam } from '../database/sql-params.js';
import type { HistoryCap } from './session-write.types.js';

/** The server's cap for a session that sets no bound of its own (HISTORY_MAX_MESSAGES / HISTORY_MAX_BYTES; 0: none). */
export interface CapDefaults {
  maxMessages: number;
  maxBytes: number;
}

/*
 * An append under a cap, inside the session row's UPDATE (history-touch.sql.ts), so
 * the cut, the counts and the append are one statement. Unqualified columns are the row's before
 * the update. The defaults are validated integers, written into the text so it stays one prepared
 * statement per process.
 */
const bounds = (defaults: CapDefaults) => ({
  maxMessages: `COALESCE(sessions.history_max_messages, ${Math.trunc(defaults.maxMessages)})`,
  maxBytes: `COALESCE(sessions.history_max_bytes, ${Math.trunc(defaults.maxBytes)})`,
});

/** True for a session no cap applies to: its append is the plain one (the CASEs below never read a message). */
export function uncappedSql(defaults: CapDefaults): string {
  const { maxMessages, maxBytes } = bounds(defaults);
  return `(${maxMessages} = 0 AND ${maxBytes} = 0)`;
}

/**
 * The SET of `trimmed_through_seq` and `message_count` for an append of `count` messages: the
 * newest message that must go for the cap to hold with the batch in (never an appended one), then
 * with `trim: user` moved to just before the next kept `user` message. capGuardSql makes the
 * snapshot read here the state the row is locked at (docs/operations.md, "Bounded histories").
 */
export function capSetSql(param: AddParam, count: number, cap: HistoryCap, defaults: CapDefaults): string {
  const { maxMessages, maxBytes } = bounds(defaults);
  const n = `${param(count)}::int`;
  const batchBytes = `${param(cap.batch.contentBytes)}::bigint`;
  const batchHasUser = `${param(cap.batch.hasUser)}::boolean`;
  const held = `messages WHERE session_id = sessions.id AND seq > sessions.trimmed_through_seq`;
  const byCount = `CASE WHEN ${maxMessages} > 0 AND sessions.message_count > 0 AND sessions.message_count + ${n} > ${maxMessages} THEN
      (SELECT seq FROM ${held} ORDER BY seq OFFSET LEAST(sessions.message_count, sessions.message_count + ${n} - ${maxMessages}) - 1 LIMIT 1) END`;
  const byBytes = `CASE WHEN ${maxBytes} > 0 AND sessions.message_count > 0 THEN
      (SELECT w.seq FROM (SELECT seq, sum(octet_length(content::text)) OVER (ORDER BY seq DESC ROWS UNBOUNDED PRECEDING) AS bytes FROM ${held}) w
       WHERE w.bytes + ${batchBytes} > ${maxBytes} ORDER BY w.seq DESC LIMIT 1) END`;
  const through = `CASE WHEN x.exact IS NULL THEN sessions.trimmed_through_seq
      WHEN COALESCE(sessions.history_trim, 'user') = 'any' THEN x.exact
      ELSE COALESCE((SELECT seq - 1 FROM ${held} AND seq > x.exact AND role = 'user' ORDER BY seq LIMIT 1),
                    CASE WHEN ${batchHasUser} THEN sessions.last_seq ELSE x.exact END) END`;
  const removed = `CASE WHEN c.through = sessions.trimmed_through_seq THEN 0
      ELSE (SELECT count(*) FROM ${held} AND seq <= c.through)::int END`;
  return `(trimmed_through_seq, message_count) = (
    SELECT c.through, sessions.message_count + ${n} - ${removed}
    FROM (SELECT ${through} AS through FROM (SELECT GREATEST(${byCount}, ${byBytes}) AS exact OFFSET 0) x OFFSET 0) c)`;
}

/**
 * The statement's snapshot may predate the row lock its UPDATE waited for (READ COMMITTED re-reads
 * only the row): a capped append goes on only if the history is still the one its snapshot holds
 * (the ETag's counters name it). Otherwise it matches nothing and the caller retries under the lock.
 */
export function capGuardSql(defaults: CapDefaults): string {
  return `(${uncappedSql(defaults)} OR (last_seq, message_count) = (SELECT s.last_seq, s.message_count FROM sessions s WHERE s.id = $2))`;
}
