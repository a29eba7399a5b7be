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
  newSession(values?: { userId?: string; status?: SessionStatus; title?: string }): Promise<Session>;
  close(): Promise<void>;
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
    async newSession({ userId = newUser('medium'), status = 'created', title = 'a session' } = {}) {
      const [row] = await db.query(
        `INSERT INTO sessions (user_id, title, status, started_at, heartbeat_at, expires_at)
         VALUES ($1, $2, $3::varchar, CASE WHEN $3::varchar = 'created' THEN NULL ELSE now() END, CASE WHEN $3::varchar = 'running' THEN now() END, now() + interval '1 day')
         RETURNING *`,
        [userId, title, status],
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
