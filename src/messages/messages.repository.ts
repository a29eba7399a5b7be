import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { finished } from 'node:stream/promises';
import { DataSource } from 'typeorm';
import type { JsonText } from '../common/json-text.js';
import { queryPrepared, queryPreparedOn } from '../database/prepared-query.js';
import { databaseConfig } from '../config/app.config.js';
import { streamPoolOptions } from '../database/data-source-options.js';
import type { SessionTx } from '../sessions/session.store.js';
import type { Session } from '../sessions/session.columns.js';
import type { HistoryState } from '../sessions/history-etag.js';
import type { HistoryRider } from '../sessions/session-write.types.js';
import type { ForkCopy } from '../sessions/session-fork.sql.js';
import { type Message, messageColumns, messageFromRow } from './message.columns.js';
import { HistorySnapshot } from './history-snapshot.js';
import { BinaryCopy, postgresMicros } from './binary-copy.js';
import { type Cut, cutQuery, NO_SEQ_BOUND, pageWithStateQuery, STATE_QUERY } from './history.sql.js';

export interface NewMessage {
  role: string;
  content: JsonText;
  metadata: JsonText;
}

/** A message moved in from another store: JSON texts as the source held them. */
export interface ImportedMessage {
  role: string;
  content: string;
  metadata: string;
  createdAt: Date | null;
}

export interface ImportedMessageRow extends ImportedMessage {
  sessionId: string;
  userId: string;
  seq: number;
}

export interface MessagePage {
  items: Message[];
  /** Older messages were left out: by the count, or by the byte bound. */
  more: boolean;
  /** The history's counters as the page saw them (its ETag); null when the session row is gone. */
  state: HistoryState | null;
}

/**
 * One free-form field of every item as a single JSON array: the texts joined, nothing escaped (pg
 * sends a text[] with every quote and backslash escaped, a second copy of the batch and larger).
 */
function jsonArrayOf(items: NewMessage[], field: 'content' | 'metadata'): string {
  return `[${items.map((item) => item[field].text).join(',')}]`;
}

// The transaction's now() as a binary timestamptz's microseconds, and whether texts are stored as UTF-8.
const NOW_AND_ENCODING = `SELECT ((extract(epoch FROM now()) - 946684800) * 1000000)::bigint::text AS now,
  current_setting('server_encoding') = 'UTF8' AS utf8`;

function stateFromRow(row: Record<string, any> | undefined): HistoryState | null {
  return row ? { lastSeq: row.history_last_seq, messageCount: row.history_message_count } : null;
}

/**
 * The only writer of `messages`. Changes run in the transaction of the session row's history
 * touch (MessagesService), whose row lock makes `seq` allocation gap-free and collision-free.
 * Reads are bounded in bytes by SQL (history.sql.ts): PostgreSQL never ships what a page leaves out.
 */
@Injectable()
export class MessagesRepository implements OnModuleDestroy {
  private readonly streams: pg.Pool;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(databaseConfig.KEY) database: ConfigType<typeof databaseConfig>,
  ) {
    this.streams = new pg.Pool(streamPoolOptions(database.url, database.streamPoolSize, database.timeouts));
    // An idle connection that breaks must not crash the process; the next checkout opens a new one.
    this.streams.on('error', () => undefined);
  }

  async onModuleDestroy(): Promise<void> {
    await this.streams.end();
  }

  /**
   * Inserts the batch in one statement, numbered from `firstSeq`, in order, each with its size
   * (text_bytes). Contents and metadata go as one JSON array each (jsonArrayOf), split by
   * json_array_elements (ROWS FROM zips them with the roles), which hands each element's text on verbatim, never through jsonb, so the
   * column holds the client's text.
   */
  async insert(tx: SessionTx, sessionId: string, firstSeq: number, items: NewMessage[]): Promise<Message[]> {
    const inserted = await queryPrepared(
      tx.manager,
      `INSERT INTO messages (session_id, seq, role, content, metadata, text_bytes)
       SELECT $1, $2::int + m.n::int - 1, m.role, m.content, m.metadata, octet_length(m.content::text) + octet_length(m.metadata::text)
       FROM ROWS FROM (unnest($3::text[]), json_array_elements($4::json), json_array_elements($5::json))
         WITH ORDINALITY AS m(role, content, metadata, n)
       RETURNING ${messageColumns()}`,
      [sessionId, firstSeq, items.map((item) => item.role), jsonArrayOf(items, 'content'), jsonArrayOf(items, 'metadata')],
    );
    return inserted.map(messageFromRow).sort((a: Message, b: Message) => a.seq - b.seq);
  }

  /**
   * The histories of a batch of imported sessions in one statement, in the session rows'
   * transaction (SessionStore.importSessions). Texts are cast to json, never through jsonb, so each
   * column holds the source's text; a message without a time of its own gets the import's.
   * user_id is named (the session's owner): the owner trigger's look-up is skipped.
   */
  async insertImported(tx: SessionTx, messages: ImportedMessageRow[]): Promise<void> {
    if (!messages.length) return;
    const column = <T>(pick: (message: ImportedMessageRow) => T) => messages.map(pick);
    await tx.manager.query(
      `INSERT INTO messages (session_id, seq, role, content, metadata, text_bytes, created_at, user_id)
       SELECT m.session_id, m.seq, m.role, m.content::json, m.metadata::json, octet_length(m.content) + octet_length(m.metadata), coalesce(m.created_at, now()), m.user_id
       FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::varchar[]) AS m(session_id, seq, role, content, metadata, created_at, user_id)`,
      [
        column((m) => m.sessionId),
        column((m) => m.seq),
        column((m) => m.role),
        column((m) => m.content),
        column((m) => m.metadata),
        column((m) => m.createdAt),
        column((m) => m.userId),
      ],
    );
  }

  /**
   * The same rows as insertImported, through COPY FROM STDIN in PostgreSQL's binary format
   * (pg-copy-streams): no statement text to parse, no arrays to split, each text sent once as
   * its bytes, which the json columns keep as they are. The sizes are counted here in UTF-8, so
   * a server of another encoding takes insertImported; a message without a time gets the
   * transaction's now(), as there.
   */
  async copyImported(tx: SessionTx, messages: ImportedMessageRow[]): Promise<void> {
    if (!messages.length) return;
    const client = await (tx.manager.queryRunner as unknown as { connect(): Promise<pg.PoolClient> }).connect();
    const [{ now, utf8 }] = (await client.query<{ now: string; utf8: boolean }>(NOW_AND_ENCODING)).rows;
    if (!utf8) return this.insertImported(tx, messages);
    let size = 0;
    for (const m of messages) size += 64 + m.role.length + m.content.length + m.metadata.length + m.userId.length;
    const copy = new BinaryCopy(size);
    for (const m of messages)
      copy
        .row(8)
        .uuid(m.sessionId)
        .int(m.seq)
        .text(m.role)
        .text(m.content)
        .text(m.metadata)
        .int(Buffer.byteLength(m.content) + Buffer.byteLength(m.metadata))
        .micros(m.createdAt ? postgresMicros(m.createdAt) : BigInt(now))
        .text(m.userId);
    const stream = client.query(
      copyFrom(`COPY messages (session_id, seq, role, content, metadata, text_bytes, created_at, user_id) FROM STDIN (FORMAT binary)`),
    );
    stream.end(copy.end());
    await finished(stream);
  }

  /**
   * The insert of an append as a rider of the session row's touch (SessionStore.touchHistory): one
   * statement, numbered after the touched row's new last_seq, created at its activity time (the
   * same now() the transaction's every default gives). Ids are made here, so the statement needs
   * to return only the row and `written` knows each message without reading it back; and an
   * append whose answer was lost can be looked for (`stored`: its messages, or null if it did not commit).
   */
  appendRider(items: NewMessage[]): {
    ids: string[];
    rider: HistoryRider;
    written: (session: Session) => Message[];
    stored: (sessionId: string) => Promise<Message[] | null>;
  } {
    const ids = items.map(() => randomUUID());
    const rider: HistoryRider = (param) =>
      // user_id named from the touched row: the owner trigger's look-up is skipped (it runs only for a null).
      `INSERT INTO messages (id, session_id, seq, role, content, metadata, text_bytes, created_at, user_id)
       SELECT m.id, t.id, t.last_seq - ${param(items.length)}::int + m.n::int, m.role, m.content, m.metadata,
         octet_length(m.content::text) + octet_length(m.metadata::text), t.last_activity_at, t.user_id
       FROM touched t, ROWS FROM (unnest(${param(ids)}::uuid[]), unnest(${param(items.map((item) => item.role))}::text[]),
         json_array_elements(${param(jsonArrayOf(items, 'content'))}::json), json_array_elements(${param(jsonArrayOf(items, 'metadata'))}::json))
         WITH ORDINALITY AS m(id, role, content, metadata, n)`;
    const messages = (sessionId: string, firstSeq: number, createdAt: Date): Message[] =>
      items.map((item, index) => ({
        id: ids[index],
        sessionId,
        seq: firstSeq + index,
        role: item.role,
        content: item.content,
        metadata: item.metadata,
        createdAt,
      }));
    const written = (session: Session) => messages(session.id, session.lastSeq - items.length + 1, session.lastActivityAt);
    const stored = async (sessionId: string) => {
      // One statement inserted them all, or none: the first tells.
      const [first] = await queryPrepared<{ seq: number; created_at: Date }>(
        this.db.manager,
        `SELECT seq, created_at FROM messages WHERE id = $1 AND session_id = $2`,
        [ids[0], sessionId],
      );
      return first ? messages(sessionId, first.seq, first.created_at) : null;
    };
    return { ids, rider, written, stored };
  }

  /**
   * appendRider for a group of appends (history-appends.sql.ts): every member's messages in one
   * INSERT, each member's after its own row's seqs; the texts as one JSON array per field.
   */
  groupRider(members: Array<{ ids: string[]; items: NewMessage[] }>): HistoryRider {
    const items = members.flatMap((member) => member.items);
    const positions = members.flatMap((member, index) => member.items.map(() => index + 1));
    const ns = members.flatMap((member) => member.items.map((_, index) => index + 1));
    return (param) =>
      `INSERT INTO messages (id, session_id, seq, role, content, metadata, text_bytes, created_at, user_id)
       SELECT m.id, t.id, t.last_seq - t.appended + m.n, m.role, m.content, m.metadata,
         octet_length(m.content::text) + octet_length(m.metadata::text), t.last_activity_at, t.user_id
       FROM ROWS FROM (unnest(${param(members.flatMap((member) => member.ids))}::uuid[]), unnest(${param(items.map((item) => item.role))}::text[]),
         unnest(${param(positions)}::int[]), unnest(${param(ns)}::int[]),
         json_array_elements(${param(jsonArrayOf(items, 'content'))}::json), json_array_elements(${param(jsonArrayOf(items, 'metadata'))}::json))
         AS m(id, role, member, n, content, metadata)
       JOIN touched t ON t.member = m.member`;
  }

  /**
   * The history cap's removal as a rider of an append's statement (HistoryCap.remove): every
   * message up to the touched row's trimmed_through_seq, returned for the keys' copy. The cut
   * never reaches the batch (history-cap.sql.ts), and the batch's rows are not in the statement's
   * snapshot anyway. An append the cap did not cut reads an empty range of the index.
   */
  trimRider(): HistoryRider {
    return () =>
      `DELETE FROM messages m USING touched t WHERE m.session_id = t.id AND m.seq <= t.trimmed_through_seq RETURNING ${messageColumns('m')}`;
  }

  /**
   * A fork's history, as parts of its one statement (forkSql; the contract of `source` and
   * `touched` is ForkCopy's). The copy goes column to column inside PostgreSQL, each message's
   * content, metadata, size and time as the source holds them, renumbered 1..n by seq; both parts
   * read the (session_id, seq) index over the copied range only (the last seq is its index's end).
   */
  forkCopy(): ForkCopy {
    return {
      extent: () =>
        `SELECT count(m.seq)::int AS n, (SELECT max(seq) FROM messages WHERE session_id = s.id) AS last_seq
         FROM source s LEFT JOIN messages m ON m.session_id = s.id AND m.seq <= coalesce(s.at_seq, ${NO_SEQ_BOUND})
         GROUP BY s.id`,
      copy: () =>
        // user_id named here: the owner trigger cannot see a session row this same statement inserts.
        `INSERT INTO messages (session_id, seq, role, content, metadata, text_bytes, created_at, user_id)
         SELECT t.id, (row_number() OVER (ORDER BY m.seq))::int, m.role, m.content, m.metadata, m.text_bytes, m.created_at, t.user_id
         FROM touched t JOIN messages m ON m.session_id = t.forked_from_session_id AND m.seq <= t.forked_from_seq`,
    };
  }

  /**
   * The latest `cut.limit` messages with seq < `cut.before`, oldest first (the Agents SDK's
   * getItems(limit)), stopping early at `cut.maxBytes`: one statement, so one snapshot.
   */
  async listLatest(sessionId: string, cut: Cut, replica?: pg.Pool): Promise<MessagePage> {
    const rows = await queryPreparedOn(this.db.manager, replica, pageWithStateQuery(), [sessionId, 0, cut.before, cut.limit, cut.maxBytes]);
    const messages = rows.filter((row) => row.seq !== null);
    return { items: messages.map(messageFromRow), more: messages[0]?.more ?? false, state: stateFromRow(rows[0]) };
  }

  /** The messages with seqs firstSeq .. firstSeq + count - 1 (what an Idempotency-Key's first write appended), in order. */
  async listRange(tx: SessionTx, sessionId: string, firstSeq: number, count: number): Promise<Message[]> {
    const rows = await queryPrepared(
      tx.manager,
      `SELECT ${messageColumns()} FROM messages WHERE session_id = $1 AND seq >= $2 AND seq < $3 ORDER BY seq`,
      [sessionId, firstSeq, firstSeq + count],
    );
    return rows.map(messageFromRow);
  }

  /**
   * The history with seq < `before` as one snapshot (REPEATABLE READ, read only), read in
   * batches of `cut` on demand, on a connection of the stream pool: a slow reader holds no
   * connection of the request pool. The caller must close() it.
   */
  async openSnapshot(sessionId: string, before: number, cut: Omit<Cut, 'before'>): Promise<HistorySnapshot> {
    const client = await this.streams.connect();
    let state: HistoryState | null;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      // The first statement fixes the snapshot: the ETag's counters and every batch see one state.
      state = stateFromRow((await client.query(STATE_QUERY, [sessionId])).rows[0]);
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
    return new HistorySnapshot(client, state, async (after) => {
      const rows = await client.query(cutQuery('oldest'), [sessionId, after, before, cut.limit, cut.maxBytes]);
      return { items: rows.rows.map(messageFromRow), more: rows.rows[0]?.more ?? false };
    });
  }

  /** Removes the newest message, if any. */
  async deleteLast(tx: SessionTx, sessionId: string): Promise<Message | null> {
    const [deleted] = await tx.manager.query(
      `DELETE FROM messages WHERE id = (SELECT id FROM messages WHERE session_id = $1 ORDER BY seq DESC LIMIT 1) RETURNING ${messageColumns()}`,
      [sessionId],
    );
    return deleted.length ? messageFromRow(deleted[0]) : null;
  }

  async deleteAll(tx: SessionTx, sessionId: string): Promise<void> {
    await tx.manager.query(`DELETE FROM messages WHERE session_id = $1`, [sessionId]);
  }

  /** Removes every message with seq >= fromSeq (a replace); how many went. */
  async deleteFrom(tx: SessionTx, sessionId: string, fromSeq: number): Promise<number> {
    const [, count] = await tx.manager.query(`DELETE FROM messages WHERE session_id = $1 AND seq >= $2`, [sessionId, fromSeq]);
    return count;
  }
}
