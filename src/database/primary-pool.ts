import type pg from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';

/**
 * The pg pool TypeORM opened for the primary (DATABASE_URL): the postgres driver's public `master`
 * (typed `any` by TypeORM). The one place that knows where the pool lies; undefined before the
 * data source connects and after it closes.
 */
export function primaryPool(db: DataSource): pg.Pool | undefined {
  return (db.driver as PostgresDriver).master as pg.Pool | undefined;
}
