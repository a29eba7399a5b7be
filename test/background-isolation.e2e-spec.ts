import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { CleanupService } from '../src/cleanup/cleanup.service.js';
import { LiveProgressFlusher } from '../src/control/live-progress/live-progress.flusher.js';
import { LostWorkerSweeper } from '../src/control/queue/lost-worker.sweeper.js';
import { RedisKeys } from '../src/redis/keys.js';
import { REDIS_CLIENT } from '../src/redis/redis.constants.js';
import { createSession, type Api, newUserApi } from './factories/api.factory.js';
import { controlEnv, queueOf, removeQueue } from './utils/control.js';
import { createTestApp } from './utils/create-test-app.js';
import { waitFor } from './utils/wait-for.js';

// A row no statement can write: every write increments `version`, an integer column.
const POISONED_VERSION = 2 ** 31 - 1;

/**
 * One session's bad data (a live hash PostgreSQL cannot hold, a row every write of which fails)
 * never stops the flush, the lost-worker sweep or the cleanup for the others; the bad session
 * is set aside, and a session whose live hash is bad can still be killed and deleted.
 */
describe('background work isolates a bad session', () => {
  let app: NestFastifyApplication;
  let api: Api;
  let db: DataSource;
  let flusher: LiveProgressFlusher;
  const poisoned: string[] = [];

  const stored = async (id: string) => {
    const [row] = await db.query(`SELECT status, total_cost, phase FROM sessions WHERE id = $1`, [id]);
    return { status: row.status, totalCost: Number(row.total_cost), phase: row.phase };
  };
  const running = async (title: string) => {
    const session = await createSession(api, { title });
    await api.post(`/sessions/${session.id}/start`).expect(202);
    return session.id as string;
  };
  const poison = async (id: string) => {
    poisoned.push(id);
    await db.query(`UPDATE sessions SET version = $2 WHERE id = $1`, [id, POISONED_VERSION]);
  };

  beforeAll(async () => {
    app = await createTestApp(controlEnv({ WORKER_ENABLED: 'false' }));
    db = app.get(DataSource);
    flusher = app.get(LiveProgressFlusher, { strict: false });
    flusher.pause();
  });
  afterAll(async () => {
    // Rows no write can touch would stall nothing now, but are no one's to keep.
    if (poisoned.length) await db.query(`DELETE FROM sessions WHERE id = ANY($1::uuid[])`, [poisoned]);
    flusher.resume();
    await removeQueue(app);
    await app.close();
  });
  beforeEach(() => ({ api } = newUserApi(app)));

  it('flush: a live hash whose totalCost is 1e15 and a row that refuses every write are set aside, the bystander is written; the 1e15 session can be killed and deleted', async () => {
    const bystander = await running('bystander');
    const bigHash = await running('1e15 in its live hash');
    const badRow = await running('a row every write of which fails');
    for (const id of [bystander, bigHash, badRow]) await api.post(`/sessions/${id}/progress`, { phase: 'p', costDelta: 2 }).expect(202);
    const redis = app.get<Redis>(REDIS_CLIENT, { strict: false });
    await redis.hset(app.get(RedisKeys, { strict: false }).live(bigHash), 'totalCost', '1e15');
    await poison(badRow);

    await flusher.flush();
    expect(await stored(bystander)).toEqual({ status: 'running', totalCost: 2, phase: 'p' });
    expect(await stored(bigHash)).toMatchObject({ totalCost: 0 });
    expect(await stored(badRow)).toMatchObject({ totalCost: 0 });

    // Later progress of the bystander still flows, past the sessions set aside.
    await api.post(`/sessions/${bystander}/progress`, { costDelta: 3 }).expect(202);
    await flusher.flush();
    expect(await stored(bystander)).toMatchObject({ totalCost: 5 });

    await api.post(`/sessions/${bigHash}/kill`).expect(202);
    expect(await stored(bigHash)).toMatchObject({ status: 'killed', totalCost: 0 });
    await api.delete(`/sessions/${bigHash}`).expect(204);
    await api.get(`/sessions/${bigHash}`).expect(404);
  });

  it('lost-worker sweep: a row that refuses every write is set aside, and the bystander behind it is still failed as lost', async () => {
    const bystander = await running('bystander');
    const badRow = await running('a row every write of which fails');
    // Both silent; the bad one comes first in the sweep's order (no heartbeat at all).
    await db.query(`UPDATE sessions SET heartbeat_at = now() - interval '1 hour' WHERE id = $1`, [bystander]);
    await db.query(`UPDATE sessions SET heartbeat_at = NULL WHERE id = $1`, [badRow]);
    await poison(badRow);
    // Their jobs are gone, as if a worker had taken them and died.
    for (const id of [bystander, badRow]) await queueOf(app).remove(id);
    const sweeper = app.get(LostWorkerSweeper, { strict: false });

    // (Another test file's sweeper may get there first: what counts is that someone does.)
    const swept = async () => {
      await sweeper.sweep();
      return (await stored(bystander)).status;
    };
    expect(await waitFor(swept, (status) => status === 'failed', { what: 'the bystander failed as lost' })).toBe('failed');
    expect(await stored(badRow)).toMatchObject({ status: 'running' });
  });

  it('cleanup: a deleted session whose row refuses to go is set aside, the others in its batch are removed and the pass completes', async () => {
    const bystander = (await createSession(api, { title: 'bystander' })).id;
    const stuck = (await createSession(api, { title: 'stuck' })).id;
    for (const id of [bystander, stuck]) await api.delete(`/sessions/${id}`).expect(204);
    const trigger = `refuse_${stuck.replaceAll('-', '')}`;
    await db.query(
      `CREATE FUNCTION ${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'this row may not go'; END $$`,
    );
    await db.query(
      `CREATE TRIGGER ${trigger} BEFORE DELETE ON sessions FOR EACH ROW WHEN (OLD.id = '${stuck}') EXECUTE FUNCTION ${trigger}()`,
    );
    try {
      const cleanup = app.get(CleanupService, { strict: false });
      // Another test file's pass may hold the lock for a moment.
      const outcome = await waitFor(
        () => cleanup.run(new Date()),
        (result) => !result.skipped,
        { what: 'a pass that held the lock' },
      );
      expect(outcome).toMatchObject({ skipped: false, run: { status: 'completed' } });
      const left = await db.query(`SELECT id FROM sessions WHERE id = ANY($1::uuid[])`, [[bystander, stuck]]);
      expect(left).toEqual([{ id: stuck }]);
    } finally {
      await db.query(`DROP TRIGGER ${trigger} ON sessions`);
      await db.query(`DROP FUNCTION ${trigger}()`);
      await db.query(`DELETE FROM sessions WHERE id = $1`, [stuck]);
    }
  });
});
