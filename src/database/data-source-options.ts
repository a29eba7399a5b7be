import pg, { type PoolConfig } from 'pg';
import type { DataSourceOptions } from 'typeorm';
import { migrations } from '../../migrations/index.js';

// How long a request waits for a free connection (then 503), and for one query.
const CONNECT_TIMEOUT_MS = 3000;
// A query stuck behind a dead server fails instead of holding the request forever.
const QUERY_TIMEOUT_MS = 15000;

const JSON_OID = 114;

/*
 * `json` columns (the free-form values, kept as sent) arrive as their text, unparsed: the mappers
 * wrap it in a JsonText and answers write it back as is. Per pool, not pg's global type table.
 */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === JSON_OID ? (text: string) => text : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * One definition of the connection, shared by the app, the CLI data source and the test setup.
 * `poolSize` is DATABASE_POOL_SIZE for the app; the migration runner and the CLI need few.
 */
export function dataSourceOptions(url: string, poolSize = 2): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    // Queries are raw SQL mapped by src/*/*.columns.ts: TypeORM runs migrations and holds the pool.
    entities: [],
    migrations,
    synchronize: false,
    migrationsTableName: 'migrations',
    extra: { max: poolSize, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, query_timeout: QUERY_TIMEOUT_MS, types },
  };
}

/** The separate pool of limit=all streams (MessagesRepository): same server, same timeouts. */
export function streamPoolOptions(url: string, size: number): PoolConfig {
  return { connectionString: url, max: size, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, query_timeout: QUERY_TIMEOUT_MS, types };
}
