import pg from 'pg';
import { encodeCursor } from '../src/sessions/session-cursor.js';

export const HEAVY_USER = 'bench-heavy';
const SESSIONS = 1_000_000;
const HEAVY_SESSIONS = 20_000; // enough for a page 500 pages deep at 20 a page
const USERS = 10_000;
const SESSIONS_WITH_HISTORY = 10_000; // x 100 messages = 1,000,000 messages

/**
 * 1,000,000 sessions across 10,000 users and 1,000,000 messages, in set-based INSERT ... SELECT
 * statements (one round trip each), unless the database already holds them.
 */
export async function seed(url: string, log: (line: string) => void): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM sessions WHERE user_id = $1`, [HEAVY_USER]);
    if (rows[0].n >= HEAVY_SESSIONS) return log('seed: already present');
    const started = Date.now();
    await client.query(`TRUNCATE sessions CASCADE`);
    await client.query(
      `INSERT INTO sessions (user_id, title, status, created_at, updated_at, last_activity_at, expires_at)
       SELECT CASE WHEN g <= $2 THEN $3 ELSE 'bench-' || lpad((g % ($4 - 1) + 1)::text, 5, '0') END,
              'session ' || g, 'created',
              timestamptz '2026-01-01' + g * interval '1 second', now(), now(), now() + interval '3650 days'
       FROM generate_series(1, $1) AS g`,
      [SESSIONS, HEAVY_SESSIONS, HEAVY_USER, USERS],
    );
    log(`seed: ${SESSIONS} sessions in ${Date.now() - started} ms`);
    await client.query(
      `WITH chosen AS (
         SELECT id FROM sessions WHERE user_id <> $1 ORDER BY id LIMIT $2
       ), inserted AS (
         INSERT INTO messages (session_id, seq, role, content)
         SELECT c.id, m, CASE WHEN m % 2 = 1 THEN 'user' ELSE 'assistant' END, to_jsonb('message ' || m)
         FROM chosen c, generate_series(1, 100) AS m
       )
       UPDATE sessions SET last_seq = 100, message_count = 100 WHERE id IN (SELECT id FROM chosen)`,
      [HEAVY_USER, SESSIONS_WITH_HISTORY],
    );
    await client.query('ANALYZE');
    log(`seed: done in ${Date.now() - started} ms`);
  } finally {
    await client.end();
  }
}

export interface Fixtures {
  sessions: Array<{ user: string; id: string }>; // plain sessions of many users
  histories: Array<{ user: string; id: string }>; // sessions with 100 messages
  deepCursor: string; // nextCursor of page 499 of the heavy user: the request for page 500
}

export async function fixtures(url: string): Promise<Fixtures> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const sessions = await client.query(
      `SELECT user_id AS user, id FROM sessions WHERE message_count = 0 AND user_id <> $1 AND title LIKE 'session %' ORDER BY id LIMIT 2000`,
      [HEAVY_USER],
    );
    const histories = await client.query(`SELECT user_id AS user, id FROM sessions WHERE message_count = 100 ORDER BY id LIMIT 2000`);
    const deep = await client.query(
      `SELECT id, created_at FROM sessions WHERE user_id = $1 AND status <> 'deleted' ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1`,
      [HEAVY_USER, 499 * 20 - 1],
    );
    const { id, created_at: createdAt } = deep.rows[0];
    const deepCursor = encodeCursor({ id, createdAt });
    return { sessions: sessions.rows, histories: histories.rows, deepCursor };
  } finally {
    await client.end();
  }
}
