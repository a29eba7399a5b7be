import pg from 'pg';
import { databaseName, maskUrl } from './database-url.js';

const START_HINT =
  'start one with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` or `docker compose up -d postgres`';

/**
 * Creates the database named in `url` when it is missing, so that `npm start` works on a fresh
 * machine. Connects to the server's `postgres` database to do so. An unreachable server becomes
 * one line that names the URL (password masked) and how to start one.
 */
export async function ensureDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`PostgreSQL unreachable at ${maskUrl(url)} (${(error as Error).message}): ${START_HINT}`, { cause: error });
  }
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } catch (error) {
    // 42P04: another instance created it between our check and our CREATE.
    if ((error as { code?: string }).code !== '42P04') throw error;
  } finally {
    await client.end();
  }
}
