import { Injectable } from '@nestjs/common';
import { type ImportedHistory, type InsertPhase, HistoryImports } from '../messages/history-imports.js';
import type { Session } from '../sessions/session.columns.js';
import { isSessionKey, SESSION_KEY_MAX } from '../sessions/session-key.js';
import type { ImportProgress } from './import-progress.js';
import { ImportReport } from './import-report.js';
import { SessionBatch } from './session-batch.js';
import type { ImportSource, SourceEntry, SourceSession } from './import-source.js';
import { ImportTimings, timedReads } from './import-timings.js';
import { importedMetadata } from './imported-metadata.js';

export interface ImportOptions {
  userId: string;
  dryRun: boolean;
  /** sessions per transaction */
  batchSize: number;
  /** batches written at once, each on a connection of its own */
  writers: number;
}

// Source sessions read between two turns of the event loop.
const YIELD_EVERY = 200;

/**
 * One run: reads the source's sessions in order and writes them in batches of whole sessions, one
 * transaction each (HistoryImports), so a killed run leaves every session whole or absent; the
 * next batch is read while `writers` batches are written, each on a connection of its own. What
 * is there already is looked up by key first: a rerun finds it and imports nothing twice, and a
 * session that grew in the source gets only its new messages. Batches never share a key (a
 * session twice in the source is refused), so parallel ones cannot race each other.
 */
@Injectable()
export class ImportEngine {
  constructor(private readonly histories: HistoryImports) {}

  async run(source: ImportSource, options: ImportOptions, progress: ImportProgress, timings = new ImportTimings()): Promise<ImportReport> {
    const report = new ImportReport();
    const seen = new Set<string>();
    const importedAt = new Date().toISOString();
    let batch = new SessionBatch();
    // The batches being written while the next one is read: at most `writers`, each in a transaction of its own.
    const writing: Array<Promise<void>> = [];
    let read = 0;
    progress.start(await source.total());
    try {
      for await (const entry of timedReads(source.entries(), timings)) {
        // A synchronous reader (SQLite) would hold the event loop: let the writes' round trips through.
        if (++read % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
        const since = performance.now();
        this.take(entry, batch, seen, report, progress);
        timings.add('build', since);
        if (!batch.full(options.batchSize)) continue;
        while (writing.length >= options.writers) await writing.shift();
        const flushed = this.flush(source, batch.sessions, options, importedAt, report, timings);
        flushed.catch(() => {}); // awaited before a later batch or at the end, where it throws
        writing.push(flushed);
        batch = new SessionBatch();
      }
      for (const flushed of writing) await flushed;
    } catch (error) {
      // No transaction is left running behind a failed run.
      await Promise.allSettled(writing);
      throw error;
    }
    await this.flush(source, batch.sessions, options, importedAt, report, timings);
    progress.stop();
    return report;
  }

  /** One source entry: refused by name, or added to the batch. */
  private take(entry: SourceEntry, batch: SessionBatch, seen: Set<string>, report: ImportReport, progress: ImportProgress): void {
    if ('refused' in entry) {
      this.count(report, progress, 1, entry.refused.messages);
      return report.refuse(entry.refused.id, entry.refused.messages, entry.refused.reason);
    }
    const session = entry.session;
    this.count(report, progress, 1, session.messages.length);
    const refusal = seen.has(session.id) ? 'appears twice in the source' : keyRefusal(session.id);
    if (refusal) return report.refuse(session.id, session.messages.length, refusal);
    seen.add(session.id);
    batch.add(session);
  }

  private count(report: ImportReport, progress: ImportProgress, sessions: number, messages: number): void {
    report.sessions.source += sessions;
    report.messages.source += messages;
    progress.advance(sessions, messages);
  }

  private async flush(
    source: ImportSource,
    batch: SourceSession[],
    options: ImportOptions,
    importedAt: string,
    report: ImportReport,
    timings: ImportTimings,
  ) {
    if (!batch.length) return;
    const { lap, history } = timings.laps();
    const existing = new Map<string, Session>();
    for (const session of await this.histories.findByKeys(
      options.userId,
      batch.map((session) => session.id),
    ))
      existing.set(session.key!, session);
    lap('lookup');
    const fresh: ImportedHistory[] = [];
    for (const session of batch) {
      const there = existing.get(session.id);
      if (there) await this.update(source, session, there, options, report);
      else {
        const history = this.historyOf(source, session, options.userId, importedAt);
        if (typeof history === 'string') report.refuse(session.id, session.messages.length, history);
        else fresh.push(history);
      }
    }
    lap('build');
    if (options.dryRun) {
      for (const history of fresh) report.count('imported', 1, history.messages.length);
      return;
    }
    await this.insert(fresh, report, history);
  }

  /** A session this user has already: the same import's, maybe with new messages; anything else is refused. */
  private async update(source: ImportSource, session: SourceSession, there: Session, options: ImportOptions, report: ImportReport) {
    const from = (there.metadata.parse() as { importedFrom?: { source?: unknown } } | null)?.importedFrom;
    if (from?.source !== source.name) {
      report.refuse(session.id, session.messages.length, `the key is taken by a session that was not imported from ${source.name}`);
      return;
    }
    const added = session.messages.slice(there.messageCount);
    if (!added.length) return report.count('already there', 1, session.messages.length);
    if (!options.dryRun) {
      try {
        await this.histories.append(there, added);
      } catch (error) {
        // A 412: someone wrote to the history since the look-up; nothing was appended.
        return report.refuse(session.id, session.messages.length, `its new messages were not appended: ${(error as Error).message}`);
      }
    }
    report.count('appended', 1, added.length);
    report.count('already there', 0, there.messageCount);
  }

  /**
   * The batch in one transaction; if PostgreSQL refuses it (a text the json type will not take,
   * such as an escaped lone surrogate), each session alone, so only the bad one is refused.
   */
  private async insert(fresh: ImportedHistory[], report: ImportReport, ended: (phase: InsertPhase) => void): Promise<void> {
    if (!fresh.length) return;
    try {
      return this.counted(fresh, await this.histories.insert(fresh, ended), report);
    } catch (error) {
      if (fresh.length === 1)
        return report.refuse(fresh[0].session.key, fresh[0].messages.length, `the database refused it: ${(error as Error).message}`);
    }
    for (const history of fresh) await this.insert([history], report, ended);
  }

  private counted(fresh: ImportedHistory[], inserted: Set<string>, report: ImportReport): void {
    for (const history of fresh)
      // A key taken between the look-up and the insert: another run imported it meanwhile.
      report.count(inserted.has(history.session.key) ? 'imported' : 'already there', 1, history.messages.length);
  }

  private historyOf(source: ImportSource, session: SourceSession, userId: string, importedAt: string): ImportedHistory | string {
    const metadata = importedMetadata(session.metadata, { source: source.name, id: session.id, importedAt });
    if (metadata === null) return 'the session metadata is not a JSON object';
    return {
      session: {
        userId,
        key: session.id,
        title: session.title ?? null,
        problemStatement: session.problemStatement ?? null,
        context: session.context ?? '{}',
        metadata,
        messageCount: session.messages.length,
        createdAt: session.createdAt,
        updatedAt: session.updatedAt,
      },
      messages: session.messages,
    };
  }
}

function keyRefusal(id: string): string | null {
  if (isSessionKey(id)) return null;
  const length = [...id].length;
  return length > SESSION_KEY_MAX
    ? `key too long (${length} characters, at most ${SESSION_KEY_MAX})`
    : 'not a usable key (empty, control characters or broken Unicode)';
}
