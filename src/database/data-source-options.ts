import pg, { type PoolConfig } from 'pg';
import type { DataSourceOptions } from 'typeorm';
import { migrations } from '../../migrations/index.js';

// How long a request waits for a free connection (then 503).
const CONNECT_TIMEOUT_MS = 3000;

/**
 * The app's bounds on one statement. PostgreSQL cancels it first (statement_timeout, sent when
 * each connection starts), which rolls it back: a 503 then truly wrote nothing. The client's own
 * timeout, longer, is the last resort for a server that does not answer at all; a write it leaves
 * unknown is settled by SessionWriter (docs/statement-timeouts.md).
 */
export interface DatabaseTimeouts {
  statementTimeoutMs: number;
  queryTimeoutMs: number;
}

const JSON_OID = 114;

/*
 * `json` columns (the free-form values, kept as sent) arrive as their text, unparsed: the mappers
 * wrap it in a JsonText and answers write it back as is. Per pool, not pg's global type table.
 */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === JSON_OID ? (text: string) => text : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** A pool's settings: its size, and the timeouts when given (migrations and the CLI run without). */
function poolSettings(size: number, timeouts?: DatabaseTimeouts): PoolConfig {
  return {
    max: size,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: timeouts?.statementTimeoutMs,
    query_timeout: timeouts?.queryTimeoutMs,
    types,
  };
}

/**
 * One definition of the connection, shared by the app, the CLI data source and the test setup.
 * `poolSize` is DATABASE_POOL_SIZE for the app; the migration runner and the CLI need few, and no
 * timeouts: a migration may rewrite a large table, which takes as long as it takes.
 */
export function dataSourceOptions(url: string, poolSize = 2, timeouts?: DatabaseTimeouts): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    // Queries are raw SQL mapped by src/*/*.columns.ts: TypeORM runs migrations and holds the pool.
    entities: [],
    migrations,
    synchronize: false,
    migrationsTableName: 'migrations',
    extra: poolSettings(poolSize, timeouts),
  };
}

/** The separate pool of limit=all streams (MessagesRepository): same server, same timeouts. */
export function streamPoolOptions(url: string, size: number, timeouts: DatabaseTimeouts): PoolConfig {
  return { connectionString: url, ...poolSettings(size, timeouts) };
}
