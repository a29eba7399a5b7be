import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { SessionCache } from './session.cache.js';
import type { Session } from './session.columns.js';
import { type SessionEvent, SessionEvents } from './session-events.js';

const OPEN = Symbol('SessionTx');

/**
 * The handle every write to `sessions` needs (SessionsRepository asks for one). Only SessionWriter
 * can open it (the key is private to this file), and the writer gives the cache every row written
 * through it once PostgreSQL has committed: a write path that forgets the cache cannot be written.
 */
export class SessionTx {
  private readonly rows = new Map<string, Session>();
  private readonly happened: SessionEvent[] = [];

  constructor(
    key: typeof OPEN,
    readonly manager: EntityManager,
  ) {
    if (key !== OPEN) throw new Error('a SessionTx is opened by SessionWriter only');
  }

  /** Called by the repository for every row a statement returned. */
  wrote<T extends Session | null>(session: T): T {
    if (session) this.rows.set(session.id, session);
    return session;
  }

  /** Called by the repository for what a statement did (created, moved, changed the history), in order. */
  told(...events: SessionEvent[]): void {
    this.happened.push(...events);
  }

  get written(): Session[] {
    return [...this.rows.values()];
  }

  get events(): SessionEvent[] {
    return this.happened;
  }
}

/**
 * The write order in one place: PostgreSQL commits first, then the cache gets the committed copy,
 * then the events are told (so a rolled-back change is never announced, and a reader that hears
 * of a change finds it in the cache).
 */
@Injectable()
export class SessionWriter {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly cache: SessionCache,
    private readonly events: SessionEvents,
  ) {}

  /** Statements that each commit on their own (most writes are one statement). */
  async write<T>(work: (tx: SessionTx) => Promise<T>): Promise<T> {
    const tx = new SessionTx(OPEN, this.db.manager);
    try {
      return await work(tx);
    } finally {
      // Whatever committed before a failure is cached too: the cache must never be older than PostgreSQL.
      await this.cached(tx);
    }
  }

  /** Statements that must commit together (a history change and its session row). */
  async transaction<T>(work: (tx: SessionTx) => Promise<T>): Promise<T> {
    let tx!: SessionTx;
    const result = await this.db.transaction((manager) => work((tx = new SessionTx(OPEN, manager))));
    await this.cached(tx);
    return result;
  }

  private async cached(tx: SessionTx): Promise<void> {
    for (const session of tx.written) await this.cache.set(session);
    await this.events.publish(tx.events);
  }
}
