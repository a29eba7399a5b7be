import { Injectable } from '@nestjs/common';
import type { DatabaseTimeouts } from '../database/data-source-options.js';
import type { Session } from './session.columns.js';
import type { Move, MoveOutcome, ProgressSnapshot } from './session-transition.sql.js';
import type { HistoryState } from './history-etag.js';
import type { ForkOutcome, HistoryChange, HistoryGuard, HistoryRider, ProgressUpdate } from './session-write.types.js';
import type { GroupedAppend } from './history-appends.sql.js';
import type { ImportedSession } from './session-import.sql.js';
import type { ForkCopy, NewFork } from './session-fork.sql.js';
import { type SessionTx, SessionWriter } from './session.writer.js';
import { SessionsRepository } from './sessions.repository.js';
import type { TransitionRecord } from './transition.columns.js';

/** The handle other features' statements take to commit with a session's row (opened by SessionWriter). */
export type { SessionTx };

/** The session row's side of one history change, inside the history's transaction. */
export interface HistoryTx {
  /** For the other table's statements (messages) that must commit with the row. */
  readonly tx: SessionTx;
  /** Locks the user's visible session: its history's counters (the ETag's parts); null when there is none. */
  lock(id: string, userId: string): Promise<HistoryState | null>;
  /** Counts, seq allocation and activity (and an append's cap); null when not the user's visible session (or not in `onlyIf`). */
  touch(id: string, userId: string, change: HistoryChange, guard?: Pick<HistoryGuard, 'onlyIf' | 'cap'>): Promise<Session | null>;
}

/**
 * The one face other features (control, messages, events, workers) read and write `sessions`
 * through: intent-named, each write committed by SessionWriter so the cache and events follow.
 * SessionsRepository and SessionWriter stay inside sessions/ (.dependency-cruiser.cjs).
 */
@Injectable()
export class SessionStore {
  constructor(
    private readonly repository: SessionsRepository,
    private readonly writer: SessionWriter,
  ) {}

  findById(id: string): Promise<Session | null> {
    return this.repository.findById(id);
  }

  listTransitions(id: string): Promise<TransitionRecord[]> {
    return this.repository.listTransitions(id);
  }

  findSilentRunning(seconds: number, limit: number, excluding: string[] = []): Promise<string[]> {
    return this.repository.findSilentRunning(seconds, limit, excluding);
  }

  heartbeat(ids: string[]): Promise<string[]> {
    return this.repository.heartbeat(ids);
  }

  /** A worker takes the run (see SessionsRepository.claim); null when it is not running any more. */
  claim(id: string): Promise<Session | null> {
    return this.writer.write((tx) => this.repository.claim(tx, id));
  }

  unclaim(id: string): Promise<Session | null> {
    return this.writer.write((tx) => this.repository.unclaim(tx, id));
  }

  transition(id: string, move: Move): Promise<MoveOutcome> {
    return this.writer.write((tx) => this.repository.transition(tx, id, move));
  }

  /** A start (a move to running) unless the user already runs `maxRunning`: then `quotaFull`. */
  startWithinQuota(id: string, move: Move, maxRunning: number): Promise<MoveOutcome & { quotaFull?: true }> {
    return this.writer.transaction((tx) => this.repository.startWithinQuota(tx, id, move, maxRunning));
  }

  recordProgress(id: string, update: ProgressUpdate): Promise<Session | null> {
    return this.writer.write((tx) => this.repository.recordProgress(tx, id, update));
  }

  flushLive(snapshots: ProgressSnapshot[]): Promise<Session[]> {
    return this.writer.write((tx) => this.repository.flushLive(tx, snapshots));
  }

  findOwnedByKeys(userId: string, keys: string[]): Promise<Session[]> {
    return this.repository.findOwnedByKeys(userId, keys);
  }

  /**
   * Imported sessions and what the caller writes with them (their messages) in one transaction:
   * a batch commits whole or not at all, so a killed import never leaves half a session.
   */
  importSessions<T>(sessions: ImportedSession[], then: (tx: SessionTx, inserted: Session[]) => Promise<T>): Promise<T> {
    return this.writer.transaction(async (tx) => then(tx, await this.repository.insertImported(tx, sessions)));
  }

  /** A fork: the new row and the history's copy (`copy`) as one statement in one transaction, then the cache and `session.created`. */
  fork(fork: NewFork, maxSessions: number, copy: ForkCopy, timeouts: DatabaseTimeouts): Promise<ForkOutcome> {
    return this.writer.transaction((tx) => this.repository.insertFork(tx, fork, maxSessions, copy, timeouts));
  }

  /** A history change: the row's part and the caller's statements commit together, then the cache. */
  changeHistory<T>(work: (history: HistoryTx) => Promise<T>): Promise<T> {
    return this.writer.transaction((tx) =>
      work({
        tx,
        lock: (id, userId) => this.repository.lockForHistory(tx, id, userId),
        touch: (id, userId, change, guard) => this.repository.touchForHistory(tx, id, userId, change, guard),
      }),
    );
  }

  /**
   * An append whose answer was lost, found committed (HistoryWrites): told now, with the row as it
   * is now and the seqs it took (its last is `lastSeq`).
   */
  appendedLate(session: Session, lastSeq: number, appended: number): Promise<void> {
    return this.writer.tell([{ type: 'session.messages', session: { ...session, lastSeq }, change: { appended } }]);
  }

  /**
   * A history change as one statement, committed on its own (no BEGIN/COMMIT round trips): the
   * row's touch and the guard's riders (the messages' insert, a key's record) succeed or fail together, and the
   * row reaches the cache after the commit. Null when the guard or ownership did not match.
   */
  touchHistory(id: string, userId: string, change: HistoryChange, guard: HistoryGuard): Promise<Session | null> {
    return this.writer.write((tx) => this.repository.touchForHistory(tx, id, userId, change, guard));
  }

  /** Plain appends to several sessions in one statement, its riders with them (history-appends.sql.ts); per append its row, or null. */
  touchAppends(appends: GroupedAppend[], riders: HistoryRider[]): Promise<Array<Session | null>> {
    return this.writer.write((tx) => this.repository.touchForAppends(tx, appends, riders));
  }
}
