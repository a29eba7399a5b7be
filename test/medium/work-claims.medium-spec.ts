import { jest } from '@jest/globals';
import { ControlService } from '../../src/control/control.service.js';
import { RemoteWorkQueues } from '../../src/control/queue/remote-work.queues.js';
import { LeaseBook, type LeaseTerms } from '../../src/remote-workers/lease.book.js';
import { SessionsService } from '../../src/sessions/sessions.service.js';
import { WorkService } from '../../src/remote-workers/work.service.js';
import { newUser } from '../factories/token.factory.js';
import { newMediumContext, type MediumContext } from './medium.js';

const worker = () => ({ id: newUser('worker'), roles: ['worker'] });

describe('WorkService.claim against PostgreSQL and Redis', () => {
  let ctx: MediumContext;
  let sut: WorkService;
  let leases: LeaseBook;

  beforeAll(async () => {
    ctx = await newMediumContext({ REMOTE_HANDLERS: 'research' });
    sut = ctx.get(WorkService);
    leases = ctx.get(LeaseBook);
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    await ctx.get(RemoteWorkQueues).queue('research')!.obliterate({ force: true });
    await ctx.close();
  });

  let owner: string;

  async function started(): Promise<string> {
    owner = ctx.newUser();
    const session = await ctx.newSession({ userId: owner });
    await ctx.get(ControlService).start(owner, session.id, 'research');
    return session.id;
  }

  it('a caller that hangs up while its session is being leased gives it back: the next claim gets it, the first lease is over', async () => {
    const sessionId = await started();
    const gone = new AbortController();
    const take = leases.take.bind(leases);
    let first: LeaseTerms | undefined;
    // The real lease is written; the hang-up lands right after, before the answer.
    jest.spyOn(leases, 'take').mockImplementationOnce(async (lease) => {
      first = lease;
      await take(lease);
      gone.abort();
    });

    expect(await sut.claim(worker(), ['research'], 0, gone.signal)).toBeNull();
    expect(first?.sessionId).toBe(sessionId);
    expect(await leases.get(first!.id)).toMatchObject({ state: 'ended' });
    // Given back, it reads as waiting for a worker again (claimedAt null), the cache included.
    expect((await ctx.get(SessionsService).read(owner, sessionId)).session.claimedAt).toBeNull();

    const next = await sut.claim(worker(), ['research'], 0, new AbortController().signal);
    expect(next?.session).toMatchObject({ id: sessionId, status: 'running', claimedAt: expect.any(String) });
    expect(next?.lease.id).not.toBe(first!.id);
    expect(await leases.get(next!.lease.id)).toMatchObject({ state: 'live', sessionId });
  });

  it('a caller that hung up before the claim looked takes nothing', async () => {
    const sessionId = await started();
    expect(await sut.claim(worker(), ['research'], 5, AbortSignal.abort())).toBeNull();
    const next = await sut.claim(worker(), ['research'], 0, new AbortController().signal);
    expect(next?.session.id).toBe(sessionId);
  });
});
