import { PGlite } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { EmbeddedWireServer } from './embedded-wire.js';
import { isAlive } from '../common/process-alive.js';

/** Where `npm start` keeps the embedded database: ./data/pglite in the working directory. */
export const EMBEDDED_DATA_DIR = resolve('data', 'pglite');

export interface EmbeddedDatabase {
  /** A postgres:// URL the ordinary pg driver (TypeORM, the stream pool) connects to, through a Unix socket. */
  readonly url: string;
  readonly dataDir: string;
  stop(): Promise<void>;
}

/**
 * PGlite served over PostgreSQL's wire protocol (embedded-wire.ts), so the app keeps one code path;
 * one instance per data folder (`dataDir` undefined: in memory). No password, so no TCP port: a
 * private Unix socket under the short temporary path (docs/operations.md, "Services and the first run").
 */
export async function startEmbeddedDatabase(dataDir?: string): Promise<EmbeddedDatabase> {
  const lock = dataDir ? claimDataDir(dataDir) : undefined;
  let socketDir: string | undefined;
  try {
    // The extensions the migrations create (the title search's trigram index), built into PGlite.
    const extensions = { pg_trgm, btree_gin };
    const db = await PGlite.create(dataDir ? { dataDir, extensions } : { extensions });
    const server = new EmbeddedWireServer(db);
    socketDir = mkdtempSync(join(tmpdir(), 'session-store-db-'));
    await server.listen(socketDir);
    const folder = socketDir;
    return {
      // pg reads a host that is a path as the folder of the socket `.s.PGSQL.5432`. PGlite ignores
      // the database name; it names this data directory, so that the control plane's default key
      // prefix (control:<database name>) is this directory's own.
      url: `postgres://postgres@${encodeURIComponent(folder)}/${embeddedDatabaseName(dataDir)}`,
      dataDir: dataDir ?? '(memory)',
      stop: async () => {
        await server.close();
        await db.close();
        rmSync(folder, { recursive: true, force: true });
        lock?.release();
      },
    };
  } catch (error) {
    if (socketDir) rmSync(socketDir, { recursive: true, force: true });
    lock?.release();
    throw error;
  }
}

export function embeddedDatabaseName(dataDir?: string): string {
  return `embedded_${dataDir ? createHash('sha256').update(dataDir).digest('hex').slice(0, 8) : `memory_${process.pid}`}`;
}

/** `<dataDir>.lock` holds the pid of the process serving it: a second `npm start` is refused. */
function claimDataDir(dataDir: string): { release: () => void } {
  const path = `${dataDir}.lock`;
  mkdirSync(dirname(path), { recursive: true });
  const holder = Number(readFileSync(path, { encoding: 'utf8', flag: 'a+' }).trim());
  if (holder && holder !== process.pid && isAlive(holder)) {
    throw new Error(
      `the embedded database in ${dataDir} is in use by process ${holder}: it serves one instance only (set DATABASE_URL to share a PostgreSQL)`,
    );
  }
  writeFileSync(path, String(process.pid));
  return { release: () => rmSync(path, { force: true }) };
}
