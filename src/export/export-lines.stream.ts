import { Readable } from 'node:stream';
import { stringifyExact } from '../common/json-text.js';
import { messageJson } from '../messages/message.mapper.js';
import type { Session } from '../sessions/session.columns.js';
import { toSessionResponse } from '../sessions/session.mapper.js';
import type { ExportSnapshot } from './export-snapshot.js';
import type { ExportPosition, ExportRepository } from './export.repository.js';

/** The first field of every line: what an importer checks before it reads the rest. */
export const EXPORT_FORMAT = 'session-store/v1';

/** Sessions listed per read of the walk: the positions are all it keeps of the sessions ahead. */
const LIST_PAGE = 100;
/**
 * A reader that takes no batch for this long while a session's transaction is open (a history of
 * more than one batch) is cut off: a slow reader never holds a snapshot, nor its connection, for long.
 */
export const SNAPSHOT_HOLD_MS = 60_000;

export interface ExportSource {
  repository: ExportRepository;
  /** What GET shows of the session (a run's live progress laid over the row). */
  shown: (session: Session) => Promise<Session>;
}

/**
 * A user's export as JSON lines, one session per line (docs/api.md, "Export"):
 * `{"format":...,"session":{...GET's answer},"messages":[...limit=all's items]}`. Written as the
 * client reads: the next batch is read only when the last one has been taken, so memory holds a
 * batch and a page of positions whatever the user has. Sessions deleted since they were listed
 * are left out. A failure cuts the answer short; it never ends as if complete.
 */
export class ExportLinesStream extends Readable {
  private positions: ExportPosition[];
  private done = false;
  private current: { snapshot: ExportSnapshot; first: boolean } | null = null;
  private reading = false;
  private lastPosition: ExportPosition | null = null;
  private holdTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly userId: string,
    private readonly source: ExportSource,
    firstPositions: ExportPosition[],
  ) {
    super();
    this.positions = firstPositions;
    this.done = firstPositions.length < LIST_PAGE;
  }

  /** The positions of the walk's first page: read before the answer starts, so a database outage is a 503, not a cut answer. */
  static firstPage(repository: ExportRepository, userId: string): Promise<ExportPosition[]> {
    return repository.listPositions(userId, null, LIST_PAGE);
  }

  override _read(): void {
    this.clearHold();
    if (this.reading) return;
    this.reading = true;
    this.nextText().then(
      (text) => {
        this.reading = false;
        if (this.destroyed) return void this.closeCurrent();
        this.push(text);
        if (text !== null && this.current)
          this.holdTimer = setTimeout(() => this.destroy(new Error('export reader too slow')), SNAPSHOT_HOLD_MS);
      },
      (error: Error) => {
        this.destroy(error);
        void this.closeCurrent();
      },
    );
  }

  /** The next piece of the answer (never empty), or null at the end. */
  private async nextText(): Promise<string | null> {
    let head = '';
    if (!this.current) {
      const snapshot = await this.openNext();
      if (!snapshot) return null;
      this.current = { snapshot, first: true };
      const session = await this.source.shown(snapshot.session!);
      head = `{"format":"${EXPORT_FORMAT}","session":${stringifyExact(toSessionResponse(session))},"messages":[`;
    }
    const current = this.current;
    const { items, last } = await current.snapshot.next();
    // The last batch is in memory: the transaction ends before the client is given it.
    if (last) {
      this.current = null;
      await current.snapshot.close();
    }
    let text = head;
    for (const message of items) {
      text += (current.first ? '' : ',') + messageJson(message);
      current.first = false;
    }
    return last ? `${text}]}\n` : text;
  }

  /** The next session still there, opened as a snapshot; null when none is left. */
  private async openNext(): Promise<ExportSnapshot | null> {
    for (;;) {
      if (!this.positions.length) {
        if (this.done) return null;
        const after = this.lastPosition!;
        this.positions = await this.source.repository.listPositions(this.userId, after, LIST_PAGE);
        this.done = this.positions.length < LIST_PAGE;
        continue;
      }
      const position = this.positions.shift()!;
      this.lastPosition = position;
      const snapshot = await this.source.repository.openSession(this.userId, position.id);
      if (snapshot) return snapshot;
    }
  }

  private clearHold(): void {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
  }

  /** Ends the open session's transaction, if any (also one opened while the stream was being destroyed). */
  private closeCurrent(): Promise<void> {
    const closing = this.current?.snapshot.close() ?? Promise.resolve();
    this.current = null;
    return closing;
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.clearHold();
    this.closeCurrent().then(
      () => done(error),
      () => done(error),
    );
  }
}
