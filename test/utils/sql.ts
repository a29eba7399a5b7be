import pg from 'pg';

/**
 * A raw connection to the run's database (or `url`), for what only SQL can do in an e2e spec: set
 * up a state the API would take minutes to reach, hold a lock or cause a fault. What a test
 * asserts on tables belongs in the medium tier (test/medium/), not here. The caller ends it.
 */
export async function openSql(url = process.env.DATABASE_URL!): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

/** openSql for one use: the connection is ended whatever `use` does. */
export async function withSql<T>(use: (sql: pg.Client) => Promise<T>, url?: string): Promise<T> {
  const client = await openSql(url);
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Rows of one statement on a connection of its own (a setup step, or what a fault left behind). */
export function sqlRows<T = Record<string, any>>(text: string, values: unknown[] = [], url?: string): Promise<T[]> {
  return withSql(async (client) => (await client.query(text, values)).rows as T[], url);
}

/** What a spec queries through: a pg.Client, or useSql's stand-in for one. */
export type Sql = Pick<pg.Client, 'query'>;

/**
 * The calling describe's raw connection, opened in a `beforeAll` and ended in its `afterAll` (as
 * useTestApp does for the app): for a spec that must see PostgreSQL past a faulty path the app
 * takes (a proxy holding answers, an outage).
 */
export function useSql(url?: string): Sql {
  let client: pg.Client | null = null;
  beforeAll(async () => {
    client = await openSql(url);
  });
  afterAll(async () => {
    await client?.end();
    client = null;
  });
  const query = (...args: unknown[]) => {
    if (!client) throw new Error('useSql: the connection is used outside its describe');
    return (client.query as (...a: unknown[]) => unknown)(...args);
  };
  return { query } as Sql;
}

/**
 * The session rows of `ids`, locked FOR UPDATE by a transaction of another connection, as a slow
 * writer would hold them, until `release()` (once; later calls do nothing); `sql` is that connection, inside the transaction.
 */
export async function lockSessionRows(ids: string[]): Promise<{ sql: pg.Client; release(): Promise<void> }> {
  const sql = await openSql();
  try {
    await sql.query('BEGIN');
    await sql.query('SELECT 1 FROM sessions WHERE id = ANY($1::uuid[]) FOR UPDATE', [ids]);
  } catch (error) {
    await sql.end();
    throw error;
  }
  let released = false;
  return {
    sql,
    async release() {
      if (released) return;
      released = true;
      try {
        await sql.query('COMMIT');
      } finally {
        await sql.end();
      }
    },
  };
}

/** The run's database URL with another database name: a database a spec makes of its own. */
export function databaseNamed(name: string, url = process.env.DATABASE_URL!): string {
  const next = new URL(url);
  next.pathname = `/${name}`;
  return next.toString();
}

/** Drops the database `url` names, its open connections too (from the server's `postgres` database). */
export async function dropDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  await withSql(
    (admin) => admin.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`),
    databaseNamed('postgres', url),
  );
}
