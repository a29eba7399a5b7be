import { SqlParams } from '../database/sql-params.js';
import { type CapDefaults, uncappedSql } from './history-cap.sql.js';
import { appendCounts } from './history-touch.sql.js';
import { DELETED } from './session-status.js';
import type { HistoryRider } from './session-write.types.js';
import { TOUCH } from './session-write.sql.js';

/** One append of a group: a session's row gets `appended` more messages. */
export interface GroupedAppend {
  id: string;
  userId: string;
  appended: number;
}

/**
 * Plain appends to several sessions as one statement (group commit, docs/how-it-works.md,
 * "Appends in groups"): each row's touch is history-touch.sql.ts's append without guards. A row
 * another transaction holds is skipped, not waited for, so no append waits behind another user's
 * lock: its member gets no row and decides alone. Riders read `touched`, whose rows carry their
 * member's position (`member`, from 1) and count (`appended`). The text depends on nothing but
 * the defaults, so it is one prepared statement. Parameters from $2 ($1 is the retention).
 */
export function appendsSql(appends: GroupedAppend[], riders: HistoryRider[], capDefaults: CapDefaults): { sql: string; params: unknown[] } {
  const params = SqlParams.after(1);
  const param = params.add;
  const input = `SELECT * FROM unnest(${param(appends.map((a) => a.id))}::uuid[], ${param(appends.map((a) => a.userId))}::varchar[],
      ${param(appends.map((a) => a.appended))}::int[]) WITH ORDINALITY AS i(session_id, owner, appended, member)`;
  // NO KEY UPDATE: the lock an UPDATE of these columns takes; it does not conflict with a message insert's key share.
  const locked = `SELECT s.id FROM sessions s JOIN input i ON s.id = i.session_id FOR NO KEY UPDATE OF s SKIP LOCKED`;
  const update = `UPDATE sessions SET ${appendCounts('i.appended')}, ${TOUCH}
      FROM input i
      WHERE sessions.id = i.session_id AND sessions.user_id = i.owner AND status <> ${param(DELETED)} AND ${uncappedSql(capDefaults)}
        AND sessions.id IN (SELECT id FROM locked)
      RETURNING sessions.*, i.member::int AS member, i.appended`;
  const ctes = riders.map((rider, index) => `, rider${index} AS (${rider(param)})`).join('');
  return {
    sql: `WITH input AS (${input}), locked AS (${locked}), touched AS (${update})${ctes} SELECT * FROM touched`,
    params: params.values,
  };
}
