import { randomUUID } from 'node:crypto';
import { newUser, tokenFor } from '../../../test/factories/token.factory.js';
import { SessionStoreClient, SessionStoreError } from '../src/index.js';
import { userMessage, useService } from './utils/service.js';

/** Forks from the clients: SessionStoreClient.fork and AgentsSession.fork over the real service. */
describe('clients: fork', () => {
  const service = useService();
  let user: string;
  const fresh = (key = `agent_${randomUUID()}`) => service.agentsSession(key, user);
  const client = () => new SessionStoreClient({ baseUrl: service.baseUrl(), token: tokenFor(user) });

  beforeEach(() => {
    user = newUser('agent');
  });

  it('AgentsSession.fork({ atSeq, key }) answers a session on the new key holding the items up to atSeq; the two then go their own ways', async () => {
    const source = fresh();
    const items = ['one', 'two', 'three'].map(userMessage);
    await source.addItems(items);

    const fork = await source.fork({ atSeq: 2, key: 'retry-from-two' });
    expect(await fork.getSessionId()).toBe('retry-from-two');
    expect(await fork.getItems()).toEqual(items.slice(0, 2));

    await fork.addItems([userMessage('other')]);
    expect(await fork.getItems()).toEqual([...items.slice(0, 2), userMessage('other')]);
    expect(await source.getItems()).toEqual(items);
    // Another instance on the fork's key sees the same history.
    expect(await fresh('retry-from-two').getItems()).toEqual(await fork.getItems());
  });

  it('AgentsSession.fork() takes every item, on a new key of its own', async () => {
    const source = fresh();
    await source.addItems([userMessage('a'), userMessage('b')]);
    const fork = await source.fork();
    expect(await fork.getSessionId()).not.toBe(await source.getSessionId());
    expect(await fork.getItems()).toEqual([userMessage('a'), userMessage('b')]);
  });

  it('SessionStoreClient.fork answers the new session with forkedFrom; a repeated Idempotency-Key the same one; errors carry their code', async () => {
    const source = fresh('keyed');
    await source.addItems([userMessage('a'), userMessage('b')]);
    const sessions = client();
    const { data } = await sessions.api.GET('/api/v1/sessions/by-key/{key}', { params: { path: { key: 'keyed' } } });
    const sourceId = data!.id;

    const forked = await sessions.fork(sourceId, { atSeq: 1, title: 'first turn', idempotencyKey: 'fork-once' });
    expect(forked).toMatchObject({
      status: 'created',
      title: 'first turn',
      messageCount: 1,
      forkedFrom: { sessionId: sourceId, atSeq: 1 },
    });
    expect((await sessions.fork(sourceId, { atSeq: 1, idempotencyKey: 'fork-once' })).id).toBe(forked.id);

    const past = await sessions.fork(sourceId, { atSeq: 3 }).catch((error: unknown) => error);
    expect(past).toBeInstanceOf(SessionStoreError);
    expect(past).toMatchObject({ status: 400, code: 'FORK_POINT_OUT_OF_RANGE' });
    const theirs = await new SessionStoreClient({ baseUrl: service.baseUrl(), token: tokenFor(newUser()) })
      .fork(sourceId)
      .catch((error: unknown) => error);
    expect(theirs).toMatchObject({ status: 404, code: 'SESSION_NOT_FOUND' });
  });
});
