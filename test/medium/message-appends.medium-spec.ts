import { PreconditionFailedError, SessionNotFoundError } from '../../src/common/domain-error.js';
import { JsonText } from '../../src/common/json-text.js';
import { MessagesService } from '../../src/messages/messages.service.js';
import { useMediumContext } from './medium.js';

/*
 * What the tables keep for a history write's Idempotency-Key (message_appends) and for the messages
 * a pop or replace removed under it (message_appends_removed): a client sees only the answers
 * (test/messages-appends.e2e-spec.ts).
 */
describe('Idempotency-Keys of history writes, in PostgreSQL', () => {
  const ctx = useMediumContext();
  const sut = ctx.provider(MessagesService);

  const item = (content: string) => ({ role: 'user', content: JsonText.of(content) });
  const keys = async (sessionId: string) =>
    (await ctx.db.query(`SELECT key FROM message_appends WHERE session_id = $1 ORDER BY key`, [sessionId])).map(
      (row: { key: string }) => row.key,
    );
  const keptRemoved = async (sessionId: string) =>
    (await ctx.db.query(`SELECT count(*)::int AS n FROM message_appends_removed WHERE session_id = $1`, [sessionId]))[0].n as number;

  it('records the key of a committed write only: a write refused by If-Match records none', async () => {
    const user = ctx.newUser();
    const session = await ctx.newSession({ userId: user, messages: 2 });
    const { etag } = await sut.list(user, session.id, 0);
    await sut.append(user, session.id, { items: [item('turn')] }, { idempotencyKey: 'turn-once', ifMatch: etag });
    await sut.append(user, session.id, { items: [item('later')] });

    await expect(
      sut.append(user, session.id, { items: [item('x')] }, { idempotencyKey: 'turn-other', ifMatch: etag }),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(await keys(session.id)).toEqual(['turn-once']);
  });

  it("records no key for a write to another user's session", async () => {
    const session = await ctx.newSession({ messages: 1 });
    await expect(sut.append(ctx.newUser(), session.id, { items: [item('x')] }, { idempotencyKey: 'k' })).rejects.toBeInstanceOf(
      SessionNotFoundError,
    );
    expect(await keys(session.id)).toEqual([]);
  });

  it('keeps the messages a pop removed while their key is remembered; a clear forgets both', async () => {
    const user = ctx.newUser();
    const session = await ctx.newSession({ userId: user, messages: 3 });
    await sut.append(user, session.id, { items: [item('b1'), item('b2')] }, { idempotencyKey: 'b' });
    await sut.popLast(user, session.id);
    expect(await keptRemoved(session.id)).toBe(1);
    await sut.popLast(user, session.id);
    expect(await keptRemoved(session.id)).toBe(2);
    // An unkeyed message popped is not kept: nothing will ask for it again.
    await sut.popLast(user, session.id);
    expect(await keptRemoved(session.id)).toBe(2);

    await sut.clear(user, session.id);
    expect(await keptRemoved(session.id)).toBe(0);
    expect(await keys(session.id)).toEqual([]);
  });

  it('forgets keys, and the messages kept for them, with the session', async () => {
    const user = ctx.newUser();
    const session = await ctx.newSession({ userId: user });
    await sut.append(user, session.id, { items: [item('x')] }, { idempotencyKey: 'gone-with-it' });
    await sut.popLast(user, session.id);
    expect(await keptRemoved(session.id)).toBe(1);

    await ctx.db.query(`DELETE FROM sessions WHERE id = $1`, [session.id]); // what the cleanup does with a deleted session
    expect(await keys(session.id)).toEqual([]);
    expect(await keptRemoved(session.id)).toBe(0);
  });

  it('remembers keys 24 h: forgetExpiredKeys forgets older ones, in batches, and keeps the rest', async () => {
    const user = ctx.newUser();
    const session = await ctx.newSession({ userId: user });
    for (const key of ['yesterday', 'before-yesterday', 'today']) {
      await sut.append(user, session.id, { items: [item(key)] }, { idempotencyKey: key });
    }
    const age = (key: string, hours: number) =>
      ctx.db.query(`UPDATE message_appends SET created_at = now() - make_interval(hours => $3) WHERE session_id = $1 AND key = $2`, [
        session.id,
        key,
        hours,
      ]);
    await age('before-yesterday', 49);
    await age('yesterday', 25);
    await age('today', 23);

    // Other specs' keys may be as old: at least ours, batch by batch of one.
    expect(await sut.forgetExpiredKeys(new Date(), 1)).toBeGreaterThanOrEqual(2);
    expect(await keys(session.id)).toEqual(['today']);
    // A forgotten key appends again; a remembered one answers as the first time.
    expect((await sut.append(user, session.id, { items: [item('today')] }, { idempotencyKey: 'today' })).result.map((m) => m.seq)).toEqual([
      3,
    ]);
    expect(
      (await sut.append(user, session.id, { items: [item('yesterday')] }, { idempotencyKey: 'yesterday' })).result.map((m) => m.seq),
    ).toEqual([4]);
  });
});
