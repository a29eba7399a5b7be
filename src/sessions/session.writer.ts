import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, type QueryRunner } from 'typeorm';
import { DatabaseUnavailableError, WriteOutcomeUnknownError } from '../common/domain-error.js';
import { isConnectionLost } from '../common/database-errors.js';
import { ReadReplicas } from '../database/read-replicas.js';
import { endBackend, hasConnection, isUnanswered, releaseRunner } from '../database/unanswered-statement.js';
import { SessionCache } from './session.cache.js';
import type { Session } from './session.columns.js';
import { type SessionEvent, SessionEvents } from './session-events.js';

const OPEN = Symbol('SessionTx');

/**
 * How the writer reads rows back after a lost answer: SessionsRepository, bound in SessionsModule
 * (a token, as the repository itself needs SessionTx from here).
 */
export const SESSION_ROWS = Symbol('SESSION_ROWS');
export interface SessionRows {
  findById(id: string): Promise<Session | null>;
}

/**
 * The handle every write to `sessions` needs (SessionsRepository asks for one). Only SessionWriter
 * can open it (the key is private to this file), and the writer gives the cache every row written
 * through it once PostgreSQL has committed: a write path that forgets the cache cannot be written.
 */
export class SessionTx {
  private readonly rows = new Map<string, Session>();
  private readonly ids = new Set<string>();
  private readonly happened: SessionEvent[] = [];

  constructor(
    key: typeof OPEN,
    readonly manager: EntityManager,
  ) {
    if (key !== OPEN) throw new Error('a SessionTx is opened by SessionWriter only');
  }

  /** Called by the repository before a statement that may change these sessions (for when its answer is lost). */
  concerns(...ids: string[]): void {
    for (const id of ids) this.ids.add(id);
  }

  /** Called by the repository for every row a statement returned. */
  wrote<T extends Session | null>(session: T): T {
    if (session) this.rows.set(session.id, session);
    return session;
  }

  /** Called by the repository for what a statement did (created, moved, changed the history), in order. */
  told(...events: SessionEvent[]): void {
    this.happened.push(...events);
  }

  get written(): Session[] {
    return [...this.rows.values()];
  }

  /** The sessions its statements changed, or were about to. */
  get concerned(): string[] {
    return [...new Set([...this.ids, ...this.rows.keys()])];
  }

  get events(): SessionEvent[] {
    return this.happened;
  }
}

/**
 * The write order, used inside sessions/ only (others go through SessionStore): PostgreSQL
 * commits, then the cache gets the committed copy, then the events are told, so a rolled-back
 * change is never announced. After an unanswered statement the cache follows what PostgreSQL holds
 * (docs/statement-timeouts.md).
 */
@Injectable()
export class SessionWriter {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(SESSION_ROWS) private readonly rows: SessionRows,
    private readonly cache: SessionCache,
    private readonly events: SessionEvents,
    private readonly replicas: ReadReplicas,
  ) {}

  /** Statements that each commit on their own (most writes are one statement), on one connection. */
  async write<T>(work: (tx: SessionTx) => Promise<T>): Promise<T> {
    const runner = this.db.createQueryRunner();
    const tx = new SessionTx(OPEN, runner.manager);
    let failure: unknown;
    try {
      return await work(tx);
    } catch (error) {
      failure = error;
      if (!isUnanswered(error)) {
        if (this.mayHaveCommitted(runner, error)) await this.cache.drop(tx.concerned);
        throw error;
      }
      const settled = await endBackend(this.db, runner, error as Error);
      await this.follow(tx.concerned, settled);
      // Only the caller may know how to tell whether it committed (HistoryWrites does, for appends).
      throw new WriteOutcomeUnknownError(settled);
    } finally {
      await releaseRunner(runner, failure);
      // Whatever committed before a failure is cached too: the cache must never be older than PostgreSQL.
      await this.cached(tx.written, tx.events);
    }
  }

  /** Statements that must commit together (a history change and its session row). */
  async transaction<T>(work: (tx: SessionTx) => Promise<T>): Promise<T> {
    const runner = this.db.createQueryRunner();
    const tx = new SessionTx(OPEN, runner.manager);
    let failure: unknown;
    let committing = false;
    let result!: T;
    try {
      await runner.startTransaction();
      result = await work(tx);
      committing = true;
      await runner.commitTransaction();
    } catch (error) {
      failure = error;
      if (!isUnanswered(error)) {
        await runner.rollbackTransaction().catch(() => undefined);
        // Before its COMMIT was sent, a transaction whose connection broke rolled back.
        if (committing && this.mayHaveCommitted(runner, error)) await this.cache.drop(tx.concerned);
        throw error;
      }
      const settled = await endBackend(this.db, runner, error as Error);
      // Before its COMMIT was sent, an ended transaction rolled back: nothing was written.
      if (!committing) throw new DatabaseUnavailableError();
      return await this.afterLostCommit(tx, result, settled);
    } finally {
      await releaseRunner(runner, failure);
    }
    await this.cached(tx.written, tx.events);
    return result;
  }

  /**
   * A statement sent on a connection that then broke (PostgreSQL stopped or unreachable mid-write)
   * may have committed: its sessions' cached copies are dropped rather than left older than
   * PostgreSQL, since reads answer from the cache alone while PostgreSQL is unreachable. A connect
   * that failed sent nothing, and leaves the copies, so those reads go on.
   */
  private mayHaveCommitted(runner: QueryRunner, error: unknown): boolean {
    return hasConnection(runner) && isConnectionLost(error);
  }

  /** A write whose answer was lost, found committed by its caller: its events, told now. */
  async tell(events: SessionEvent[]): Promise<void> {
    await this.events.publish(events);
  }

  private async cached(rows: Session[], events: SessionEvent[]): Promise<void> {
    // Distinct sessions (a group commit writes many): their copies go together.
    await Promise.all(rows.map((session) => this.cache.set(session)));
    // Before the answer: the owners' reads from read replicas must include this commit.
    await this.replicas.wrote(rows.map((row) => row.userId));
    await this.events.publish(events);
  }

  /**
   * A COMMIT whose answer was lost. Once its backend is gone the rows tell: each still as the
   * transaction wrote it (its version, and its updated_at, the transaction's own now()) committed;
   * all older did not; a row written again since, or gone, cannot tell. The cache follows the rows.
   */
  private async afterLostCommit<T>(tx: SessionTx, result: T, settled: boolean): Promise<T> {
    const ours = tx.written;
    const now = settled ? await this.reread(ours.map((row) => row.id)) : null;
    if (!now) {
      await this.cache.drop(tx.concerned);
      throw new WriteOutcomeUnknownError(settled);
    }
    const asWritten = (row: Session, n: number) =>
      now[n]?.version === row.version && now[n]?.updatedAt.getTime() === row.updatedAt.getTime();
    if (ours.every(asWritten)) {
      await this.cached(ours, tx.events);
      return result;
    }
    await this.cached(
      now.filter((row): row is Session => !!row),
      [],
    );
    if (ours.every((row, n) => (now[n]?.version ?? Infinity) < row.version)) throw new DatabaseUnavailableError();
    throw new WriteOutcomeUnknownError(true);
  }

  /** After a statement whose answer was lost: the cached copies become what PostgreSQL holds, or go. */
  private async follow(ids: string[], settled: boolean): Promise<void> {
    const now = settled ? await this.reread(ids) : null;
    if (!now) return this.cache.drop(ids);
    for (const [n, row] of now.entries()) await (row ? this.cache.set(row) : this.cache.drop([ids[n]]));
  }

  /** The rows as PostgreSQL holds them (null for one that is gone); null when it cannot be asked. */
  private async reread(ids: string[]): Promise<Array<Session | null> | null> {
    try {
      return await Promise.all(ids.map((id) => this.rows.findById(id)));
    } catch {
      return null;
    }
  }
}
