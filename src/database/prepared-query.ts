import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { EntityManager } from 'typeorm';
import { primaryPool } from './primary-pool.js';

// Texts named so far. The hot statements are a few templates; past this many, a text runs unnamed.
const MAX_NAMES = 500;
const names = new Map<string, string>();
/*
 * Part of every name. A migration that changes a table's columns (another instance's rolling
 * deploy) makes PostgreSQL refuse a statement prepared before it that returns `*` ("cached plan
 * must not change result type", 0A000): the generation then moves on, so every connection
 * prepares its statements anew under new names, and the refused call is run again.
 */
let generation = 0;
const RESULT_TYPE_CHANGED = '0A000';

/** A statement's name: its text's hash, so two texts never share a name (node-pg refuses that). */
function nameOf(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_NAMES) {
    name = `q${generation}_${createHash('sha1').update(text).digest('base64url').slice(0, 22)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * Runs `text` as a named prepared statement: PostgreSQL parses and plans it once per connection
 * instead of on every call. For an append, planning cost more than running: pgbench doing the
 * append's statement did 2.5x the commits/s prepared (-M prepared) as parsed each time
 * (-M extended, what TypeORM's query() sends). With a query runner (a transaction's, or
 * SessionWriter's) the statement runs on its connection; otherwise on a connection of the same pool
 * (its json type parser, timeouts and outage errors are the pool's, as with query()). Always the
 * rows, whatever the command.
 */
export async function queryPrepared<Row = Record<string, any>>(manager: EntityManager, text: string, values: unknown[]): Promise<Row[]> {
  const runner = manager.queryRunner;
  const onRunner = !!runner && !runner.isReleased;
  const inTransaction = onRunner && runner.isTransactionActive;
  const run = async () => {
    const config = { name: nameOf(text), text, values };
    if (onRunner) return (await ((await runner.connect()) as pg.PoolClient).query(config)).rows as Row[];
    return (await primaryPool(manager.connection)!.query(config)).rows as Row[];
  };
  try {
    return await run();
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    if (code !== RESULT_TYPE_CHANGED || !message?.includes('result type')) throw error;
    generation++;
    names.clear();
    // A transaction is aborted by the refusal: it fails this once. A single statement runs again.
    if (inTransaction) throw error;
    return run();
  }
}

/**
 * queryPrepared on `pool` when given (a read replica's, src/database/read-replicas.ts), else on the
 * primary's pool. A replica's connections prepare their statements under the same names.
 */
export function queryPreparedOn<Row = Record<string, any>>(
  manager: EntityManager,
  pool: pg.Pool | undefined,
  text: string,
  values: unknown[],
): Promise<Row[]> {
  if (!pool) return queryPrepared<Row>(manager, text, values);
  return pool.query({ name: nameOf(text), text, values }).then((result) => result.rows as Row[]);
}
