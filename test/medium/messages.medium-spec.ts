import { JsonText } from '../../src/common/json-text.js';
import { MessagesService } from '../../src/messages/messages.service.js';
import { SessionsService } from '../../src/sessions/sessions.service.js';
import { useMediumContext } from './medium.js';

describe('MessagesService against PostgreSQL', () => {
  const ctx = useMediumContext();
  const sut = ctx.provider(MessagesService);

  it('50 concurrent appends to one session get seqs 1..50, no gap, no duplicate, and the session counts them', async () => {
    const user = ctx.newUser();
    const session = await ctx.newSession({ userId: user });

    const written = await Promise.all(
      Array.from({ length: 50 }, (_, i) => sut.append(user, session.id, { role: 'user', content: JsonText.of(`m${i}`) })),
    );

    expect(
      written
        .flatMap((write) => write.result)
        .map((message) => message.seq)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const stored = await ctx.db.query(`SELECT seq FROM messages WHERE session_id = $1 ORDER BY seq`, [session.id]);
    expect(stored.map((row: { seq: number }) => row.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const [row] = await ctx.db.query(`SELECT message_count, last_seq, version FROM sessions WHERE id = $1`, [session.id]);
    expect(row).toMatchObject({ message_count: 50, last_seq: 50, version: session.version + 50 });
    // The cache followed every commit: the read sees the last write.
    expect((await ctx.get(SessionsService).read(user, session.id)).session.messageCount).toBe(50);
  });

  it('appendWhileRunning writes nothing once the session has left running', async () => {
    const user = ctx.newUser();
    const session = await ctx.newSession({ userId: user, status: 'killed' });

    expect(await sut.appendWhileRunning(user, session.id, [{ role: 'assistant', content: 'late' }])).toBeNull();
    const [row] = await ctx.db.query(`SELECT count(*)::int AS n FROM messages WHERE session_id = $1`, [session.id]);
    expect(row.n).toBe(0);
  });
});
