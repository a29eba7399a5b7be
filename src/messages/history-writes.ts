import { Injectable } from '@nestjs/common';
import { DatabaseUnavailableError, SessionNotFoundError, WriteOutcomeUnknownError } from '../common/domain-error.js';
import { RUNNING } from '../sessions/session-status.js';
import { type HistoryTx, type SessionTx, SessionStore } from '../sessions/session.store.js';
import { historyEtag, type HistoryState, historyStatesOf, requireHistoryMatch } from '../sessions/history-etag.js';
import type { HistoryCap } from '../sessions/session-write.types.js';
import { AppendGroups } from './append-groups.js';
import { CappedSessions } from './capped-sessions.js';
import { HistoryTailCache } from './history-tail.cache.js';
import type { Session } from '../sessions/session.columns.js';
import { type AppendRecord, isKeyRecorded, MessageAppendsRepository } from './message-appends.repository.js';
import type { Message } from './message.columns.js';
import { MessagesRepository, type NewMessage } from './messages.repository.js';

/** An append (POST), a replace of a suffix (replaceFrom) or of the whole (PUT), with its preconditions. */
export interface HistoryWrite {
  items: NewMessage[];
  /**
   * Removes every message with seq >= replaceFrom first (replaceFromSeq), or every message and
   * every key ('all': PUT replaces the history).
   */
  replaceFrom?: number | 'all';
  ifMatch?: string;
  idempotencyKey?: string;
}

export interface Written<T> {
  result: T;
  /** The history's ETag after the write (for a repeat of a key: as it is now). */
  etag: string;
}

/**
 * Every history change, under the session row's lock: an append as one statement, the rest as one
 * transaction (docs/how-it-works.md, "Messages"); after the commit the cached tail follows. A key
 * is looked up before If-Match, so a retry whose first attempt committed is not its own 412.
 */
@Injectable()
export class HistoryWrites {
  constructor(
    private readonly messages: MessagesRepository,
    private readonly appends: MessageAppendsRepository,
    private readonly rows: SessionStore,
    private readonly tail: HistoryTailCache,
    private readonly capped: CappedSessions,
    private readonly groups: AppendGroups,
  ) {}

  async write(userId: string, sessionId: string, write: HistoryWrite): Promise<Written<Message[]>> {
    if (write.replaceFrom === undefined) {
      const appended = await this.append(userId, sessionId, write);
      if (appended) return appended;
    }
    const outcome = await this.rows.changeHistory(async (history): Promise<{ items: Message[]; state: HistoryState } | null> => {
      const { tx } = history;
      const replacing = write.replaceFrom !== undefined;
      const state = await history.lock(sessionId, userId);
      if (!state) return null;
      const prior = write.idempotencyKey === undefined ? null : await this.appends.find(tx, sessionId, write.idempotencyKey);
      if (prior) return { items: await this.firstAnswer(tx, sessionId, write.idempotencyKey!, prior), state };
      requireHistoryMatch(write.ifMatch, state);
      const removed = replacing ? await this.removeFrom(history, sessionId, write.replaceFrom!) : 0;
      const appended = write.items.length;
      const change = replacing
        ? { replaced: { removed, appended, fromSeq: write.replaceFrom === 'all' ? 1 : write.replaceFrom! } }
        : { appended };
      // A replace is the client's own compaction: the cap applies from the next append.
      const session = await history.touch(sessionId, userId, change, replacing ? {} : { cap: this.capOf(write.items) });
      if (!session) return null;
      if (!replacing) this.capped.saw(session);
      const firstSeq = session.lastSeq - appended + 1;
      const items = appended ? await this.messages.insert(tx, sessionId, firstSeq, write.items) : [];
      if (write.idempotencyKey !== undefined) await this.appends.record(tx, sessionId, write.idempotencyKey, { firstSeq, count: appended });
      return { items, state: session };
    });
    await this.tail.forget(sessionId);
    if (!outcome) throw new SessionNotFoundError();
    return { result: outcome.items, etag: historyEtag(outcome.state) };
  }

  /**
   * One statement: the row's UPDATE, the INSERT, a key's record and the cap's cut as one CTE, no
   * BEGIN/COMMIT. Null when it matched nothing (404, 412, a repeat, a cap it did not expect): the
   * transaction path then decides under the row lock (docs/how-it-works.md, "Messages").
   */
  private async append(userId: string, sessionId: string, write: HistoryWrite): Promise<Written<Message[]> | null> {
    const { items, ifMatch, idempotencyKey } = write;
    const matching = ifMatch === undefined ? undefined : historyStatesOf(ifMatch);
    const { ids, rider, written, stored } = this.messages.appendRider(items);
    const cap = this.capped.expected(sessionId) ? this.capOf(items) : undefined;
    let session: Session | null;
    try {
      if (matching === undefined && !cap && this.groups.takes(items)) {
        // The common append: with others arriving meanwhile, in one statement (AppendGroups).
        session = await this.groups.touch({ sessionId, userId, items, ids, idempotencyKey });
      } else {
        const riders = idempotencyKey === undefined ? [rider] : [rider, this.appends.recordRider(idempotencyKey, items.length)];
        session = await this.rows.touchHistory(sessionId, userId, { appended: items.length }, { matching, riders, cap });
      }
    } catch (error) {
      if (idempotencyKey !== undefined && isKeyRecorded(error)) return null;
      if (error instanceof WriteOutcomeUnknownError && error.settled) return this.answerLost(sessionId, stored);
      throw error;
    }
    if (!session) return null;
    this.capped.saw(session);
    const messages = written(session);
    await this.tail.appended(sessionId, session, messages, cap?.trimmed);
    return { result: messages, etag: historyEtag(session) };
  }

  /** For the control plane's handlers: null once the session is no longer running (the row lock orders it against a kill). */
  async appendWhileRunning(userId: string, sessionId: string, items: NewMessage[]): Promise<Message[] | null> {
    const { rider, written, stored } = this.messages.appendRider(items);
    const cap = this.capped.expected(sessionId) ? this.capOf(items) : undefined;
    let session: Session | null;
    try {
      session = await this.rows.touchHistory(sessionId, userId, { appended: items.length }, { onlyIf: RUNNING, riders: [rider], cap });
    } catch (error) {
      if (error instanceof WriteOutcomeUnknownError && error.settled) return (await this.answerLost(sessionId, stored)).result;
      throw error;
    }
    if (!session) return this.appendLockedWhileRunning(userId, sessionId, items);
    this.capped.saw(session);
    const messages = written(session);
    await this.tail.appended(sessionId, session, messages, cap?.trimmed);
    return messages;
  }

  /** appendWhileRunning's statement matched nothing: not running, or a capped append that raced another writer. Decided under the lock. */
  private async appendLockedWhileRunning(userId: string, sessionId: string, items: NewMessage[]): Promise<Message[] | null> {
    const messages = await this.rows.changeHistory(async (history) => {
      // Locked first: the touch's statement then reads the history as it is under the lock.
      if (!(await history.lock(sessionId, userId))) return null;
      const session = await history.touch(sessionId, userId, { appended: items.length }, { onlyIf: RUNNING, cap: this.capOf(items) });
      if (!session) return null;
      this.capped.saw(session);
      return this.messages.insert(history.tx, sessionId, session.lastSeq - items.length + 1, items);
    });
    await this.tail.forget(sessionId);
    return messages;
  }

  /** What the history cap needs to know of a batch (its SQL counts the stored messages itself). */
  private capOf(items: NewMessage[]): HistoryCap {
    let contentBytes = 0;
    for (const item of items) contentBytes += Buffer.byteLength(item.content.text);
    return {
      batch: { contentBytes, hasUser: items.some((item) => item.role === 'user') },
      remove: this.messages.trimRider(),
      keep: this.appends.keepTrimmedRider(),
    };
  }

  /**
   * An append whose answer was lost, once PostgreSQL has ended its statement (SessionWriter, which
   * also brought the cached row up to date): its messages tell whether it committed. If so, it is
   * answered and told as it would have been, with the row as it is now; if not, nothing was written.
   */
  private async answerLost(sessionId: string, stored: (sessionId: string) => Promise<Message[] | null>): Promise<Written<Message[]>> {
    let messages: Message[] | null;
    let session: Session | null;
    try {
      messages = await stored(sessionId);
      session = messages && (await this.rows.findById(sessionId));
    } catch {
      throw new WriteOutcomeUnknownError(true);
    }
    if (!messages) throw new DatabaseUnavailableError();
    if (!session) throw new WriteOutcomeUnknownError(true);
    await this.rows.appendedLate(session, messages.at(-1)!.seq, messages.length);
    await this.tail.forget(sessionId);
    return { result: messages, etag: historyEtag(session) };
  }

  /** The removed message; null when there was none. */
  async popLast(userId: string, sessionId: string, ifMatch?: string): Promise<Written<Message | null>> {
    const outcome = await this.rows.changeHistory(async (history) => {
      const state = await history.lock(sessionId, userId);
      if (!state) return null;
      requireHistoryMatch(ifMatch, state);
      const removed = await this.messages.deleteLast(history.tx, sessionId);
      if (removed) await this.appends.keepRemoved(history.tx, removed);
      const session = await history.touch(sessionId, userId, { popped: removed ? 1 : 0 });
      return session && { removed, state: session };
    });
    await this.tail.forget(sessionId);
    if (!outcome) throw new SessionNotFoundError();
    return { result: outcome.removed, etag: historyEtag(outcome.state) };
  }

  async clear(userId: string, sessionId: string, ifMatch?: string): Promise<Written<void>> {
    const state = await this.rows.changeHistory(async (history) => {
      const before = await history.lock(sessionId, userId);
      if (!before) return null;
      requireHistoryMatch(ifMatch, before);
      await this.messages.deleteAll(history.tx, sessionId);
      await this.appends.forgetAll(history.tx, sessionId);
      return history.touch(sessionId, userId, { cleared: true });
    });
    await this.tail.forget(sessionId);
    if (!state) throw new SessionNotFoundError();
    return { result: undefined, etag: historyEtag(state) };
  }

  /**
   * A replace's removal. A suffix's (replaceFromSeq) keeps the keys of writes it reaches into, with
   * their messages as they were; the whole history's (PUT) forgets every key.
   */
  private async removeFrom(history: HistoryTx, sessionId: string, from: number | 'all'): Promise<number> {
    if (from === 'all') {
      await this.appends.forgetAll(history.tx, sessionId);
      return this.messages.deleteFrom(history.tx, sessionId, 1);
    }
    await this.appends.keepRemovedFrom(history.tx, sessionId, from);
    return this.messages.deleteFrom(history.tx, sessionId, from);
  }

  /** What the first write of a key answered: its messages still there, and those a pop or a replace removed since. */
  private async firstAnswer(tx: SessionTx, sessionId: string, key: string, prior: AppendRecord): Promise<Message[]> {
    const present = await this.messages.listRange(tx, sessionId, prior.firstSeq, prior.count);
    if (present.length === prior.count) return present;
    const removed = await this.appends.removedOf(tx, sessionId, key);
    return [...present, ...removed].sort((a, b) => a.seq - b.seq);
  }
}
