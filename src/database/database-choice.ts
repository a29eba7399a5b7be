import { connect } from 'node:net';
import type { Env } from '../config/env.validation.js';

export const EMBEDDED = 'embedded';

export type Probe = (host: string, port: number) => Promise<boolean>;

/** Does anything accept a TCP connection there (within a second)? */
export const canConnect: Probe = (host, port) =>
  new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1000 });
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });

function address(url: string, defaultPort: number): [string, number] {
  const parsed = new URL(url);
  return [parsed.hostname.replace(/^\[|\]$/g, ''), Number(parsed.port || defaultPort)];
}

export interface Backing {
  /** No DATABASE_URL and no server at the default address: run on the embedded database. */
  embeddedDatabase: boolean;
  /** With the embedded database, no REDIS_URL and no Redis at the default address either. */
  withoutRedis: boolean;
}

/**
 * What `npm start` runs on when the environment does not say. A DATABASE_URL that is set is used
 * as given (unreachable: the usual one-line error); unset, the default server is used if it
 * answers, and otherwise the embedded database, which production refuses; `embedded` asks for
 * it. Redis then: an empty REDIS_URL, or none set and none at the default address, is none.
 */
export async function chooseBacking(raw: Record<string, string | undefined>, env: Env, probe: Probe = canConnect): Promise<Backing> {
  const asked = env.DATABASE_URL === EMBEDDED;
  if (!asked && (raw.DATABASE_URL !== undefined || (await probe(...address(env.DATABASE_URL, 5432))))) {
    return { embeddedDatabase: false, withoutRedis: false };
  }
  if (env.NODE_ENV === 'production') {
    const why = asked
      ? 'DATABASE_URL=embedded'
      : `DATABASE_URL is not set and no PostgreSQL answers on ${address(env.DATABASE_URL, 5432).join(':')}`;
    throw new Error(`${why}: set DATABASE_URL to a PostgreSQL (the embedded database is refused when NODE_ENV=production)`);
  }
  const withoutRedis = raw.REDIS_URL === '' || (raw.REDIS_URL === undefined && !(await probe(...address(env.REDIS_URL, 6379))));
  return { embeddedDatabase: true, withoutRedis };
}

/** For the worker and the scripts: only `npm start` runs the embedded database (one process). */
export function assertServerDatabase(env: Env): void {
  if (env.DATABASE_URL === EMBEDDED) {
    throw new Error('DATABASE_URL=embedded: the embedded database lives inside `npm start` only; set DATABASE_URL to a PostgreSQL');
  }
}
