import { SqlParams } from '../database/sql-params.js';
import { type CapDefaults, capGuardSql, capSetSql, uncappedSql } from './history-cap.sql.js';
import { DELETED } from './session-status.js';
import type { HistoryCap, HistoryChange, HistoryGuard } from './session-write.types.js';
import { TOUCH } from './session-write.sql.js';

/**
 * The session row's part of a history change (counts, seq allocation, activity), and with riders
 * the other tables' parts too: `WITH touched AS (UPDATE ...), rider0 AS (...)`, one statement that
 * commits or fails whole (docs/how-it-works.md). `cap`: the cut's CTEs are in, and the result has
 * `trimmed_count`. Parameters from $2 ($1 is the retention).
 */
export function touchSql(
  id: string,
  userId: string,
  change: HistoryChange,
  guard: HistoryGuard | undefined,
  capDefaults: CapDefaults,
): { sql: string; params: unknown[]; cap?: HistoryCap } {
  const params = SqlParams.after(1, id, userId);
  const param = params.add;
  const { cap, onlyIf, matching, riders: others = [] } = guard ?? {};
  const counts =
    'appended' in change
      ? cap
        ? `last_seq = last_seq + ${param(change.appended)}, ${capSetSql(param, change.appended, cap, capDefaults)}`
        : appendCounts(param(change.appended))
      : 'popped' in change
        ? `message_count = message_count - ${param(change.popped)}`
        : 'replaced' in change
          ? replaceCounts(param(change.replaced.appended), param(change.replaced.removed))
          : 'message_count = 0';
  const where = ['id = $2', 'user_id = $3', onlyIf ? `status = ${param(onlyIf)}` : `status <> ${param(DELETED)}`];
  if (matching) {
    const states = matching.map((state) => `(${param(state.lastSeq)}::int, ${param(state.messageCount)}::int)`);
    where.push(states.length ? `(last_seq, message_count) IN (${states.join(', ')})` : 'false');
  }
  const capping = cap && 'appended' in change;
  // An append without the cap's SQL must not pass a cap: it matches only a row no cap applies to.
  if ('appended' in change) where.push(capping ? capGuardSql(capDefaults) : uncappedSql(capDefaults));
  const update = `UPDATE sessions SET ${counts}, ${TOUCH} WHERE ${where.join(' AND ')} RETURNING *`;
  const ctes = others.map((rider, index) => `, rider${index} AS (${rider(param)})`);
  if (capping) ctes.push(`, trimmed AS (${cap.remove(param)})`, `, trimmed_kept AS (${cap.keep(param)})`);
  const riders = ctes.join('');
  const result = capping ? `SELECT touched.*, (SELECT count(*) FROM trimmed)::int AS trimmed_count FROM touched` : 'SELECT * FROM touched';
  return { sql: riders ? `WITH touched AS (${update})${riders} ${result}` : update, params: params.values, cap: capping ? cap : undefined };
}

/** The counts of an append of `appended` (a placeholder or a column) messages, also history-appends.sql.ts's. */
export const appendCounts = (appended: string) => `last_seq = last_seq + ${appended}, message_count = message_count + ${appended}`;
const replaceCounts = (appended: string, removed: string) =>
  `last_seq = last_seq + ${appended}, message_count = message_count - ${removed} + ${appended}`;
