import { newUser, tokenFor } from '../../../test/factories/token.factory.js';
import { SessionStoreClient, SessionStoreError } from '../src/index.js';
import { useService } from './utils/service.js';

describe('SessionStoreClient.search()', () => {
  const service = useService();

  async function seeded(user: string): Promise<{ first: string; second: string }> {
    const headers = { Authorization: `Bearer ${tokenFor(user)}`, 'Content-Type': 'application/json' };
    const ids: string[] = [];
    for (const title of ['first', 'second']) {
      const response = await fetch(`${service.baseUrl()}/api/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ title }) });
      const { id } = (await response.json()) as { id: string };
      const items = [
        { role: 'user', content: `Find the Flamingo invoice (${title})` },
        { role: 'assistant', content: [{ type: 'function_call', name: 'lookup', arguments: '{"animal":"flamingo"}' }] },
      ];
      await fetch(`${service.baseUrl()}/api/v1/sessions/${id}/messages`, { method: 'POST', headers, body: JSON.stringify({ items }) });
      ids.push(id);
    }
    return { first: ids[0], second: ids[1] };
  }

  it("answers a page of the caller's hits, newest first, with filters and a cursor", async () => {
    const user = newUser();
    const { first, second } = await seeded(user);
    await seeded(newUser()); // another user's, with the same words
    const client = new SessionStoreClient({ baseUrl: service.baseUrl(), token: tokenFor(user) });

    const page = await client.search('FLAMINGO', { limit: 3 });
    expect(page.items.map((hit) => [hit.sessionTitle, hit.seq, hit.role])).toEqual([
      ['second', 2, 'assistant'],
      ['second', 1, 'user'],
      ['first', 2, 'assistant'],
    ]);
    expect(page.items[1]).toEqual({
      sessionId: second,
      sessionTitle: 'second',
      seq: 1,
      role: 'user',
      createdAt: expect.any(String),
      snippet: 'Find the Flamingo invoice (second)',
    });
    const next = await client.search('FLAMINGO', { limit: 3, cursor: page.nextCursor! });
    expect(next.items.map((hit) => [hit.sessionId, hit.seq])).toEqual([[first, 1]]);
    expect(next.nextCursor).toBeNull();

    expect((await client.search('flamingo', { sessionId: first, role: 'user' })).items.map((hit) => hit.sessionId)).toEqual([first]);
    const all: string[] = [];
    for await (const hit of client.searchAll('flamingo', { limit: 1 })) all.push(`${hit.sessionTitle}#${hit.seq}`);
    expect(all).toEqual(['second#2', 'second#1', 'first#2', 'first#1']);
  });

  it('throws the service error for a q that is too short', async () => {
    const client = new SessionStoreClient({ baseUrl: service.baseUrl(), token: tokenFor(newUser()), retry: false });
    const error = await client.search('x').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SessionStoreError);
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
  });
});
