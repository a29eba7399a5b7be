import pg from 'pg';
import type { Ledger } from './ledger.js';

export interface Findings {
  lostSessions: number;
  lostMessages: number;
  duplicateMessages: number;
  misattributedMessages: number;
  halfWrittenBatches: number;
  sessionsWithSeqGaps: number;
  leftRunning: number;
  hostileLeftRunning: number;
}

/**
 * Reads PostgreSQL directly: every acknowledged write there exactly once, nothing half-written.
 * `hostileSessions` are the hostile client's: their ~1 MiB rows are not scanned for markers, and a
 * running one is counted apart (its poisoned cost must not keep it running either).
 */
export async function verify(url: string, ledger: Ledger, hostileSessions: string[] = []): Promise<Findings> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const ids = [...ledger.sessions.keys()];
    const { rows: sessions } = await client.query(`SELECT id FROM sessions WHERE id = ANY($1::uuid[])`, [ids]);
    const { rows: markers } = await client.query(
      `SELECT content->>'marker' AS marker, count(*)::int AS n FROM messages WHERE session_id <> ALL($1::uuid[]) AND json_typeof(content) = 'object' AND content->>'marker' IS NOT NULL GROUP BY 1`,
      [hostileSessions],
    );
    const stored = new Map<string, number>(markers.map((row: { marker: string; n: number }) => [row.marker, row.n]));
    const lostMessages = [...ledger.messages.keys()].filter((marker) => !stored.has(marker)).length;
    const duplicateMessages = [...stored.values()].filter((n) => n > 1).length;
    const halfWrittenBatches = ledger.unacknowledgedBatches.filter((batch) => {
      const present = batch.filter((marker) => stored.has(marker)).length;
      return present !== 0 && present !== batch.length;
    }).length;
    // Each acknowledged append's answer names its own messages: their ids stored in its session, at its seqs, with its markers.
    const answered = [...ledger.answered.entries()];
    const { rows: named } = await client.query(
      `SELECT id, session_id, seq, content->>'marker' AS marker FROM messages WHERE id = ANY($1::uuid[])`,
      [answered.map(([, { id }]) => id)],
    );
    const byId = new Map(named.map((row: { id: string; session_id: string; seq: number; marker: string }) => [row.id, row]));
    const misattributedMessages = answered.filter(([marker, { id, seq }]) => {
      const row = byId.get(id);
      return !row || row.marker !== marker || row.seq !== seq || row.session_id !== ledger.messages.get(marker);
    }).length;
    // No message is ever popped in this run, so each session's seqs must be exactly 1..n.
    const { rows: gaps } = await client.query(
      `SELECT session_id FROM messages GROUP BY session_id HAVING min(seq) <> 1 OR max(seq) <> count(*) OR count(DISTINCT seq) <> count(*)`,
    );
    const { rows: running } = await client.query(
      `SELECT count(*) FILTER (WHERE id <> ALL($1::uuid[]))::int AS others, count(*) FILTER (WHERE id = ANY($1::uuid[]))::int AS hostile
         FROM sessions WHERE status = 'running'`,
      [hostileSessions],
    );
    return {
      lostSessions: ids.length - sessions.length,
      lostMessages,
      duplicateMessages,
      misattributedMessages,
      halfWrittenBatches,
      sessionsWithSeqGaps: gaps.length,
      leftRunning: running[0].others,
      hostileLeftRunning: running[0].hostile,
    };
  } finally {
    await client.end();
  }
}

export async function runningCount(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(`SELECT count(*)::int AS n FROM sessions WHERE status = 'running'`)).rows[0].n;
  } finally {
    await client.end();
  }
}
