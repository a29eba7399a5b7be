import pg from 'pg';

/*
 * The run's PostgreSQL database. Without TEST_DATABASE_URL each run gets `session_store_test_<pid>`
 * (created here, dropped by the global teardown with the `<name>_*` databases specs derive from
 * it), so two clones running `npm test` at once never share a schema. While the run lives it holds
 * a session-level advisory lock named after its database: a run killed before its teardown loses
 * the lock with its connection, and the next run drops what it left behind.
 */
const SERVER = 'postgres://postgres@127.0.0.1:5432';
const PER_RUN = /^session_store_test_\d+$/;

function withDatabase(url, name) {
  const next = new URL(url);
  next.pathname = `/${name}`;
  return next.toString();
}

export async function claimDatabase() {
  const explicit = process.env.TEST_DATABASE_URL;
  const url = explicit || `${SERVER}/session_store_test_${process.pid}`;
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!name.includes('test')) throw new Error(`Refusing to run tests against database "${name}": its name must contain "test"`);
  if (explicit) return { url, name, release: async () => undefined };

  const admin = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await admin.connect();
  try {
    const [{ locked }] = (await admin.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [name])).rows;
    if (!locked) throw new Error(`database "${name}" belongs to another live test run`);
    await dropAbandoned(admin, name);
  } catch (error) {
    await admin.end();
    throw error;
  }
  return {
    url,
    name,
    release: async () => {
      try {
        await dropRunDatabases(admin, name);
      } finally {
        await admin.end(); // also releases the advisory lock
      }
    },
  };
}

/** Per-run databases whose run is gone (its advisory lock is free), and our own name's leftovers. */
async function dropAbandoned(admin, ownName) {
  const { rows } = await admin.query('SELECT datname FROM pg_database WHERE datname LIKE $1', ['session_store_test_%']);
  for (const { datname } of rows) {
    if (!PER_RUN.test(datname)) continue;
    if (datname === ownName) {
      await dropRunDatabases(admin, datname);
      continue;
    }
    const [{ locked }] = (await admin.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [datname])).rows;
    if (!locked) continue;
    try {
      await dropRunDatabases(admin, datname);
    } finally {
      await admin.query('SELECT pg_advisory_unlock(hashtext($1))', [datname]);
    }
  }
}

async function dropRunDatabases(admin, name) {
  const escaped = name.replace(/[\\_%]/g, '\\$&');
  const { rows } = await admin.query('SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2', [name, `${escaped}\\_%`]);
  // Derived databases first, so a crash in between still leaves the parent to find them by.
  for (const { datname } of rows.sort((a, b) => b.datname.length - a.datname.length)) {
    await admin.query(`DROP DATABASE IF EXISTS "${datname.replace(/"/g, '""')}" WITH (FORCE)`);
  }
}
