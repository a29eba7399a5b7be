import { SessionCache } from '../../src/sessions/session.cache.js';
import { SessionsService } from '../../src/sessions/sessions.service.js';
import { waitFor } from '../utils/wait-for.js';
import { type UsedMediumContext, useMediumContext } from './medium.js';

/**
 * Two instances (two contexts, two Redis connections each) on one PostgreSQL and Redis: each keeps
 * in-process copies, observed only through public behaviour (what a read returns, the hit counts).
 */
describe('the near cache across two instances', () => {
  // One after the other (beforeAll hooks run in order): each reads its environment (its own key prefix) while it starts.
  const one = useMediumContext();
  const two = useMediumContext();

  /** Whether a read of `id` on this instance is answered by its in-process copy. */
  async function servedInProcess(ctx: UsedMediumContext, userId: string, id: string): Promise<boolean> {
    const before = ctx.get(SessionCache).stats.nearHits;
    await ctx.get(SessionsService).read(userId, id);
    return ctx.get(SessionCache).stats.nearHits > before;
  }

  it("answers a repeated read in-process, and never serves a copy older than the other instance's write", async () => {
    const user = one.newUser();
    const { session } = await one.get(SessionsService).create(user, { title: 'v0' });
    await one.get(SessionsService).read(user, session.id); // a copy from Redis
    await waitFor(() => servedInProcess(one, user, session.id), Boolean, { what: 'tracking active' });

    for (let i = 1; i <= 20; i++) {
      await two.get(SessionsService).update(user, session.id, { title: `v${i}` });
      expect((await one.get(SessionsService).read(user, session.id)).session.title).toBe(`v${i}`);
    }
  });

  it('drops its own copy at once on its own write', async () => {
    const user = one.newUser();
    const { session } = await one.get(SessionsService).create(user, { title: 'before' });
    await one.get(SessionsService).read(user, session.id);
    await one.get(SessionsService).read(user, session.id);

    await one.get(SessionsService).update(user, session.id, { title: 'after' });

    expect(await servedInProcess(one, user, session.id)).toBe(false);
    expect((await one.get(SessionsService).read(user, session.id)).session.title).toBe('after');
  });

  it('forgets a purged session: the next read goes to PostgreSQL', async () => {
    const user = one.newUser();
    const { session } = await one.get(SessionsService).create(user, { title: 'kept' });
    await one.get(SessionsService).read(user, session.id);
    await one.get(SessionsService).read(user, session.id);

    await two.get(SessionCache).purge([session.id]);

    const misses = one.get(SessionCache).stats.misses;
    expect((await one.get(SessionsService).read(user, session.id)).session.title).toBe('kept');
    expect(one.get(SessionCache).stats.misses).toBe(misses + 1);
  });
});
