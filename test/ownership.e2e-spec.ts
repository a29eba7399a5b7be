import { apiAs, createSession } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { useTestApp } from './utils/use-test-app.js';

/** Another user's session must be indistinguishable from one that does not exist. */
describe('ownership', () => {
  const app = useTestApp();

  it('lets a second user neither read, change, delete, list nor append, with the exact unknown-id answer', async () => {
    const alice = apiAs(app, newUser('alice'));
    const mallory = apiAs(app, newUser('mallory'));
    const session = await createSession(alice, { title: 'private' });
    await alice.post(`/sessions/${session.id}/messages`, { role: 'user', content: 'secret' }).expect(201);
    const unknown = '00000000-0000-4000-8000-000000000000';

    const attempts: Array<[string, (id: string) => Promise<{ status: number; body: unknown }>]> = [
      ['GET session', (id) => mallory.get(`/sessions/${id}`)],
      ['PATCH session', (id) => mallory.patch(`/sessions/${id}`, { title: 'pwned' })],
      ['DELETE session', (id) => mallory.delete(`/sessions/${id}`)],
      ['POST message', (id) => mallory.post(`/sessions/${id}/messages`, { role: 'user', content: 'x' })],
      ['GET messages', (id) => mallory.get(`/sessions/${id}/messages`)],
      ['DELETE last message', (id) => mallory.delete(`/sessions/${id}/messages/last`)],
      ['DELETE messages', (id) => mallory.delete(`/sessions/${id}/messages`)],
    ];
    for (const [name, attempt] of attempts) {
      const theirs = await attempt(session.id);
      const missing = await attempt(unknown);
      expect({ name, status: theirs.status, body: theirs.body }).toEqual({ name, status: 404, body: missing.body });
    }
    expect((await mallory.get('/sessions').expect(200)).body.items).toEqual([]);

    // And nothing of Alice's changed.
    const after = await alice.get(`/sessions/${session.id}`).expect(200);
    expect(after.body).toMatchObject({ title: 'private', status: 'created', messageCount: 1 });
    const history = await alice.get(`/sessions/${session.id}/messages`).expect(200);
    expect(history.body.items.map((m: { content: string }) => m.content)).toEqual(['secret']);
  });

  it('keeps cached sessions private too (the cache is shared by all users)', async () => {
    const alice = apiAs(app, newUser('alice'));
    const mallory = apiAs(app, newUser('mallory'));
    const session = await createSession(alice);
    await alice.get(`/sessions/${session.id}`).expect(200); // now certainly cached
    await mallory.get(`/sessions/${session.id}`).expect(404);
  });
});
