import type { DataSourceOptions } from 'typeorm';
import { migrations } from '../../migrations/index.js';
import { MessageEntity } from '../messages/message.entity.js';
import { SessionEntity } from '../sessions/session.entity.js';

export const entities = [SessionEntity, MessageEntity];

/** One definition of the connection, shared by the app, the CLI data source and the test setup. */
export function dataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
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
