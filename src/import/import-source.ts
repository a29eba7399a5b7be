import type { ImportedMessage } from '../messages/history-imports.js';

/** One session as a source holds it: its id (the key here), its history oldest first, and what else it has. */
export interface SourceSession {
  id: string;
  messages: ImportedMessage[];
  createdAt: Date | null;
  updatedAt: Date | null;
  title?: string | null;
  problemStatement?: string | null;
  /** JSON texts (the store's own export has them) */
  context?: string;
  metadata?: string;
}

/** A session the source holds but that cannot be imported, named with the reason. */
export interface SourceRefusal {
  id: string;
  messages: number;
  reason: string;
}

export type SourceEntry = { session: SourceSession } | { refused: SourceRefusal };

export interface ImportSource {
  /** `kind:location`, as written into each session's metadata.importedFrom.source */
  readonly name: string;
  /** How many sessions it holds, when that is cheap to know (for the progress bar). */
  total(): Promise<number | undefined>;
  /** In source order; a synchronous reader (SQLite) may return a plain iterable. */
  entries(): AsyncIterable<SourceEntry> | Iterable<SourceEntry>;
  close(): Promise<void>;
}

/** A source that cannot be opened or read at all: one line, exit code 2. */
export class SourceUnavailableError extends Error {}

/** A session's refusal built while reading it: the first bad row names the reason. */
export class RowRefused extends Error {}
