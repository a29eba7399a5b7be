import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplicationContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module.js';
import { DELIBERATION_QUEUE } from '../../src/control/queue/work.queue.js';
import { type Session, sessionFromRow } from '../../src/sessions/session.columns.js';
import type { SessionStatus } from '../../src/sessions/session-status.js';
import { newUser } from '../factories/token.factory.js';
import { controlEnv } from '../utils/control.js';

/**
 * The medium tier: the real providers against the real PostgreSQL and Redis, without HTTP (an
 * application context, no worker), and SQL-level factories that set up a state in one statement.
 */
export interface MediumContext {
  get<T>(type: Type<T>): T;
  db: DataSource;
  newUser(): string;
  newSession(values?: NewSessionValues): Promise<Session>;
  close(): Promise<void>;
}

export interface NewSessionValues {
  userId?: string;
  status?: SessionStatus;
  title?: string;
  /** this many user messages, `"m1"`..`"mN"` at seqs 1..N, counted on the row as appends count them */
  messages?: number;
}

export async function newMediumContext(env: Record<string, string> = {}): Promise<MediumContext> {
  const overrides = controlEnv({ WORKER_ENABLED: 'false', ...env });
  const saved = Object.fromEntries(Object.keys(overrides).map((key) => [key, process.env[key]]));
  Object.assign(process.env, overrides);
  let app: INestApplicationContext;
  try {
    app = await NestFactory.createApplicationContext(AppModule.forRoot(), { logger: false });
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
  const db = app.get(DataSource);
  return {
    get: (type) => app.get(type, { strict: false }),
    db,
    newUser: () => newUser('medium'),
    async newSession({ userId = newUser('medium'), status = 'created', title = 'a session', messages = 0 }: NewSessionValues = {}) {
      // One statement: the row with its counters, and its messages (none when `messages` is 0).
      const [row] = await db.query(
        `WITH session AS (
           INSERT INTO sessions (user_id, title, status, started_at, heartbeat_at, expires_at, message_count, last_seq)
           VALUES ($1, $2, $3::varchar, CASE WHEN $3::varchar = 'created' THEN NULL ELSE now() END,
             CASE WHEN $3::varchar = 'running' THEN now() END, now() + interval '1 day', $4::int, $4::int)
           RETURNING *),
         history AS (
           INSERT INTO messages (session_id, seq, role, content, metadata, text_bytes, user_id)
           SELECT s.id, n, 'user', to_jsonb('m' || n), '{}'::jsonb, octet_length(to_jsonb('m' || n)::text) + 2, s.user_id
           FROM session s, generate_series(1, $4::int) AS n)
         SELECT * FROM session`,
        [userId, title, status, messages],
      );
      return sessionFromRow(row);
    },
    async close() {
      const queue = app.get<Queue>(getQueueToken(DELIBERATION_QUEUE), { strict: false });
      await queue.obliterate({ force: true });
      await app.close();
    },
  };
}

/** What useMediumContext returns: the context, and its providers resolved when used. */
export interface UsedMediumContext extends Omit<MediumContext, 'close'> {
  /** The provider `type`, resolved at each use: a `sut` can be named at describe time. */
  provider<T extends object>(type: Type<T>): T;
}

/**
 * The medium specs' lifecycle (as useTestApp is the e2e specs'): a context created in a `beforeAll`
 * and closed in an `afterAll` of the calling describe. `env` may be a function, called in that
 * `beforeAll`, for settings known only then (a database of the spec's own).
 */
export function useMediumContext(env: Record<string, string> | (() => Promise<Record<string, string>>) = {}): UsedMediumContext {
  let current: MediumContext | null = null;
  const ctx = (): MediumContext => {
    if (!current) throw new Error('useMediumContext: the context is used outside its describe');
    return current;
  };
  beforeAll(async () => {
    current = await newMediumContext(typeof env === 'function' ? await env() : env);
  });
  afterAll(async () => {
    await current?.close();
    current = null;
  });
  return {
    get: (type) => ctx().get(type),
    get db() {
      return ctx().db;
    },
    newUser: () => ctx().newUser(),
    newSession: (values) => ctx().newSession(values),
    provider: <T extends object>(type: Type<T>) =>
      new Proxy({} as T, {
        get(_, property) {
          const target = ctx().get(type);
          const value = Reflect.get(target, property, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      }),
  };
}
