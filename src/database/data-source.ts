import { DataSource } from 'typeorm';
import { validateEnv } from '../config/env.validation.js';
import { dataSourceOptions } from './data-source-options.js';

// For the TypeORM CLI: `npx typeorm migration:run -d dist/src/database/data-source.js`.
const env = validateEnv(process.env);
export default new DataSource(dataSourceOptions(env.DATABASE_URL, env.DATABASE_POOL_SIZE));
