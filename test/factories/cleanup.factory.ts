import type { DataSource } from 'typeorm';

/** Moves a session's expiry (and optionally its status) as if time had passed: tests pick `now`. */
export async function ageSession(db: DataSource, id: string, expiresAt: Date, status?: string): Promise<void> {
  await db.query(`UPDATE sessions SET expires_at = $2, status = coalesce($3, status) WHERE id = $1`, [id, expiresAt, status ?? null]);
}

/** `count` sessions of `userId` that expired at `expiresAt`, in one statement, each with one message. */
export async function seedExpiredSessions(db: DataSource, userId: string, count: number, expiresAt: Date): Promise<void> {
  await db.query(
    `WITH inserted AS (
       INSERT INTO sessions (user_id, title, expires_at, last_seq, message_count)
       SELECT $1, 'expired ' || n, $3, 1, 1 FROM generate_series(1, $2) AS n RETURNING id)
     INSERT INTO messages (session_id, seq, role, content) SELECT id, 1, 'user', '"hello"'::jsonb FROM inserted`,
    [userId, count, expiresAt],
  );
}

export async function countSessions(db: DataSource, userId: string): Promise<number> {
  const [row] = await db.query(`SELECT count(*)::int AS n FROM sessions WHERE user_id = $1`, [userId]);
  return row.n;
}

/** Every table whose rows point at a session (messages; audit rows once they exist), with its column. */
export async function tablesReferencingSessions(db: DataSource): Promise<{ table: string; column: string; onDelete: string }[]> {
  return db.query(
    `SELECT c.conrelid::regclass::text AS table, a.attname AS column, c.confdeltype AS "onDelete"
     FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
     WHERE c.contype = 'f' AND c.confrelid = 'sessions'::regclass`,
  );
}
