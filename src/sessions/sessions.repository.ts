import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import type { DatabaseTimeouts } from '../database/data-source-options.js';
import { sessionsConfig } from '../config/app.config.js';
import { queryPrepared, queryPreparedOn } from '../database/prepared-query.js';
import { type Session, sessionFromRow } from './session.columns.js';
import type { CapDefaults } from './history-cap.sql.js';
import { touchSql } from './history-touch.sql.js';
import { appendsSql, type GroupedAppend } from './history-appends.sql.js';
import { type ForkCopy, forkSql, type NewFork, SET_FORK_STATEMENT_TIMEOUT } from './session-fork.sql.js';
import { type ImportedSession, importedParams, INSERT_IMPORTED } from './session-import.sql.js';
import { listSql, type ListPosition, type PageRow, pageRowFrom } from './session-page.sql.js';
import * as reads from './session-read.sql.js';
import { DELETED, RUNNING } from './session-status.js';
import { moveEvents } from './session-events.js';
import type { SessionTx } from './session.writer.js';
import { transitionSql, type Move, type MoveOutcome, type ProgressSnapshot } from './session-transition.sql.js';
import * as writes from './session-write.sql.js';
import type { HistoryState } from './history-etag.js';
import type { ForkOutcome, HistoryChange, HistoryGuard, HistoryRider, InsertOutcome } from './session-write.types.js';
import type { NewSession, ProgressUpdate, SessionChanges } from './session-write.types.js';
import { type TransitionRecord, transitionFromRow } from './transition.columns.js';

/** The only writer of `sessions` and its audit rows (SQL in the `*.sql.ts` beside it); a write takes a SessionTx, so the cache follows. */
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

  /** Inserts, or finds the idempotency key's session (`existing`); a key's holder refuses it, or is returned with keyHolder 'return'. */
  async insert(tx: SessionTx, session: NewSession, maxSessions: number, keyHolder: 'refuse' | 'return' = 'refuse'): Promise<InsertOutcome> {
    // Held to the commit (SessionWriter.transaction): racing creates count each other's rows and see each other's keys.
    await this.lockUserQuota(tx, writes.QUOTA_LOCK.sessions, session.userId);
    // A holder deleted between our conflict and our read freed the key: the next attempt inserts.
    for (let attempt = 1; attempt <= 3; attempt++) {
      const [inserted] = await this.write(tx, writes.INSERT_SESSION, writes.insertParams(session, maxSessions));
      if (inserted) {
        tx.told({ type: 'session.created', session: inserted });
        return { created: inserted };
      }
      if (session.idempotencyKey === null && session.key === null) return { refused: 'quota' };
      const existing = await this.findVisible(tx, session.userId, 'idempotency_key', session.idempotencyKey);
      if (existing) return { existing };
      const holder = await this.findVisible(tx, session.userId, 'key', session.key);
      if (holder) return keyHolder === 'return' ? { existing: holder } : { refused: 'key' };
    }
    return { refused: 'quota' }; // no row and no holder of either key: the quota refused it
  }

  /** A new session with a copy of a history up to `fork.atSeq`, one statement (session-fork.sql.ts). Needs SessionWriter.transaction. */
  async insertFork(tx: SessionTx, fork: NewFork, maxSessions: number, copy: ForkCopy, timeouts: DatabaseTimeouts): Promise<ForkOutcome> {
    await this.lockUserQuota(tx, writes.QUOTA_LOCK.sessions, fork.userId);
    const { sql, values } = forkSql(this.retentionSeconds, fork, maxSessions, DELETED, copy);
    // The fork's own bound, on PostgreSQL's side and the client's.
    await tx.manager.query(SET_FORK_STATEMENT_TIMEOUT, [String(timeouts.statementTimeoutMs)]);
    const client = (await tx.manager.queryRunner!.connect()) as pg.PoolClient;
    const query = { text: sql, values, query_timeout: timeouts.queryTimeoutMs } as pg.QueryConfig;
    const [row] = (await client.query(query)).rows;
    if (row?.id) {
      const created = tx.wrote(sessionFromRow(row));
      tx.told({ type: 'session.created', session: created });
      return { created };
    }
    const existing = await this.findVisible(tx, fork.userId, 'idempotency_key', fork.idempotencyKey);
    if (existing) return { existing };
    if (!row) return { sourceMissing: true };
    if (fork.atSeq !== null && (row.source_last_seq === null || fork.atSeq > row.source_last_seq))
      return { pastEnd: row.source_last_seq ?? 0 };
    if (await this.findVisible(tx, fork.userId, 'key', fork.key)) return { refused: 'key' };
    return { refused: 'quota' };
  }

  async findOwnedByKey(userId: string, key: string): Promise<Session | null> {
    return oneSession(await this.db.query(reads.FIND_OWNED_BY_KEY, [userId, key, DELETED]));
  }

  /** An import's look-up of what is already there. */
  async findOwnedByKeys(userId: string, keys: string[]): Promise<Session[]> {
    return (await this.db.query(reads.FIND_OWNED_BY_KEYS, [userId, keys, DELETED])).map(sessionFromRow);
  }

  /** A batch in one statement; a key another run took meanwhile is left out. No events: moving a store in is not activity. */
  async insertImported(tx: SessionTx, sessions: ImportedSession[]): Promise<Session[]> {
    if (!sessions.length) return [];
    const rows = await tx.manager.query(INSERT_IMPORTED, [this.retentionSeconds, ...importedParams(sessions)]);
    return rows.map((row: Record<string, unknown>) => tx.wrote(sessionFromRow(row)));
  }

  /** A start, unless the user already runs `maxRunning` and it could otherwise start (`quotaFull`). Needs SessionWriter.transaction. */
  async startWithinQuota(tx: SessionTx, id: string, move: Move, maxRunning: number): Promise<MoveOutcome & { quotaFull?: true }> {
    const userId = move.guard?.userId;
    if (userId === undefined) throw new Error('a quota-checked start names its user');
    await this.lockUserQuota(tx, writes.QUOTA_LOCK.running, userId);
    const [row] = await tx.manager.query(writes.START_QUOTA_STATE, [id, userId, DELETED, RUNNING]);
    if (row.running >= maxRunning && move.from.includes(row.status))
      return { session: null, from: null, currentStatus: row.status, quotaFull: true };
    return this.transition(tx, id, move);
  }

  async findOwned(id: string, userId: string): Promise<Session | null> {
    return oneSession(await queryPrepared(this.db.manager, reads.FIND_OWNED, [id, userId]));
  }

  /** Any status, in no particular order; on `replica` when given. */
  async findOwnedMany(ids: string[], userId: string, replica?: pg.Pool): Promise<Session[]> {
    return (await queryPreparedOn(this.db.manager, replica, reads.FIND_OWNED_MANY, [ids, userId])).map(sessionFromRow);
  }

  async findById(id: string): Promise<Session | null> {
    return oneSession(await queryPrepared(this.db.manager, reads.FIND_BY_ID, [id]));
  }

  /** A page, each row with its response JSON built by PostgreSQL (session-page.sql.ts); on `replica` when given. */
  async listOwned(userId: string, position: ListPosition, replica?: pg.Pool): Promise<PageRow[]> {
    const { sql, params } = listSql(userId, position);
    return (await queryPreparedOn(this.db.manager, replica, sql, params)).map(pageRowFrom);
  }

  /** PATCH; null when no row matched (missing, not owned, deleted, or not at one of `expectedVersions`). */
  async update(tx: SessionTx, id: string, userId: string, changes: SessionChanges, expectedVersions?: number[]): Promise<Session | null> {
    const { sql, params } = writes.updateSql(id, userId, changes, expectedVersions);
    tx.concerns(id);
    const [row] = await this.write(tx, sql, params);
    return row ?? null;
  }

  /** A read that counts as activity (EXPIRY_SLIDES_ON_READ); null when nothing moved. */
  async slideExpiry(tx: SessionTx, id: string, userId: string): Promise<Session | null> {
    tx.concerns(id);
    const [row] = await this.write(tx, writes.SLIDE_EXPIRY, [id, userId, DELETED]);
    return row ?? null;
  }

  /** The history's counters of the user's visible session, locked in `tx`; null when there is none. */
  async lockForHistory(tx: SessionTx, id: string, userId: string): Promise<HistoryState | null> {
    tx.concerns(id);
    const [row] = await queryPrepared(tx.manager, reads.LOCK_FOR_HISTORY, [id, userId, DELETED]);
    return row ? { lastSeq: row.last_seq, messageCount: row.message_count } : null;
  }

  /** A history change's row part and its riders in one statement (history-touch.sql.ts); null when the guard or the owner does not match. */
  async touchForHistory(tx: SessionTx, id: string, userId: string, change: HistoryChange, guard?: HistoryGuard): Promise<Session | null> {
    const { sql, params, cap } = touchSql(id, userId, change, guard, this.capDefaults);
    tx.concerns(id);
    const rows = await queryPrepared(tx.manager, sql, [this.retentionSeconds, ...params]);
    if (!rows.length) return null;
    const session = tx.wrote(sessionFromRow(rows[0]));
    tx.told({ type: 'session.messages', session, change });
    if (cap && rows[0].trimmed_count > 0) {
      cap.trimmed = { removed: rows[0].trimmed_count, throughSeq: session.trimmedThroughSeq };
      tx.told({ type: 'session.messages', session, change: { trimmed: cap.trimmed } });
    }
    return session;
  }

  /** Plain appends to several sessions as one statement (history-appends.sql.ts): each member's row, or null where it matched nothing. */
  async touchForAppends(tx: SessionTx, appends: GroupedAppend[], riders: HistoryRider[]): Promise<Array<Session | null>> {
    const { sql, params } = appendsSql(appends, riders, this.capDefaults);
    tx.concerns(...appends.map((append) => append.id));
    const rows = await queryPrepared(tx.manager, sql, [this.retentionSeconds, ...params]);
    const touched: Array<Session | null> = appends.map(() => null);
    for (const row of rows.sort((a, b) => a.member - b.member)) {
      const session = tx.wrote(sessionFromRow(row));
      tx.told({ type: 'session.messages', session, change: { appended: row.appended } });
      touched[row.member - 1] = session;
    }
    return touched;
  }

  /** A status change and its audit row in one guarded statement (session-transition.sql.ts). */
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
    return (await this.db.query(reads.LIST_TRANSITIONS, [sessionId])).map(transitionFromRow);
  }

  /** Progress straight to PostgreSQL, for when Redis cannot take it; null when not running or past MAX_TOTAL_COST. */
  async recordProgress(tx: SessionTx, id: string, update: ProgressUpdate): Promise<Session | null> {
    tx.concerns(id);
    const [row] = await this.write(tx, writes.RECORD_PROGRESS, writes.progressParams(id, update));
    return row ?? null;
  }

  /** Live snapshots of running sessions, each only if newer than the row's. */
  async flushLive(tx: SessionTx, snapshots: ProgressSnapshot[]): Promise<Session[]> {
    if (!snapshots.length) return [];
    tx.concerns(...snapshots.map((snapshot) => snapshot.id));
    return this.write(tx, writes.FLUSH_LIVE, writes.liveParams(snapshots));
  }

  /** The ids still running. Not cached and not versioned, so no SessionTx. */
  async heartbeat(ids: string[]): Promise<string[]> {
    if (!ids.length) return [];
    const [rows] = await this.db.query(writes.HEARTBEAT, [ids, RUNNING]);
    return rows.map(idOf);
  }

  /** A worker takes the run; null when it is not running any more (a kill came first). */
  async claim(tx: SessionTx, id: string): Promise<Session | null> {
    const [row] = await queryPrepared(tx.manager, writes.CLAIM, [id, RUNNING]);
    return row ? tx.wrote(sessionFromRow(row)) : null;
  }

  /** A claim nobody received (its worker hung up): the run waits for a worker again. */
  async unclaim(tx: SessionTx, id: string): Promise<Session | null> {
    const [row] = await queryPrepared(tx.manager, writes.UNCLAIM, [id, RUNNING]);
    return row ? tx.wrote(sessionFromRow(row)) : null;
  }

  /** Running sessions nobody has vouched for in `seconds`: their worker may be lost. `excluding`: ids set aside. */
  async findSilentRunning(seconds: number, limit: number, excluding: string[] = []): Promise<string[]> {
    return (await this.db.query(reads.FIND_SILENT_RUNNING, [seconds, limit, RUNNING, excluding])).map(idOf);
  }

  /** The user's visible session holding this key; null for none (or no key). */
  private async findVisible(
    tx: SessionTx,
    userId: string,
    column: 'idempotency_key' | 'key',
    value: string | null,
  ): Promise<Session | null> {
    return value === null ? null : oneSession(await tx.manager.query(reads.findVisibleBy(column), [userId, value, DELETED]));
  }

  private async lockUserQuota(tx: SessionTx, lockClass: number, userId: string): Promise<void> {
    // Outside a transaction the lock would be released before the statements it guards.
    if (!tx.manager.queryRunner?.isTransactionActive) throw new Error('a quota check needs SessionWriter.transaction');
    await tx.manager.query(writes.LOCK_USER_QUOTA, [lockClass, userId]);
  }

  /** Every statement that returns written rows goes through here: mapped once, and handed to the tx. */
  private async write(tx: SessionTx, sql: string, params: unknown[]): Promise<Session[]> {
    const rows = await queryPrepared(tx.manager, sql, [this.retentionSeconds, ...params]);
    return rows.map((row) => tx.wrote(sessionFromRow(row)));
  }
}

function oneSession(rows: Record<string, any>[]): Session | null {
  return rows[0] ? sessionFromRow(rows[0]) : null;
}

const idOf = (row: { id: string }) => row.id;
