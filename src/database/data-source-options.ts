import type { DataSourceOptions } from 'typeorm';
import { migrations } from '../../migrations/index.js';

/** One definition of the connection, shared by the app, the CLI data source and the test setup. */
export function dataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    // Queries are raw SQL mapped by src/*/*.columns.ts: TypeORM runs migrations and holds the pool.
    entities: [],
    migrations,
    synchronize: false,
    migrationsTableName: 'migrations',
    extra: {
      max: 10,
      connectionTimeoutMillis: 3000,
      // A query stuck behind a dead server fails instead of holding the request forever.
      query_timeout: 15000,
    },
  };
}
