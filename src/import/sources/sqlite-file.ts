import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { SourceUnavailableError } from '../import-source.js';

/*
 * SQLite through node:sqlite, built into the pinned Node 24: no native add-on to compile or
 * download (better-sqlite3 needs one), and its synchronous statements suit a reader that walks a
 * file once. Opened read-only: an import never changes its source.
 */
export function openSqlite(file: string, tables: string[]): { db: DatabaseSync; location: string } {
  const location = resolve(file);
  if (!existsSync(location)) throw new SourceUnavailableError(`cannot open ${file}: no such file`);
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(location, { readOnly: true });
    for (const table of tables) db.prepare(`SELECT 1 FROM ${quoteName(table)} LIMIT 1`).all();
  } catch (error) {
    throw new SourceUnavailableError(
      `cannot read ${file} as the expected SQLite tables (${tables.join(', ')}): ${(error as Error).message}`,
    );
  }
  return { db, location };
}

/** A table name from the command line as an SQLite identifier. */
export function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
