import { apiAs, createSession } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { createTestApp } from './utils/create-test-app.js';

/** "Restart the container, continue the conversation": nothing lives in the process. */
describe('restart continuity', () => {
  it('serves the session and its whole history from a new app, and the conversation continues', async () => {
    const user = newUser();
    const first = await createTestApp();
    const before = apiAs(first, user);
    const session = await createSession(before, { title: 'long conversation', context: { topic: 'pricing' } });
    await before
      .post(`/sessions/${session.id}/messages`, {
        items: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'hello' },
        ],
      })
      .expect(201);
    const snapshot = (await before.get(`/sessions/${session.id}`)).body;
    await first.close();

    const second = await createTestApp({ REDIS_URL: '' }); // nothing from the cache either
    try {
      const after = apiAs(second, user);
      expect((await after.get(`/sessions/${session.id}`).expect(200)).body).toEqual(snapshot);
      const next = await after.post(`/sessions/${session.id}/messages`, { role: 'user', content: 'still there?' }).expect(201);
      expect(next.body.items[0].seq).toBe(3);
      const history = await after.get(`/sessions/${session.id}/messages`).expect(200);
      expect(history.body.items.map((m: { content: string }) => m.content)).toEqual(['hi', 'hello', 'still there?']);
      expect((await after.get('/sessions')).body.items.map((s: { id: string }) => s.id)).toEqual([session.id]);
    } finally {
      await second.close();
    }
  });
});
