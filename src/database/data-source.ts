import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options.js';

// For the TypeORM CLI: `npx typeorm migration:run -d dist/src/database/data-source.js`.
export default new DataSource(
  dataSourceOptions(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/session_store'),
);
