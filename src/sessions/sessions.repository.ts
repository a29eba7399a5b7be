import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import type { DatabaseTimeouts } from '../database/data-source-options.js';
import { sessionsConfig } from '../config/app.config.js';
import { MAX_TOTAL_COST } from './progress-bounds.js';
import { type Session, sessionFromRow } from './session.columns.js';
import { type CapDefaults, capGuardSql, capSetSql, uncappedSql } from './history-cap.sql.js';
import type { HistoryState } from './history-etag.js';
import { EXPIRY_IS_CURRENT, EXPIRY_ON_WRITE, latestExpiry } from './session-expiry.sql.js';
import { type ForkCopy, forkSql, type NewFork } from './session-fork.sql.js';
import { type ImportedSession, importedParams, INSERT_IMPORTED } from './session-import.sql.js';
import { PAGE_COLUMNS, type PageRow, pageRowFrom } from './session-page.sql.js';
import { DELETED, RUNNING } from './session-status.js';
import { moveEvents } from './session-events.js';
import type { SessionTx } from './session-writer.js';
import { queryPrepared, queryPreparedOn } from '../database/prepared-query.js';
import { SqlParams } from '../database/sql-params.js';
import { transitionSql, type Move, type MoveOutcome, type ProgressSnapshot } from './session-transition.sql.js';
import { type TransitionRecord, transitionFromRow } from './transition.columns.js';

import type {
  ForkOutcome,
  HistoryChange,
  HistoryGuard,
  InsertOutcome,
  ListPosition,
  NewSession,
  ProgressUpdate,
  SessionChanges,
} from './session-writes.js';

export type { Move, MoveOutcome, ProgressSnapshot, TransitionColumns } from './session-transition.sql.js';
export type {
  ForkOutcome,
  HistoryChange,
  HistoryGuard,
  HistoryRider,
  InsertOutcome,
  ListPosition,
  NewSession,
  ProgressUpdate,
  SessionChanges,
} from './session-writes.js';

/*
 * SET clause of every write to a session or its messages: activity and expiry move forward (the
 * expiry only when it must, session-expiry.sql.ts), and `version` (the ETag, and the cache's
 * ordering) grows. $1 is always the default retention.
 */
const TOUCH = `version = version + 1, updated_at = now(), last_activity_at = now(), ${EXPIRY_ON_WRITE}`;

/*
 * Advisory lock classes (the first key of pg_advisory_xact_lock(int, int); the second is the
 * user's hash): one user's creates queue behind each other, and so do their starts. A hash
 * collision between two users only makes them queue together.
 */
const QUOTA_LOCK = { sessions: 0x5e55, running: 0x5e56 } as const;

/**
 * The only writer of `sessions` (and of its audit rows). Every write takes a SessionTx, which only
 * SessionWriter opens, so each written row reaches the cache after the commit.
 */
@Injectable()
export class SessionsRepository {
  private readonly retentionSeconds: number;
  private readonly capDefaults: CapDefaults;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(sessionsConfig.KEY) config: ConfigType<typeof sessionsConfig>,
  ) {
    this.retentionSeconds = config.retentionDays * 86400;
    this.capDefaults = { maxMessages: config.historyMaxMessages, maxBytes: config.historyMaxBytes };
  }

  /**
   * Inserts, or returns the visible session the same user created with the same idempotency key
   * (`existing`). A key held by another visible session of the user refuses the insert, or with
   * `keyHolder: 'return'` returns that session (get-or-create). `refused: 'quota'` when the user
   * already keeps `maxSessions` sessions that are not deleted. Needs SessionWriter.transaction: the
   * user's quota lock is held to the commit, so concurrent creates count each other's rows instead of
   * all seeing `maxSessions - 1`, and see each other's keys. A deleted session's idempotency key is
   * free: the unique index leaves deleted rows out, and so must the ON CONFLICT predicate (written
   * out, not a parameter, for PostgreSQL to infer that index).
   */
  async insert(tx: SessionTx, session: NewSession, maxSessions: number, keyHolder: 'refuse' | 'return' = 'refuse'): Promise<InsertOutcome> {
    await this.lockUserQuota(tx, QUOTA_LOCK.sessions, session.userId);
    // A holder deleted between our conflict and our read freed the key: the next attempt inserts.
    for (let attempt = 1; attempt <= 3; attempt++) {
      // ON CONFLICT makes 20 racing creates with one key produce one row and no error. The count
      // stops at the quota, so a user with many sessions costs no more than the quota's index range.
      // The session key is checked here rather than by a second ON CONFLICT target (there is only
      // one): under the lock no other create can take it between this check and the commit.
      const [inserted] = await this.write(
        tx,
        `INSERT INTO sessions (user_id, idempotency_key, title, problem_statement, context, metadata, ttl_seconds, expires_at, key,
           history_max_messages, history_max_bytes, history_trim)
         SELECT $2::varchar, $3::varchar, $4::varchar, $5::text, $6::json, $7::json, $8::int, ${latestExpiry('$8::int')}, $11::varchar,
           $12::int, $13::bigint, $14::varchar
         WHERE (SELECT count(*) FROM (SELECT 1 FROM sessions WHERE user_id = $2 AND status <> $10 LIMIT $9) kept) < $9
           AND ($11::varchar IS NULL OR NOT EXISTS (SELECT 1 FROM sessions WHERE user_id = $2 AND key = $11 AND status <> $10))
         ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL AND status <> 'deleted' DO NOTHING
         RETURNING *`,
        [
          this.retentionSeconds,
          session.userId,
          session.idempotencyKey,
          session.title,
          session.problemStatement,
          session.context.text,
          session.metadata.text,
          session.ttlSeconds,
          maxSessions,
          DELETED,
          session.key,
          session.historyMaxMessages,
          session.historyMaxBytes,
          session.historyTrim,
        ],
      );
      if (inserted) {
        tx.told({ type: 'session.created', session: inserted });
        return { created: inserted };
      }
      if (session.idempotencyKey === null && session.key === null) return { refused: 'quota' };
      if (session.idempotencyKey !== null) {
        const existing = await this.findVisible(tx, session.userId, 'idempotency_key', session.idempotencyKey);
        if (existing) return { existing };
      }
      if (session.key !== null) {
        const holder = await this.findVisible(tx, session.userId, 'key', session.key);
        if (holder) return keyHolder === 'return' ? { existing: holder } : { refused: 'key' };
      }
    }
    return { refused: 'quota' }; // no row and no holder of either key: the quota refused it
  }

  /**
   * A new session holding a copy of a visible session's history up to `fork.atSeq` (forkSql: one
   * statement, one snapshot; the history's part is `copy`, from the messages side). Besides
   * insert's outcomes: `sourceMissing` (not the user's visible session) and `pastEnd` (the cut lies
   * after the source's last message, whose seq it gives). A repeat of an idempotency key answers
   * the first session whatever became of the source since. Needs SessionWriter.transaction (the quota lock).
   */
  async insertFork(tx: SessionTx, fork: NewFork, maxSessions: number, copy: ForkCopy, timeouts: DatabaseTimeouts): Promise<ForkOutcome> {
    await this.lockUserQuota(tx, QUOTA_LOCK.sessions, fork.userId);
    const { sql, values } = forkSql(this.retentionSeconds, fork, maxSessions, DELETED, copy);
    // A long history takes longer than other statements may: its own bound, on PostgreSQL's side and the client's.
    await tx.manager.query(`SELECT set_config('statement_timeout', $1, true)`, [String(timeouts.statementTimeoutMs)]);
    const client = (await tx.manager.queryRunner!.connect()) as pg.PoolClient;
    const {
      rows: [row],
    } = await client.query({
      text: sql,
      values,
      query_timeout: timeouts.queryTimeoutMs,
    } as pg.QueryConfig);
    if (row?.id) {
      const created = tx.wrote(sessionFromRow(row));
      tx.told({ type: 'session.created', session: created });
      return { created };
    }
    const existing = fork.idempotencyKey === null ? null : await this.findVisible(tx, fork.userId, 'idempotency_key', fork.idempotencyKey);
    if (existing) return { existing };
    if (!row) return { sourceMissing: true };
    if (fork.atSeq !== null && (row.source_last_seq === null || fork.atSeq > row.source_last_seq))
      return { pastEnd: row.source_last_seq ?? 0 };
    if (fork.key !== null && (await this.findVisible(tx, fork.userId, 'key', fork.key))) return { refused: 'key' };
    return { refused: 'quota' };
  }

  /** The user's visible session with this key, or null (unknown, deleted, another user's). */
  async findOwnedByKey(userId: string, key: string): Promise<Session | null> {
    const [row] = await this.db.query(`SELECT * FROM sessions WHERE user_id = $1 AND key = $2 AND status <> $3`, [userId, key, DELETED]);
    return row ? sessionFromRow(row) : null;
  }

  /** The user's visible sessions with these keys (an import's look-up of what is already there). */
  async findOwnedByKeys(userId: string, keys: string[]): Promise<Session[]> {
    const rows = await this.db.query(`SELECT * FROM sessions WHERE user_id = $1 AND key = ANY($2::varchar[]) AND status <> $3`, [
      userId,
      keys,
      DELETED,
    ]);
    return rows.map(sessionFromRow);
  }

  /**
   * A batch of imported sessions in one statement (session-import.sql.ts); returns those inserted
   * (a key another run took meanwhile is left out). An import announces no events: moving a store
   * in is not activity, and thousands of `session.created` would flood every webhook.
   */
  async insertImported(tx: SessionTx, sessions: ImportedSession[]): Promise<Session[]> {
    if (!sessions.length) return [];
    const rows = await tx.manager.query(INSERT_IMPORTED, [this.retentionSeconds, ...importedParams(sessions)]);
    return rows.map((row: Record<string, unknown>) => tx.wrote(sessionFromRow(row)));
  }

  /**
   * Starts a session (a move to running) unless the user already runs `maxRunning`: then
   * `quotaFull` (only when the session could otherwise start, so 404 and 409 keep their meaning).
   * Needs SessionWriter.transaction, for the quota lock (see insert).
   */
  async startWithinQuota(tx: SessionTx, id: string, move: Move, maxRunning: number): Promise<MoveOutcome & { quotaFull?: true }> {
    const userId = move.guard?.userId;
    if (userId === undefined) throw new Error('a quota-checked start names its user');
    await this.lockUserQuota(tx, QUOTA_LOCK.running, userId);
    const [row] = await tx.manager.query(
      `SELECT (SELECT status FROM sessions WHERE id = $1 AND user_id = $2 AND status <> $3) AS status,
              (SELECT count(*)::int FROM sessions WHERE user_id = $2 AND status = $4) AS running`,
      [id, userId, DELETED, RUNNING],
    );
    if (row.running >= maxRunning && move.from.includes(row.status))
      return { session: null, from: null, currentStatus: row.status, quotaFull: true };
    return this.transition(tx, id, move);
  }
  async findOwned(id: string, userId: string): Promise<Session | null> {
    const [row] = await queryPrepared(this.db.manager, `SELECT * FROM sessions WHERE id = $1 AND user_id = $2`, [id, userId]);
    return row ? sessionFromRow(row) : null;
  }

  /** These sessions of the user (any status), in no particular order; on `replica` when given. */
  async findOwnedMany(ids: string[], userId: string, replica?: pg.Pool): Promise<Session[]> {
    const rows = await queryPreparedOn(this.db.manager, replica, `SELECT * FROM sessions WHERE id = ANY($1::uuid[]) AND user_id = $2`, [
      ids,
      userId,
    ]);
    return rows.map(sessionFromRow);
  }

  async findById(id: string): Promise<Session | null> {
    const [row] = await queryPrepared(this.db.manager, `SELECT * FROM sessions WHERE id = $1`, [id]);
    return row ? sessionFromRow(row) : null;
  }

  /**
   * A user's sessions newest first, by keyset on (created_at, id): deep pages cost what the first
   * does. Each row carries its response JSON, built by PostgreSQL (session-page.sql.ts). On
   * `replica` when given (src/database/read-replicas.ts).
   */
  async listOwned(userId: string, position: ListPosition, replica?: pg.Pool): Promise<PageRow[]> {
    const params = new SqlParams(userId, position.limit);
    const where = ['user_id = $1'];
    if (position.status) where.push(`status = ${params.add(position.status)}`);
    else where.push(`status <> ${params.add(DELETED)}`);
    // Served by the trigram index on (user_id, title) (migration AddTitleSearchIndex), not a scan
    // of the user's rows; LIKE's wildcards in the text are matched as themselves.
    if (position.titleContains !== undefined) where.push(`title ILIKE ${params.add(`%${escapeLike(position.titleContains)}%`)}`);
    if (position.after) where.push(`(created_at, id) < (${params.add(position.after.createdAt)}, ${params.add(position.after.id)})`);
    const rows = await queryPreparedOn(
      this.db.manager,
      replica,
      `SELECT ${PAGE_COLUMNS} FROM sessions WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $2`,
      params.values,
    );
    return rows.map(pageRowFrom);
  }

  /**
   * Applies changes to a visible session. With `expectedVersions` the update happens only if the
   * row is still at one of them (If-Match); null means no row matched (missing, not owned, deleted or stale).
   */
  async update(tx: SessionTx, id: string, userId: string, changes: SessionChanges, expectedVersions?: number[]): Promise<Session | null> {
    const params = new SqlParams(this.retentionSeconds, id, userId, DELETED);
    const sets: string[] = [];
    if (changes.title !== undefined) sets.push(`title = ${params.add(changes.title)}`);
    if (changes.metadata !== undefined) sets.push(`metadata = ${params.add(changes.metadata.text)}::json`);
    if (changes.historyLimit !== undefined) {
      const { historyMaxMessages, historyMaxBytes, historyTrim } = changes.historyLimit;
      sets.push(`history_max_messages = ${params.add(historyMaxMessages)}::int`);
      sets.push(`history_max_bytes = ${params.add(historyMaxBytes)}::bigint`);
      sets.push(`history_trim = ${params.add(historyTrim)}::varchar`);
    }
    const versionCheck = expectedVersions === undefined ? '' : ` AND version = ANY(${params.add(expectedVersions)}::int[])`;
    tx.concerns(id);
    const [row] = await this.write(
      tx,
      `UPDATE sessions SET ${[...sets, TOUCH].join(', ')}
       WHERE id = $2 AND user_id = $3 AND status <> $4${versionCheck} RETURNING *`,
      params.values,
    );
    return row ?? null;
  }

  /**
   * A read that counts as activity (EXPIRY_SLIDES_ON_READ): the expiry moves as a write's would,
   * and only when the rule says it must, so most reads write nothing; `version` grows with it
   * (expiresAt and lastActivityAt are part of what GET answers, and caches order copies by it).
   * Null when nothing moved (the expiry was current, or the session is gone).
   */
  async slideExpiry(tx: SessionTx, id: string, userId: string): Promise<Session | null> {
    tx.concerns(id);
    const [row] = await this.write(
      tx,
      `UPDATE sessions SET version = version + 1, last_activity_at = now(), ${EXPIRY_ON_WRITE}
       WHERE id = $2 AND user_id = $3 AND status <> $4 AND NOT (${EXPIRY_IS_CURRENT}) RETURNING *`,
      [this.retentionSeconds, id, userId, DELETED],
    );
    return row ?? null;
  }

  /** Locks a visible session of this user for a history change in `tx`: its history's counters, or null when there is none. */
  async lockForHistory(tx: SessionTx, id: string, userId: string): Promise<HistoryState | null> {
    tx.concerns(id);
    const [row] = await queryPrepared(
      tx.manager,
      `SELECT last_seq, message_count FROM sessions WHERE id = $1 AND user_id = $2 AND status <> $3 FOR UPDATE`,
      [id, userId, DELETED],
    );
    return row ? { lastSeq: row.last_seq, messageCount: row.message_count } : null;
  }

  /**
   * The session row's part of a history change: counts, seq allocation and activity. Its row lock
   * serialises appends, pops and clears of one session. With riders (an insert of messages, a key's
   * record), all are one statement: `WITH touched AS (UPDATE ...), rider0 AS (...)`, which commits on its
   * own or fails whole. Null when the session is not the user's visible session, not in
   * `guard.onlyIf`, or not in one of `guard.matching`'s states.
   */
  async touchForHistory(
    tx: SessionTx,
    id: string,
    userId: string,
    change: HistoryChange,
    guard: HistoryGuard = {},
  ): Promise<Session | null> {
    // $1 is the retention (TOUCH's), $2 the id (capGuardSql's), $3 the user.
    const params = new SqlParams(this.retentionSeconds, id, userId);
    const param = params.add;
    const { cap } = guard;
    let counts = 'message_count = 0';
    if ('appended' in change) {
      const appended = param(change.appended);
      counts = cap
        ? `last_seq = last_seq + ${appended}, ${capSetSql(param, change.appended, cap, this.capDefaults)}`
        : `last_seq = last_seq + ${appended}, message_count = message_count + ${appended}`;
    } else if ('popped' in change) counts = `message_count = message_count - ${param(change.popped)}`;
    else if ('replaced' in change) {
      const appended = param(change.replaced.appended);
      counts = `last_seq = last_seq + ${appended},
               message_count = message_count - ${param(change.replaced.removed)} + ${appended}`;
    }
    const where = ['id = $2', 'user_id = $3', guard.onlyIf ? `status = ${param(guard.onlyIf)}` : `status <> ${param(DELETED)}`];
    if (guard.matching) {
      const states = guard.matching.map((state) => `(${param(state.lastSeq)}::int, ${param(state.messageCount)}::int)`);
      where.push(states.length ? `(last_seq, message_count) IN (${states.join(', ')})` : 'false');
    }
    const capping = cap && 'appended' in change;
    // An append without the cap's SQL must not pass a cap: it matches only a row no cap applies to.
    if ('appended' in change) where.push(capping ? capGuardSql(this.capDefaults) : uncappedSql(this.capDefaults));
    const update = `UPDATE sessions SET ${counts}, ${TOUCH} WHERE ${where.join(' AND ')} RETURNING *`;
    const ctes = (guard.riders ?? []).map((rider, index) => `, rider${index} AS (${rider(param)})`);
    if (capping) ctes.push(`, trimmed AS (${cap.remove(param)})`, `, trimmed_kept AS (${cap.keep(param)})`);
    const riders = ctes.join('');
    const result = capping
      ? `SELECT touched.*, (SELECT count(*) FROM trimmed)::int AS trimmed_count FROM touched`
      : 'SELECT * FROM touched';
    const sql = riders ? `WITH touched AS (${update})${riders} ${result}` : update;
    tx.concerns(id);
    const rows = await queryPrepared(tx.manager, sql, params.values);
    if (!rows.length) return null;
    const session = tx.wrote(sessionFromRow(rows[0]));
    tx.told({ type: 'session.messages', session, change });
    if (capping && rows[0].trimmed_count > 0) {
      cap.trimmed = { removed: rows[0].trimmed_count, throughSeq: session.trimmedThroughSeq };
      tx.told({ type: 'session.messages', session, change: { trimmed: cap.trimmed } });
    }
    return session;
  }

  /** A status change and its audit row in one guarded statement (see session-transition.sql.ts). */
  async transition(tx: SessionTx, id: string, move: Move): Promise<MoveOutcome> {
    const { sql, values } = transitionSql(this.retentionSeconds, id, move);
    tx.concerns(id);
    const [row] = await tx.manager.query(sql, values);
    if (!row) return { session: null, from: null, currentStatus: null };
    if (!row.id) return { session: null, from: null, currentStatus: row.prior_status };
    const session = tx.wrote(sessionFromRow(row));
    tx.told(...moveEvents(session, row.from_status, move));
    return { session, from: row.from_status, currentStatus: move.to };
  }

  async listTransitions(sessionId: string): Promise<TransitionRecord[]> {
    const rows = await this.db.query(
      `SELECT from_status, to_status, at, actor, reason FROM session_transitions WHERE session_id = $1 ORDER BY id`,
      [sessionId],
    );
    return rows.map(transitionFromRow);
  }

  /**
   * Progress straight to PostgreSQL, for when Redis cannot take it. Null when not running, or when
   * the cost would pass MAX_TOTAL_COST (then nothing changes, as in the live-progress script).
   */
  async recordProgress(tx: SessionTx, id: string, update: ProgressUpdate): Promise<Session | null> {
    tx.concerns(id);
    const [row] = await this.write(
      tx,
      `UPDATE sessions SET phase = coalesce($3, phase), round_number = coalesce($4, round_number),
         total_cost = total_cost + $5, ${TOUCH}
       WHERE id = $2 AND status = $6 AND total_cost + $5 <= $7 RETURNING *`,
      [this.retentionSeconds, id, update.phase ?? null, update.roundNumber ?? null, update.costDelta ?? 0, RUNNING, MAX_TOTAL_COST],
    );
    return row ?? null;
  }

  /**
   * Writes live snapshots of running sessions, each only if newer than what PostgreSQL has
   * (live_rev), so a slow flusher never overwrites a fresher one. Rows are locked in id order:
   * two instances flushing overlapping batches wait for each other instead of deadlocking.
   */
  async flushLive(tx: SessionTx, snapshots: ProgressSnapshot[]): Promise<Session[]> {
    if (!snapshots.length) return [];
    const column = <K extends keyof ProgressSnapshot>(key: K) => snapshots.map((snapshot) => snapshot[key]);
    tx.concerns(...column('id'));
    return this.write(
      tx,
      `WITH live AS (
         SELECT * FROM unnest($2::uuid[], $3::varchar[], $4::int[], $5::numeric[], $6::bigint[]) AS l(id, phase, round_number, total_cost, rev)
       ), locked AS (
         SELECT s.id FROM sessions s JOIN live l ON l.id = s.id
         WHERE s.status = $7 AND s.live_rev < l.rev ORDER BY s.id FOR UPDATE OF s
       )
       UPDATE sessions s SET phase = l.phase, round_number = l.round_number, total_cost = l.total_cost, live_rev = l.rev, ${TOUCH}
       FROM live l WHERE s.id = l.id AND s.id IN (SELECT id FROM locked) AND s.status = $7 AND s.live_rev < l.rev
       RETURNING s.*`,
      [this.retentionSeconds, column('id'), column('phase'), column('roundNumber'), column('totalCost'), column('rev'), RUNNING],
    );
  }

  /**
   * Refreshes the heartbeat of the sessions a worker runs; returns those still running. Not a
   * change anyone reads back (no version, not cached), so it needs no SessionTx.
   */
  async heartbeat(ids: string[]): Promise<string[]> {
    if (!ids.length) return [];
    const [rows] = await this.db.query(`UPDATE sessions SET heartbeat_at = now() WHERE id = ANY($1::uuid[]) AND status = $2 RETURNING id`, [
      ids,
      RUNNING,
    ]);
    return rows.map((row: { id: string }) => row.id);
  }

  /**
   * A worker takes the run: its first heartbeat, and `claimed_at`, which readers see (so the
   * version moves). Null when the session is not running any more (a kill came first).
   */
  async claim(tx: SessionTx, id: string): Promise<Session | null> {
    const [row] = await queryPrepared(
      tx.manager,
      `UPDATE sessions SET heartbeat_at = now(), claimed_at = now(), version = version + 1, updated_at = now()
       WHERE id = $1 AND status = $2 RETURNING *`,
      [id, RUNNING],
    );
    return row ? tx.wrote(sessionFromRow(row)) : null;
  }

  /** A claim nobody received (its worker hung up): the run waits for a worker again. */
  async unclaim(tx: SessionTx, id: string): Promise<Session | null> {
    const [row] = await queryPrepared(
      tx.manager,
      `UPDATE sessions SET claimed_at = NULL, version = version + 1, updated_at = now()
       WHERE id = $1 AND status = $2 AND claimed_at IS NOT NULL RETURNING *`,
      [id, RUNNING],
    );
    return row ? tx.wrote(sessionFromRow(row)) : null;
  }

  /** Running sessions nobody has vouched for in `seconds`: their worker may be lost. `excluding`: ids set aside. */
  async findSilentRunning(seconds: number, limit: number, excluding: string[] = []): Promise<string[]> {
    const rows = await this.db.query(
      `SELECT id FROM sessions
       WHERE status = $3 AND coalesce(heartbeat_at, '-infinity') < now() - make_interval(secs => $1) AND id <> ALL($4::uuid[])
       ORDER BY heartbeat_at NULLS FIRST LIMIT $2`,
      [seconds, limit, RUNNING, excluding],
    );
    return rows.map((row: { id: string }) => row.id);
  }

  private async findVisible(tx: SessionTx, userId: string, column: 'idempotency_key' | 'key', value: string): Promise<Session | null> {
    const [row] = await tx.manager.query(`SELECT * FROM sessions WHERE user_id = $1 AND ${column} = $2 AND status <> $3`, [
      userId,
      value,
      DELETED,
    ]);
    return row ? sessionFromRow(row) : null;
  }

  private async lockUserQuota(tx: SessionTx, lockClass: number, userId: string): Promise<void> {
    // Outside a transaction the lock would be released before the statements it guards.
    if (!tx.manager.queryRunner?.isTransactionActive) throw new Error('a quota check needs SessionWriter.transaction');
    await tx.manager.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [lockClass, userId]);
  }

  /**
   * Every statement that returns written rows goes through here: mapped once, and handed to the tx.
   * Its values start with the retention ($1), which TOUCH's expiry reads.
   */
  private async write(tx: SessionTx, sql: string, values: unknown[]): Promise<Session[]> {
    const rows = await queryPrepared(tx.manager, sql, values);
    return rows.map((row) => tx.wrote(sessionFromRow(row)));
  }
}

/** `text` as a LIKE pattern that matches it literally (backslash is PostgreSQL's default ESCAPE). */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}
