import { JsonText } from '../../src/common/json-text.js';
import { SessionNotFoundError } from '../../src/common/domain-error.js';
import { MessagesService } from '../../src/messages/messages.service.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { newMediumContext, type MediumContext } from './medium.js';

const text = (value: string) => ({ role: 'user', content: JsonText.of(value) });

// Group commit (src/messages/append-groups.ts): one statement in flight, so appends arriving meanwhile share the next.
describe('appends in groups', () => {
  let ctx: MediumContext;
  let sut: MessagesService;

  beforeAll(async () => {
    ctx = await newMediumContext({ APPEND_GROUP_STATEMENTS: '1' });
    sut = ctx.get(MessagesService);
  });
  afterAll(() => ctx.close());

  const counted = async (name: string) => (await ctx.get(MetricsService).registry.getSingleMetric(name)!.get()).values[0]?.value ?? 0;
  type Stored = { id: string; seq: number; content: string };
  const storedOf = (sessionId: string) =>
    ctx.db.query<Stored[]>(`SELECT id, seq, content::text AS content FROM messages WHERE session_id = $1 ORDER BY seq`, [sessionId]);

  it('gives each of many sessions its own seqs, messages and key records, though they share statements', async () => {
    const [statements, members] = [await counted('append_group_statements_total'), await counted('append_group_members_total')];
    const sessions = await Promise.all(Array.from({ length: 30 }, () => ctx.newSession()));
    const writes = sessions.flatMap((session, s) =>
      Array.from({ length: 4 }, (_, n) => ({ session, body: text(`s${s}-m${n}`), key: n % 2 ? `key-${n}` : undefined })),
    );

    const answers = await Promise.all(
      writes.map(({ session, body, key }) => sut.append(session.userId, session.id, body, { idempotencyKey: key })),
    );

    // Fewer statements than appends: they were grouped.
    const sent = (await counted('append_group_statements_total')) - statements;
    expect((await counted('append_group_members_total')) - members).toBe(writes.length);
    expect(sent).toBeLessThan(writes.length);
    for (const session of sessions) {
      const stored = await storedOf(session.id);
      expect(stored.map((row) => row.seq)).toEqual([1, 2, 3, 4]);
      const mine = writes.flatMap((write, index) => (write.session === session ? [answers[index].result[0]] : []));
      // Each answer names the message stored under its seq, with its own content.
      expect(mine.map((message) => [message.id, message.seq, message.content.text]).sort()).toEqual(
        stored.map((row) => [row.id, row.seq, row.content]).sort(),
      );
      const keys = await ctx.db.query(`SELECT key, first_seq, count FROM message_appends WHERE session_id = $1 ORDER BY key`, [session.id]);
      const keyed = mine.filter((_, n) => writes.filter((write) => write.session === session)[n].key !== undefined);
      expect(keys.map((row: { first_seq: number }) => row.first_seq).sort()).toEqual(keyed.map((message) => message.seq).sort());
    }
  });

  it('answers a repeated key in a group as the first time, and another user’s session as not found, while the rest commit', async () => {
    const repeated = await ctx.newSession();
    const first = await sut.append(repeated.userId, repeated.id, text('once'), { idempotencyKey: 'the-key' });
    const stranger = await ctx.newSession();
    const others = await Promise.all(Array.from({ length: 6 }, () => ctx.newSession()));
    const blocker = sut.append(others[0].userId, others[0].id, text('in flight'));

    const [repeat, foreign, ...rest] = await Promise.allSettled([
      sut.append(repeated.userId, repeated.id, text('twice'), { idempotencyKey: 'the-key' }),
      sut.append('someone-else', stranger.id, text('not mine')),
      ...others.slice(1).map((session) => sut.append(session.userId, session.id, text('mine'))),
    ]);
    await blocker;

    expect(repeat).toMatchObject({ status: 'fulfilled', value: { result: first.result } });
    expect((await storedOf(repeated.id)).map((row) => row.content)).toEqual(['"once"']);
    expect(foreign).toMatchObject({ status: 'rejected', reason: expect.any(SessionNotFoundError) });
    expect(await storedOf(stranger.id)).toEqual([]);
    expect(rest.every((outcome) => outcome.status === 'fulfilled')).toBe(true);
    for (const session of others) expect((await storedOf(session.id)).map((row) => row.seq)).toEqual([1]);
  });

  it('does not hold other sessions’ appends behind a row another transaction has locked', async () => {
    const locked = await ctx.newSession();
    const others = await Promise.all(Array.from({ length: 5 }, () => ctx.newSession()));
    const holder = ctx.db.createQueryRunner();
    await holder.startTransaction();
    await holder.query(`SELECT id FROM sessions WHERE id = $1 FOR UPDATE`, [locked.id]);
    let lockedDone = false;
    try {
      const waiting = sut.append(locked.userId, locked.id, text('after the lock')).finally(() => (lockedDone = true));
      // Without skipping the locked row, the one statement in flight would wait for the holder, and these with it.
      await Promise.all(others.map((session) => sut.append(session.userId, session.id, text('unhindered'))));
      expect(lockedDone).toBe(false);
      await holder.commitTransaction();
      const written = await waiting;
      expect(written.result.map((message) => message.seq)).toEqual([1]);
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
  });

  it('turns to one append per statement when a session is written concurrently, keeping every seq once', async () => {
    const session = await ctx.newSession();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, n) => sut.append(session.userId, session.id, text(`m${n}`))));
    expect(answers.map((answer) => answer.result[0].seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, n) => n + 1));
    expect((await storedOf(session.id)).map((row) => row.seq)).toEqual(Array.from({ length: 20 }, (_, n) => n + 1));
  });
});
