import { MemorySession, type AgentInputItem, type Session } from '@openai/agents-core';
import { randomUUID } from 'node:crypto';
import { newUser, tokenFor } from '../../../test/factories/token.factory.js';
import { SessionStoreClient } from '../src/index.js';
import { userMessage, useService } from './utils/service.js';

const textOf = (item: AgentInputItem) => (item as { content: { text: string }[] }).content[0].text;

/** The Agents SDK's Session behaviours (MemorySession's, agents-core 0.20) on AgentsSession over the real service. */
describe('AgentsSession: the SDK session behaviours', () => {
  const service = useService();
  let user: string;
  const fresh = (key = `agent_${randomUUID()}`) => service.agentsSession(key, user);

  beforeEach(() => {
    user = newUser('agent');
  });

  it('answers its key as the session id, and two instances on one key share one history', async () => {
    const key = `conversation_${randomUUID()}`;
    const first = fresh(key);
    expect(await first.getSessionId()).toBe(key);
    await first.addItems([userMessage('hello')]);
    expect(await fresh(key).getItems()).toEqual([userMessage('hello')]);
    // Another user's session on the same key is another history.
    expect(await service.agentsSession(key).getItems()).toEqual([]);
  });

  it('stores and retrieves items (MemorySession: stores and retrieves items in memory)', async () => {
    const session = fresh();
    const initial = [userMessage('hello')];
    await session.addItems(initial);
    expect(await session.getItems()).toEqual(initial);

    const added = [userMessage('one'), userMessage('two')];
    await session.addItems(added);
    expect(await session.getItems()).toEqual([...initial, ...added]);
    expect(await session.getItems(2)).toEqual(added);

    expect(await session.popItem()).toEqual(added[1]);
    expect(await session.getItems()).toEqual([...initial, added[0]]);

    await session.clearSession();
    expect(await session.getItems()).toEqual([]);
    expect(await session.getItems(3)).toEqual([]);
    expect(await session.popItem()).toBeUndefined();
  });

  it('answers every limit as MemorySession does: none, 0, negative, fractional, NaN, Infinity, beyond the length', async () => {
    const items = Array.from({ length: 7 }, (_, i) => userMessage(`item ${i}`));
    const memory = new MemorySession({ initialItems: items });
    const session = fresh();
    await session.addItems(items);
    const limits = [undefined, 0, -0, -1, -2.5, -Infinity, 0.1, 1, 1.5, 2.999, 3, 6.5, 7, 8, 100, 1000, 1001, NaN, Infinity];
    for (const limit of limits) {
      expect({ limit, items: await session.getItems(limit) }).toEqual({ limit, items: await memory.getItems(limit) });
    }
  });

  it('answers the latest n items in chronological order', async () => {
    const session = fresh();
    const items = Array.from({ length: 5 }, (_, i) => userMessage(`turn ${i}`));
    for (const item of items) await session.addItems([item]);
    expect(await session.getItems(3)).toEqual(items.slice(2));
    expect(await session.getItems(1)).toEqual([items[4]]);
  });

  it('pops the newest item first, then the next, then answers undefined', async () => {
    const session = fresh();
    await session.addItems([userMessage('a'), userMessage('b')]);
    await session.addItems([userMessage('c')]);
    expect(await session.popItem()).toEqual(userMessage('c'));
    expect(await session.popItem()).toEqual(userMessage('b'));
    expect(await session.popItem()).toEqual(userMessage('a'));
    expect(await session.popItem()).toBeUndefined();
    expect(await session.getItems()).toEqual([]);
  });

  it('clears its own history only, and is usable again after a clear', async () => {
    const session = fresh();
    const other = fresh();
    await session.addItems([userMessage('mine')]);
    await other.addItems([userMessage('theirs')]);
    await session.clearSession();
    expect(await session.getItems()).toEqual([]);
    expect(await other.getItems()).toEqual([userMessage('theirs')]);
    await session.addItems([userMessage('again')]);
    expect(await session.getItems()).toEqual([userMessage('again')]);
  });

  it('creates no session for a key never written: clearSession, popItem and getItems on it leave nothing behind', async () => {
    const key = `never_written_${randomUUID()}`;
    const session = fresh(key);
    await session.clearSession();
    expect(await session.popItem()).toBeUndefined();
    expect(await session.getItems()).toEqual([]);
    const client = new SessionStoreClient({ baseUrl: service.baseUrl(), token: tokenFor(user) });
    expect((await client.api.GET('/api/v1/sessions/by-key/{key}', { params: { path: { key } } })).response.status).toBe(404);
    expect((await client.api.GET('/api/v1/sessions', {})).data!.items).toEqual([]);
    // The first write creates it.
    await session.addItems([userMessage('first')]);
    expect((await client.api.GET('/api/v1/sessions/by-key/{key}', { params: { path: { key } } })).response.status).toBe(200);
  });

  it('returns copies, so mutating what it gave or was given changes nothing stored (MemorySession: returns clones)', async () => {
    const session = fresh();
    await session.addItems([userMessage('start')]);
    const items = await session.getItems();
    (items[0] as any).content = 'mutated';
    expect(await session.getItems()).toEqual([userMessage('start')]);

    const next = userMessage('next');
    await session.addItems([next]);
    (next as any).content = 'mutated';
    expect(await session.getItems()).toEqual([userMessage('start'), userMessage('next')]);

    const popped = await session.popItem();
    expect(popped).toEqual(userMessage('next'));
    (popped as any).content = 'mutated';
    expect(await session.getItems()).toEqual([userMessage('start')]);
  });

  it('adding no items changes nothing', async () => {
    const session = fresh();
    await session.addItems([userMessage('only')]);
    await session.addItems([]);
    expect(await session.getItems()).toEqual([userMessage('only')]);
  });

  it('keeps 20 concurrent addItems from separate instances on one key: nothing lost, interleaved or duplicated', async () => {
    const key = `shared_${randomUUID()}`;
    const writers = Array.from({ length: 20 }, (_, writer) => ({
      session: fresh(key),
      items: Array.from({ length: 5 }, (_, i) => userMessage(`writer ${writer} item ${i}`)),
    }));
    await Promise.all(writers.map(({ session, items }) => session.addItems(items)));

    const stored = await fresh(key).getItems();
    expect(stored).toHaveLength(100);
    const texts = stored.map(textOf);
    const batches: string[] = [];
    for (let start = 0; start < texts.length; start += 5) batches.push(texts.slice(start, start + 5).join(' | '));
    // Each writer's five items stand together, in its order, and every writer appears once.
    const expected = writers.map(({ items }) => items.map(textOf).join(' | ')).sort();
    expect(batches.sort()).toEqual(expected);
  });

  it('stores 1000 items in one addItems and reads them back, whole and as the latest n', async () => {
    const session = fresh();
    const items = Array.from({ length: 1000 }, (_, i) => userMessage(`item ${i} ${'x'.repeat(i % 50)}`));
    await session.addItems(items);
    expect(await session.getItems()).toEqual(items);
    expect(await session.getItems(1000)).toEqual(items);
    expect(await session.getItems(1001)).toEqual(items);
    expect(await session.getItems(999)).toEqual(items.slice(1));
  });

  it('stores items of 2 MB (a screenshot as a data URL) and reads them back, also past the 8 MiB page', async () => {
    const session = fresh();
    const screenshot = (n: number): AgentInputItem => ({
      role: 'user',
      content: [
        { type: 'input_text', text: `screenshot ${n}` },
        { type: 'input_image', image: `data:image/png;base64,${Buffer.alloc(1_500_000, n).toString('base64')}` },
      ],
    });
    const items = Array.from({ length: 6 }, (_, n) => screenshot(n));
    for (const item of items) await session.addItems([item]);
    // Six 2 MB items are 12 MB: one page stops at 8 MiB, and getItems still answers all six.
    expect(await session.getItems(6)).toEqual(items);
    expect(await session.getItems()).toEqual(items);
  });

  it('is a Session the SDK accepts (type check) and MemorySession answers the same for a simple history', async () => {
    const sessions: Session[] = [fresh(), new MemorySession()];
    const answers = [];
    for (const session of sessions) {
      await session.addItems([userMessage('x'), userMessage('y')]);
      answers.push([await session.getItems(), await session.popItem(), await session.getItems(5)]);
    }
    expect(answers[0]).toEqual(answers[1]);
  });
});
