import { DataSource } from 'typeorm';
import { readEnvFile } from '../config/env-file.js';
import { validateEnv } from '../config/env.validation.js';
import { assertServerDatabase } from './database-choice.js';
import { dataSourceOptions } from './data-source-options.js';

// For the TypeORM CLI: `npx typeorm migration:run -d dist/src/database/data-source.js`.
readEnvFile();
const env = validateEnv(process.env);
assertServerDatabase(env);
export default new DataSource(dataSourceOptions(env.DATABASE_URL, env.DATABASE_POOL_SIZE));
