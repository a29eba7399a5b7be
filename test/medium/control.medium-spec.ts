import { InvalidTransitionError, SessionNotFoundError } from '../../src/common/domain-error.js';
import { ControlService } from '../../src/control/control.service.js';
import { LiveProgressCache } from '../../src/control/live-progress/live-progress.cache.js';
import { canTransition, type SessionStatus } from '../../src/sessions/session-status.js';
import { useMediumContext } from './medium.js';

describe('ControlService.move against PostgreSQL and Redis', () => {
  const ctx = useMediumContext();
  const sut = ctx.provider(ControlService);

  const trailOf = async (id: string) =>
    (await ctx.db.query(`SELECT from_status, to_status FROM session_transitions WHERE session_id = $1 ORDER BY id`, [id])).map(
      (row: Record<string, SessionStatus>) => [row.from_status, row.to_status] as [SessionStatus, SessionStatus],
    );

  it.each(Array.from({ length: 10 }, (_, i) => i))(
    'concurrent kill and complete of one running session: exactly one wins, the trail is valid (round %i)',
    async () => {
      const user = ctx.newUser();
      const session = await ctx.newSession({ userId: user, status: 'running' });

      const outcomes = await Promise.allSettled([
        sut.kill(user, session.id, 'stop'),
        sut.complete(user, session.id, { synthesisText: 'done' }),
      ]);

      const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      const lost = outcomes.filter((outcome) => outcome.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      const winner = won[0].value.session.status;
      expect(['killed', 'completed']).toContain(winner);
      expect(lost[0].reason).toBeInstanceOf(InvalidTransitionError);
      expect(lost[0].reason.details).toEqual({ currentStatus: winner });
      expect(await trailOf(session.id)).toEqual([['running', winner]]);
      const [row] = await ctx.db.query(`SELECT status, ended_at FROM sessions WHERE id = $1`, [session.id]);
      expect(row.status).toBe(winner);
      expect(row.ended_at).not.toBeNull();
    },
  );

  it('20 concurrent system moves of one running session: one wins, every other is refused, each step of the trail is legal', async () => {
    const session = await ctx.newSession({ status: 'running' });
    const actions = Array.from({ length: 20 }, (_, i) => (['kill', 'complete', 'fail'] as const)[i % 3]);
    const outcomes = await Promise.allSettled(actions.map((action) => sut.move(session.id, action, { actor: 'system' })));

    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes) if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(InvalidTransitionError);
    const trail = await trailOf(session.id);
    expect(trail).toHaveLength(1);
    for (const [from, to] of trail) expect(canTransition(from, to)).toBe(true);
  });

  it('DELETE of a running session is one step through killed: both audit rows, ended_at set, then it is gone', async () => {
    const user = ctx.newUser();
    const session = await ctx.newSession({ userId: user, status: 'running' });

    await sut.remove(user, session.id);

    expect(await trailOf(session.id)).toEqual([
      ['running', 'killed'],
      ['killed', 'deleted'],
    ]);
    const [row] = await ctx.db.query(`SELECT status, ended_at FROM sessions WHERE id = $1`, [session.id]);
    expect(row).toMatchObject({ status: 'deleted', ended_at: expect.any(Date) });
    await expect(sut.kill(user, session.id)).rejects.toBeInstanceOf(SessionNotFoundError);
  });

  it("another user's kill is refused before any effect: the owner's live progress stays open", async () => {
    const owner = ctx.newUser();
    const session = await ctx.newSession({ userId: owner, status: 'running' });
    await ctx.get(LiveProgressCache).open(session);

    await expect(sut.kill(ctx.newUser(), session.id)).rejects.toBeInstanceOf(SessionNotFoundError);

    expect(await ctx.get(LiveProgressCache).record(session.id, { costDelta: 1 })).toBe('recorded');
    expect(await trailOf(session.id)).toEqual([]);
  });
});
