import { Injectable } from '@nestjs/common';
import { JsonText } from '../common/json-text.js';
import type { Session } from '../sessions/session.columns.js';
import type { ImportedSession } from '../sessions/session-import.sql.js';
import { SessionStore } from '../sessions/session.store.js';
import { historyEtag } from '../sessions/history-etag.js';
import { HistoryWrites } from './history-writes.js';
import { type ImportedMessage, type ImportedMessageRow, MessagesRepository } from './messages.repository.js';

export type { ImportedMessage } from './messages.repository.js';
export type { ImportedSession } from '../sessions/session-import.sql.js';

/** The steps of a batch's transaction, told as each ends (the import's `--timings`). */
export type InsertPhase = 'sessions' | 'build' | 'messages' | 'commit';

/** An imported session with its whole history, oldest first. */
export interface ImportedHistory {
  session: ImportedSession;
  messages: ImportedMessage[];
}

/**
 * The history's side of an import (src/import/ reads the sources): new sessions and their
 * messages in one transaction per batch, and the new messages of a session that grew since the
 * last run appended like any append (the cache and the history's tail follow).
 */
@Injectable()
export class HistoryImports {
  constructor(
    private readonly store: SessionStore,
    private readonly messages: MessagesRepository,
    private readonly writes: HistoryWrites,
  ) {}

  findByKeys(userId: string, keys: string[]): Promise<Session[]> {
    return this.store.findOwnedByKeys(userId, keys);
  }

  /** Inserts the batch whole (one transaction); the keys that were inserted (one taken meanwhile is not). */
  async insert(histories: ImportedHistory[], ended: (phase: InsertPhase) => void = () => undefined): Promise<Set<string>> {
    const byKey = new Map(histories.map((history) => [history.session.key, history]));
    const keys = await this.store.importSessions(
      histories.map((history) => history.session),
      async (tx, inserted) => {
        ended('sessions');
        const rows: ImportedMessageRow[] = [];
        for (const session of inserted)
          byKey
            .get(session.key!)!
            .messages.forEach((message, index) => rows.push({ ...message, sessionId: session.id, userId: session.userId, seq: index + 1 }));
        ended('build');
        await this.messages.copyImported(tx, rows);
        ended('messages');
        return new Set(inserted.map((session) => session.key!));
      },
    );
    ended('commit');
    return keys;
  }

  /**
   * Appends what a source session gained since it was imported, only if the history is still as
   * it was read (If-Match): a racing run or writer makes it a 412, never a duplicate.
   */
  async append(session: Session, messages: ImportedMessage[]): Promise<void> {
    await this.writes.write(session.userId, session.id, {
      items: messages.map((message) => ({
        role: message.role,
        content: new JsonText(message.content),
        metadata: new JsonText(message.metadata),
      })),
      ifMatch: historyEtag(session),
    });
  }
}
