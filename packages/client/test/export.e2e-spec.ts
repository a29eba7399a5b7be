import { newUser, tokenFor } from '../../../test/factories/token.factory.js';
import { SessionStoreClient } from '../src/index.js';
import { useService } from './utils/service.js';

describe('SessionStoreClient.export()', () => {
  const service = useService();

  it("yields one exact line per session of the caller's, as GET /api/v1/export writes them", async () => {
    const user = newUser();
    const client = new SessionStoreClient({ baseUrl: service.baseUrl(), token: tokenFor(user) });
    const headers = { Authorization: `Bearer ${tokenFor(user)}`, 'Content-Type': 'application/json' };
    const created: string[] = [];
    for (const title of ['first', 'second']) {
      const response = await fetch(`${service.baseUrl()}/api/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ title }) });
      created.push(((await response.json()) as { id: string }).id);
    }
    await fetch(`${service.baseUrl()}/api/v1/sessions/${created[0]}/messages`, {
      method: 'POST',
      headers,
      body: '{"role":"user","content":[1.0,1e400]}',
    });

    const lines: string[] = [];
    for await (const line of client.export()) lines.push(line);
    const raw = await (await fetch(`${service.baseUrl()}/api/v1/export`, { headers })).text();
    expect(lines.map((line) => `${line}\n`).join('')).toBe(raw);
    expect(lines.map((line) => JSON.parse(line).session.id)).toEqual(created);
    expect(lines[0]).toContain('"content":[1.0,1e400]');
  });

  it('throws the service error without a valid token', async () => {
    const client = new SessionStoreClient({ baseUrl: service.baseUrl(), token: 'not-a-token', retry: false });
    await expect(client.export().next()).rejects.toMatchObject({ status: 401 });
  });
});
