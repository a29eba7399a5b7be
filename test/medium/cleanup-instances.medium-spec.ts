import { CleanupService } from '../../src/cleanup/cleanup.service.js';
import { countSessions, seedExpiredSessions } from '../factories/cleanup.factory.js';
import { ownDatabase } from '../utils/own-database.js';
import { useMediumContext } from './medium.js';

const HOUR = 3600_000;

/*
 * Two instances' CleanupService on one database, as two deployed replicas would be: one pass at a
 * time (the advisory lock), one scheduled pass per slot. A database of its own, since a pass removes
 * every expired session. The HTTP routes, the CLI and the schedule: test/cleanup-instances.e2e-spec.ts.
 */
describe('cleanup passes of two instances on one database', () => {
  let env: Record<string, string>;
  const first = useMediumContext(async () => {
    env = { DATABASE_URL: await ownDatabase('cleanup_instances_medium'), CLEANUP_BATCH_SIZE: '10' };
    return env;
  });
  const second = useMediumContext(async () => env);
  beforeEach(() => first.db.query('TRUNCATE sessions, cleanup_runs CASCADE'));

  const seed = async (count: number) => {
    const user = first.newUser();
    await seedExpiredSessions(first.db, user, count, new Date(Date.now() - HOUR));
    return user;
  };

  it('starting a pass at the same moment: exactly one does the work, the count is not doubled', async () => {
    const user = await seed(400);
    const now = new Date();

    const outcomes = await Promise.all([first, second].map((ctx) => ctx.get(CleanupService).run(now)));

    const passes = outcomes.flatMap((outcome) => (outcome.skipped ? [] : [outcome.run]));
    expect(passes).toHaveLength(1);
    expect(passes[0].expired).toBe(400);
    expect(outcomes.filter((outcome) => outcome.skipped && outcome.reason === 'locked')).toHaveLength(1);
    expect(await countSessions(first.db, user)).toBe(0);
    expect((await first.db.query('SELECT count(*)::int AS n FROM cleanup_runs'))[0].n).toBe(1);
  });

  it('a scheduled pass already run by one instance is skipped by an instance that ticks late', async () => {
    await seed(5);
    const slot = new Date(Math.floor(Date.now() / 1000) * 1000);
    const early = await first.get(CleanupService).run(slot, { trigger: 'schedule' });
    const late = await second.get(CleanupService).run(slot, { trigger: 'schedule' });
    expect(early).toMatchObject({ skipped: false, run: { expired: 5, trigger: 'schedule' } });
    expect(late).toMatchObject({ skipped: true, reason: 'already-ran' });
  });
});
