import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { newUser, tokenFor } from '../../../test/factories/token.factory.js';
import { AgentsSession } from '../src/index.js';
import { AnswerDroppingProxy } from './utils/answer-dropping-proxy.js';
import { userMessage, useService } from './utils/service.js';

const POST_MESSAGES = /^POST \S+\/messages HTTP/;

/** The network fails after the server committed a write; the client's retry must leave exactly one copy. */
describe('AgentsSession: a lost answer and the retry', () => {
  const service = useService();
  let proxy: AnswerDroppingProxy;
  let user: string;
  let key: string;

  beforeAll(async () => {
    proxy = await AnswerDroppingProxy.start({ host: '127.0.0.1', port: (service.app.getHttpServer().address() as AddressInfo).port });
  });
  afterAll(() => proxy.close());
  beforeEach(async () => {
    await proxy.whenBack();
    user = newUser('fault');
    key = `agent_${randomUUID()}`;
  });

  // Through the proxy; reads for the checks go straight to the service.
  const throughProxy = () => new AgentsSession({ baseUrl: proxy.url, token: tokenFor(user), key, retry: { baseDelayMs: 10 } });
  const direct = () => service.agentsSession(key, user);

  it('addItems: the append committed, its answer lost, the retry stores nothing more', async () => {
    const session = throughProxy();
    await session.addItems([userMessage('before')]);
    const dropped = proxy.dropped;
    proxy.dropNextAnswerTo(POST_MESSAGES);
    await session.addItems([userMessage('once'), userMessage('twice?')]);
    expect(proxy.dropped).toBe(dropped + 1);
    expect(await direct().getItems()).toEqual([userMessage('before'), userMessage('once'), userMessage('twice?')]);
  });

  it('addItems: the answer lost, then the service away 4 s (longer than a restart): the retry stores it once and the call succeeds', async () => {
    // The default retry window; only the first pause is shortened.
    const session = new AgentsSession({ baseUrl: proxy.url, token: tokenFor(user), key, retry: { baseDelayMs: 10 } });
    await session.addItems([userMessage('before')]);
    proxy.dropNextAnswerTo(POST_MESSAGES, { awayForMs: 4000 });
    await session.addItems([userMessage('across the restart')]);
    expect(await direct().getItems()).toEqual([userMessage('before'), userMessage('across the restart')]);
  });

  it('a retry window shorter than the outage gives up: the caller gets the error (the case the window covers is real)', async () => {
    const session = new AgentsSession({ baseUrl: proxy.url, token: tokenFor(user), key, retry: { baseDelayMs: 10, forMs: 500 } });
    await session.addItems([userMessage('before')]);
    proxy.dropNextAnswerTo(POST_MESSAGES, { awayForMs: 3000 });
    await expect(session.addItems([userMessage('committed, answer lost')])).rejects.toThrow();
    expect(await direct().getItems()).toEqual([userMessage('before'), userMessage('committed, answer lost')]);
    await proxy.whenBack();
  });

  it('applyHistoryTransaction: an append and a suffix replacement whose answers are lost apply once', async () => {
    const session = throughProxy();
    await session.addItems([userMessage('start')]);
    const dropped = proxy.dropped;
    proxy.dropNextAnswerTo(POST_MESSAGES);
    await session.applyHistoryTransaction({
      operationId: 'op-append',
      transaction: { type: 'append_items', items: [userMessage('draft')] },
    });
    proxy.dropNextAnswerTo(POST_MESSAGES);
    // The retry's If-Match is stale by its own first attempt: the service answers the first attempt's result.
    await session.applyHistoryTransaction({
      operationId: 'op-replace',
      transaction: { type: 'replace_suffix', expectedSuffix: [userMessage('draft')], replacement: [userMessage('final')] },
    });
    expect(proxy.dropped).toBe(dropped + 2);
    expect(await direct().getItems()).toEqual([userMessage('start'), userMessage('final')]);
  });

  it('popItem is not sent twice: a lost answer is an error, and one item is gone, not two', async () => {
    const session = throughProxy();
    await session.addItems([userMessage('a'), userMessage('b'), userMessage('c')]);
    proxy.dropNextAnswerTo(/^DELETE \S+\/messages\/last HTTP/);
    await expect(session.popItem()).rejects.toThrow();
    expect(await direct().getItems()).toEqual([userMessage('a'), userMessage('b')]);
    expect(await session.popItem()).toEqual(userMessage('b'));
  });

  it('without retries, the lost answer reaches the caller (the case the retries cover is real)', async () => {
    const session = new AgentsSession({ baseUrl: proxy.url, token: tokenFor(user), key, retry: false });
    await session.addItems([userMessage('first')]);
    proxy.dropNextAnswerTo(POST_MESSAGES);
    await expect(session.addItems([userMessage('committed anyway')])).rejects.toThrow();
    expect(await direct().getItems()).toEqual([userMessage('first'), userMessage('committed anyway')]);
  });
});
