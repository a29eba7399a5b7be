import { DataSource } from 'typeorm';
import { validateEnv } from '../config/env.validation.js';
import { dataSourceOptions } from './data-source-options.js';

// For the TypeORM CLI: `npx typeorm migration:run -d dist/src/database/data-source.js`.
export default new DataSource(dataSourceOptions(validateEnv(process.env).DATABASE_URL));
