import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { CleanupService } from '../src/cleanup/cleanup.service.js';
import type { CleanupOutcome, CleanupRun } from '../src/cleanup/cleanup-run.js';
import { sessionKey as registryKey } from '../src/redis/keys.js';
import { REDIS_CLIENT } from '../src/redis/redis.constants.js';
import { SessionCache } from '../src/sessions/session.cache.js';
import { apiAs, createSession, type Api } from './factories/api.factory.js';
import { ageSession, countSessions, seedExpiredSessions, tablesReferencingSessions } from './factories/cleanup.factory.js';
import { newUser } from './factories/token.factory.js';
import { createTestApp } from './utils/create-test-app.js';
import { ownDatabase } from './utils/own-database.js';
import { useTestApp } from './utils/use-test-app.js';

const BATCH = 7;
const HOUR = 3600_000;

function ran(outcome: CleanupOutcome): CleanupRun {
  if (outcome.skipped) throw new Error(`expected a pass, got a skip (${outcome.reason})`);
  return outcome.run;
}

describe('cleanup pass', () => {
  let databaseUrl: string;
  const app = useTestApp(async () => {
    databaseUrl = await ownDatabase('cleanup');
    return { DATABASE_URL: databaseUrl, CLEANUP_BATCH_SIZE: String(BATCH) };
  });
  let job: CleanupService;
  let db: DataSource;
  let redis: Redis;
  let api: Api;
  let now: Date;

  beforeAll(() => {
    job = app.get(CleanupService);
    db = app.get(DataSource);
    redis = app.get(REDIS_CLIENT);
  });
  beforeEach(async () => {
    await db.query('TRUNCATE sessions, cleanup_runs CASCADE');
    api = apiAs(app, newUser());
    // An hour ahead, so that nothing the test creates has expired on its own by then.
    now = new Date(Date.now() + HOUR);
  });

  const ids = async () => (await db.query(`SELECT id FROM sessions ORDER BY title`)).map((row: { id: string }) => row.id);

  it('removes sessions expired at or before now, keeps the one a millisecond short of it, a running one, and removes deleted ones', async () => {
    const make = (title: string) => createSession(api, { title });
    const [before, at, after, running, completed, deleted] = await Promise.all(
      [
        '1 expired a ms ago',
        '2 expires right now',
        '3 expires in a ms',
        '4 running past expiry',
        '5 completed past expiry',
        '6 deleted, not expired',
      ].map(make),
    );
    await ageSession(db, before.id, new Date(now.getTime() - 1));
    await ageSession(db, at.id, now);
    await ageSession(db, after.id, new Date(now.getTime() + 1));
    await ageSession(db, running.id, new Date(now.getTime() - 24 * HOUR), 'running');
    await ageSession(db, completed.id, new Date(now.getTime() - 24 * HOUR), 'completed');
    await api.delete(`/sessions/${deleted.id}`).expect(204);

    const run = ran(await job.run(now));

    expect(run).toMatchObject({ status: 'completed', expired: 4, dryRun: false, trigger: 'direct', error: null });
    expect(await ids()).toEqual([after.id, running.id]);
  });

  it('takes the messages, every child row and every Redis key of a removed session with it; its id then answers 404', async () => {
    const session = await createSession(api);
    await api.post(`/sessions/${session.id}/messages`, { items: [1, 2, 3].map((n) => ({ role: 'user', content: `m${n}` })) }).expect(201);
    await api.get(`/sessions/${session.id}`).expect(200);
    const [sessionKey, ...otherKeys] = app.get(SessionCache).keysOf(session.id);
    expect(otherKeys.length).toBeGreaterThan(0);
    for (const key of otherKeys) await redis.set(key, 'x', 'EX', 600);
    expect(await redis.exists(registryKey(session.id))).toBe(1);
    await ageSession(db, session.id, new Date(now.getTime() - 1));

    expect(ran(await job.run(now)).expired).toBe(1);

    const children = await tablesReferencingSessions(db);
    expect(children.map((child) => child.table)).toContain('messages');
    for (const { table, column } of children) {
      const [row] = await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${column} = $1`, [session.id]);
      expect({ table, rows: row.n }).toEqual({ table, rows: 0 });
    }
    // The session key is a short-lived tombstone (so a late refill cannot resurrect it); the rest are gone.
    expect(await redis.get(sessionKey)).toMatch(/^\d+\|null$/);
    for (const key of otherKeys) expect(await redis.exists(key)).toBe(0);
    const answer = await api.get(`/sessions/${session.id}`).expect(404);
    expect(answer.body.code).toBe('SESSION_NOT_FOUND');
    await api.get(`/sessions/${session.id}/messages`).expect(404);
  });

  it('relies on every table that references sessions cascading on delete (audit rows included)', async () => {
    const children = await tablesReferencingSessions(db);
    expect(children.filter((child) => child.onDelete !== 'c')).toEqual([]);
  });

  it('dry run: removes nothing and reports the count that a real pass then removes', async () => {
    const user = newUser('bulk');
    await seedExpiredSessions(db, user, 12, new Date(now.getTime() - HOUR));
    const live = await createSession(api);

    const dry = ran(await job.run(now, { dryRun: true }));
    expect(dry).toMatchObject({ dryRun: true, expired: 12, batches: 0, status: 'completed' });
    expect(await countSessions(db, user)).toBe(12);

    const real = ran(await job.run(now));
    expect(real.expired).toBe(dry.expired);
    expect(await countSessions(db, user)).toBe(0);
    await api.get(`/sessions/${live.id}`).expect(200);
  });

  it('works in batches of CLEANUP_BATCH_SIZE, a short transaction each, until none is left', async () => {
    const user = newUser('bulk');
    await seedExpiredSessions(db, user, 300, new Date(now.getTime() - HOUR));
    const [{ n: messagesBefore }] = await db.query(`SELECT count(*)::int AS n FROM messages`);
    expect(messagesBefore).toBe(300);

    const run = ran(await job.run(now));

    expect(run).toMatchObject({ expired: 300, batches: Math.ceil(300 / BATCH) });
    expect(await countSessions(db, user)).toBe(0);
    expect((await db.query(`SELECT count(*)::int AS n FROM messages`))[0].n).toBe(0);
  });

  it('keeps a session that is written to: a write moves an expiresAt that is due forward', async () => {
    const session = await createSession(api, { ttlSeconds: 2 * 3600 });
    await ageSession(db, session.id, new Date(Date.now() - 1000));
    await api.post(`/sessions/${session.id}/messages`, { role: 'user', content: 'still here' }).expect(201);
    const { body } = await api.get(`/sessions/${session.id}`).expect(200);
    // The TTL plus its 1 % lateness (session-expiry.sql.ts).
    expect(Date.parse(body.expiresAt) - Date.parse(body.lastActivityAt)).toBe(2 * HOUR + 72_000);

    expect(ran(await job.run(now)).expired).toBe(0);
    await api.get(`/sessions/${session.id}`).expect(200);
  });

  it('records each pass, and the record shows the instance that ran it', async () => {
    await seedExpiredSessions(db, newUser('bulk'), 3, new Date(now.getTime() - HOUR));
    const run = ran(await job.run(now));
    const [row] = await db.query(`SELECT * FROM cleanup_runs WHERE id = $1`, [run.id]);
    expect(row).toMatchObject({ instance: job.instance, status: 'completed', expired: 3, dry_run: false });
    expect(row.finished_at.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
    expect(row.cutoff.toISOString()).toBe(now.toISOString());
  });

  it('still removes the rows when Redis is down; the failed key removal is counted, not thrown', async () => {
    const noRedis = await createTestApp({ DATABASE_URL: databaseUrl, REDIS_URL: 'redis://127.0.0.1:1/0' });
    try {
      const user = newUser('bulk');
      await seedExpiredSessions(db, user, 5, new Date(now.getTime() - HOUR));
      expect(ran(await noRedis.get(CleanupService).run(now)).expired).toBe(5);
      expect(await countSessions(db, user)).toBe(0);
      expect(noRedis.get(SessionCache).stats.errors).toBeGreaterThan(0);
    } finally {
      await noRedis.close();
    }
  });
});
