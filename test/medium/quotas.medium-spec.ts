import { QuotaExceededError } from '../../src/common/domain-error.js';
import { ControlService } from '../../src/control/control.service.js';
import { SessionsService } from '../../src/sessions/sessions.service.js';
import { useMediumContext } from './medium.js';

/*
 * The quotas under races (issue 9, item 8): a count then an insert would let 20 concurrent
 * requests at quota - 1 all see room. Each round puts one user at quota - 1 and races 20 requests.
 */
const MAX_SESSIONS = 10;
const MAX_RUNNING = 3;
const RACERS = 20;

describe('per-user quotas against PostgreSQL, under races', () => {
  const ctx = useMediumContext({ MAX_SESSIONS_PER_USER: String(MAX_SESSIONS), MAX_RUNNING_PER_USER: String(MAX_RUNNING) });

  const count = async (user: string, where: string) =>
    (await ctx.db.query(`SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND ${where}`, [user]))[0].n;

  it.each([0, 1, 2])('20 concurrent creates at MAX_SESSIONS_PER_USER - 1 leave exactly the quota (round %i)', async () => {
    const user = ctx.newUser();
    for (let n = 0; n < MAX_SESSIONS - 1; n++) await ctx.newSession({ userId: user });
    await ctx.newSession({ userId: user, status: 'deleted' }); // deleted sessions do not count

    const outcomes = await Promise.allSettled(
      Array.from({ length: RACERS }, () => ctx.get(SessionsService).create(user, { title: 'racer' })),
    );

    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    const refusals = outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => outcome.reason);
    expect(refusals).toHaveLength(RACERS - 1);
    for (const reason of refusals) expect(reason).toBeInstanceOf(QuotaExceededError);
    expect(refusals[0].details).toEqual({ quota: 'MAX_SESSIONS_PER_USER', limit: MAX_SESSIONS });
    expect(await count(user, `status <> 'deleted'`)).toBe(MAX_SESSIONS);
  });

  it('a repeated Idempotency-Key at the quota returns the session it created, and creates nothing', async () => {
    const user = ctx.newUser();
    for (let n = 0; n < MAX_SESSIONS - 1; n++) await ctx.newSession({ userId: user });
    const sessions = ctx.get(SessionsService);
    const first = await sessions.create(user, { title: 'keyed' }, 'the-key');
    await expect(sessions.create(user, { title: 'unkeyed' })).rejects.toBeInstanceOf(QuotaExceededError);
    expect((await sessions.create(user, { title: 'keyed' }, 'the-key')).session.id).toBe(first.session.id);
    expect(await count(user, `status <> 'deleted'`)).toBe(MAX_SESSIONS);
  });

  it.each([0, 1, 2])('20 concurrent starts at MAX_RUNNING_PER_USER - 1 leave exactly the quota running (round %i)', async () => {
    const user = ctx.newUser();
    for (let n = 0; n < MAX_RUNNING - 1; n++) await ctx.newSession({ userId: user, status: 'running' });
    const waiting = await Promise.all(Array.from({ length: RACERS }, () => ctx.newSession({ userId: user })));

    const outcomes = await Promise.allSettled(waiting.map((session) => ctx.get(ControlService).start(user, session.id)));

    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    const refusals = outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => outcome.reason);
    for (const reason of refusals) expect(reason).toBeInstanceOf(QuotaExceededError);
    expect(refusals[0].details).toEqual({ quota: 'MAX_RUNNING_PER_USER', limit: MAX_RUNNING });
    expect(await count(user, `status = 'running'`)).toBe(MAX_RUNNING);
    // Nothing changed for the refused ones: still created, no audit row.
    expect(await count(user, `status = 'created'`)).toBe(RACERS - 1);
    const [{ n }] = await ctx.db.query(`SELECT count(*)::int AS n FROM session_transitions WHERE session_id = ANY($1::uuid[])`, [
      waiting.map((s) => s.id),
    ]);
    expect(n).toBe(1);
  });

  it('another user starts while one user is at MAX_RUNNING_PER_USER', async () => {
    const busy = ctx.newUser();
    for (let n = 0; n < MAX_RUNNING; n++) await ctx.newSession({ userId: busy, status: 'running' });
    const refused = await ctx.newSession({ userId: busy });
    await expect(ctx.get(ControlService).start(busy, refused.id)).rejects.toBeInstanceOf(QuotaExceededError);

    const other = ctx.newUser();
    const session = await ctx.newSession({ userId: other });
    expect((await ctx.get(ControlService).start(other, session.id)).session.status).toBe('running');
  });
});
