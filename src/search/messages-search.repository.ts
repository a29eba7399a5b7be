import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlParams } from '../database/sql-params.js';
import { DELETED } from '../sessions/session-status.js';
import type { SearchPosition } from './search-cursor.js';

export interface SearchFilter {
  /** what to find (plain text; matched literally and case-insensitively) */
  text: string;
  sessionId?: string;
  role?: string;
  limit: number;
  after?: SearchPosition;
}

export interface SearchHit {
  sessionId: string;
  sessionTitle: string | null;
  seq: number;
  role: string;
  createdAt: Date;
  /** the position of the hit, for the cursor */
  position: SearchPosition;
  /** the text around the first match, and whether text was left out before and after it */
  snippet: { text: string; cutBefore: boolean; cutAfter: boolean };
}

/** A search's bitmap of candidates: 64 MB holds millions of rows exactly. */
const SEARCH_WORK_MEM = '64MB';

/** Characters of context before the match, and of the whole snippet. */
const SNIPPET = { before: 40, length: 120 };

/**
 * Reads for GET /messages/search. The condition `user_id = $1 AND search_text ILIKE $2` is the key
 * of messages_user_search_text_idx: the index holds each message's owner beside its text's
 * trigrams, so a search reads only its user's entries. `search_text` is a generated column:
 * writers never name it (docs/search.md). Run unprepared, so each is planned for its own pattern.
 */
@Injectable()
export class MessagesSearchRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async search(userId: string, filter: SearchFilter): Promise<SearchHit[]> {
    const { text, values } = searchQuery(userId, filter);
    // A bitmap of the trigram index's candidates that outgrows work_mem turns lossy: whole pages
    // are rechecked, other users' rows on them too. Enough memory keeps it exact (a row per bit).
    const rows: Record<string, any>[] = await this.db.transaction(async (manager) => {
      await manager.query(`SET LOCAL work_mem = '${SEARCH_WORK_MEM}'`);
      return manager.query(text, values);
    });
    return rows.map((row) => ({
      sessionId: row.session_id,
      sessionTitle: row.title,
      seq: row.seq,
      role: row.role,
      createdAt: row.created_at,
      position: { createdAt: row.created_at_us, sessionId: row.session_id, seq: row.seq },
      snippet: { text: row.snippet, cutBefore: row.cut_before, cutAfter: row.cut_after },
    }));
  }
}

/** The statement of a search (exported for the spec that EXPLAINs it). */
export function searchQuery(userId: string, filter: SearchFilter): { text: string; values: unknown[] } {
  const params = new SqlParams(userId, `%${escapeLike(filter.text)}%`, filter.text, filter.limit, DELETED);
  const where = ['m.user_id = $1', 'm.search_text ILIKE $2', 's.user_id = $1', 's.status <> $5'];
  if (filter.sessionId !== undefined) where.push(`m.session_id = ${params.add(filter.sessionId)}`);
  if (filter.role !== undefined) where.push(`m.role = ${params.add(filter.role)}`);
  if (filter.after) {
    const [createdAt, sessionId, seq] = [filter.after.createdAt, filter.after.sessionId, filter.after.seq].map(params.add);
    where.push(`(m.created_at, m.session_id, m.seq) < ((${createdAt}::timestamp AT TIME ZONE 'UTC'), ${sessionId}::uuid, ${seq}::int)`);
  }
  const text = `SELECT h.session_id, h.title, h.seq, h.role, h.created_at,
      to_char(h.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS created_at_us,
      substr(b.body, greatest(1, b.at - ${SNIPPET.before}), ${SNIPPET.length}) AS snippet,
      b.at - ${SNIPPET.before} > 1 AS cut_before,
      length(b.body) >= greatest(1, b.at - ${SNIPPET.before}) + ${SNIPPET.length} AS cut_after
    FROM (SELECT m.session_id, s.title, m.seq, m.role, m.created_at, m.search_text
          FROM messages m JOIN sessions s ON s.id = m.session_id
          WHERE ${where.join(' AND ')}
          ORDER BY m.created_at DESC, m.session_id DESC, m.seq DESC
          LIMIT $4) h,
      LATERAL (SELECT h.search_text AS body, strpos(lower(h.search_text), lower($3)) AS at) b
    ORDER BY h.created_at DESC, h.session_id DESC, h.seq DESC`;
  return { text, values: params.values };
}

/** `text` as a LIKE pattern that matches it literally (backslash is PostgreSQL's default ESCAPE). */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}
