import { JsonText } from '../common/json-text.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import type { GroupedAppend } from '../sessions/history-appends.sql.js';
import type { Session } from '../sessions/session.columns.js';
import type { SessionStore } from '../sessions/session.store.js';
import { AppendGroups, type GroupedMessages } from './append-groups.js';
import type { MessageAppendsRepository } from './message-appends.repository.js';
import type { MessagesRepository } from './messages.repository.js';

/** A statement the fake store holds until the test answers it. */
interface Held {
  appends: GroupedAppend[];
  answer(rows: Array<Session | null>): void;
  refuse(error: unknown): void;
}

function groupsWith(statementsInFlight: number) {
  const held: Held[] = [];
  const rows = {
    touchAppends: (appends: GroupedAppend[]) =>
      new Promise<Array<Session | null>>((answer, refuse) => held.push({ appends, answer, refuse })),
  } as unknown as SessionStore;
  const messages = { groupRider: () => () => '' } as unknown as MessagesRepository;
  const appends = { groupRecordRider: () => () => '' } as unknown as MessageAppendsRepository;
  const metrics = { counter: () => ({ inc: () => undefined }) } as unknown as MetricsService;
  const sut = new AppendGroups(rows, messages, appends, { appendGroupStatements: statementsInFlight } as never, metrics);
  return { sut, held };
}

const item = { role: 'user', content: new JsonText('"hi"'), metadata: new JsonText('{}') };
const append = (sessionId: string, items = [item]): GroupedMessages => ({ sessionId, userId: 'u', items, ids: items.map(() => 'id') });
const rowOf = (appends: GroupedAppend[]) => appends.map(({ id }) => ({ id }) as Session);
const settled = () => new Promise((resolve) => setImmediate(resolve));
const sessionsOf = (statement: Held) => statement.appends.map(({ id }) => id);

describe('AppendGroups', () => {
  it('sends a lone append at once, and those arriving while it is in flight together in the next statement', async () => {
    const { sut, held } = groupsWith(1);
    const first = sut.touch(append('a'));
    expect(held.map(sessionsOf)).toEqual([['a']]);
    const later = [sut.touch(append('b')), sut.touch(append('c')), sut.touch(append('d'))];
    expect(held).toHaveLength(1);
    held[0].answer(rowOf(held[0].appends));
    await expect(first).resolves.toEqual({ id: 'a' });
    await settled();
    expect(held.map(sessionsOf)).toEqual([['a'], ['b', 'c', 'd']]);
    held[1].answer([{ id: 'b' } as Session, null, { id: 'd' } as Session]);
    // Each member its own row: c matched nothing (it then decides alone).
    await expect(Promise.all(later)).resolves.toEqual([{ id: 'b' }, null, { id: 'd' }]);
  });

  it('keeps one append of a session in flight, so its appends keep their order', async () => {
    const { sut, held } = groupsWith(2);
    void sut.touch(append('a'));
    void sut.touch(append('a'));
    void sut.touch(append('b'));
    // Two statements may fly, but the second of a waits for the first: b goes, a's second waits.
    expect(held.map(sessionsOf)).toEqual([['a'], ['b']]);
    void sut.touch(append('c'));
    held[1].answer(rowOf(held[1].appends));
    await settled();
    expect(held.map(sessionsOf)).toEqual([['a'], ['b'], ['c']]);
    held[0].answer(rowOf(held[0].appends));
    await settled();
    expect(held.map(sessionsOf)).toEqual([['a'], ['b'], ['c'], ['a']]);
  });

  it('runs the members of a statement PostgreSQL refused again one by one, each getting its own answer', async () => {
    const { sut, held } = groupsWith(1);
    void sut.touch(append('a'));
    const b = sut.touch(append('b'));
    const c = sut.touch(append('c'));
    held[0].answer(rowOf(held[0].appends));
    await settled();
    held[1].refuse(Object.assign(new Error('duplicate key'), { code: '23505', constraint: 'message_appends_pkey' }));
    await settled();
    expect(held.slice(2).map(sessionsOf)).toEqual([['b'], ['c']]);
    const duplicate = Object.assign(new Error('duplicate key'), { code: '23505' });
    held[2].refuse(duplicate);
    held[3].answer([{ id: 'c' } as Session]);
    await expect(b).rejects.toBe(duplicate);
    await expect(c).resolves.toEqual({ id: 'c' });
  });

  it('gives every member the error of a statement whose connection broke: it is not run again', async () => {
    const { sut, held } = groupsWith(1);
    void sut.touch(append('a'));
    const members = [sut.touch(append('b')), sut.touch(append('c'))];
    held[0].answer(rowOf(held[0].appends));
    await settled();
    const lost = Object.assign(new Error('Connection terminated unexpectedly'), { code: '57P01' });
    held[1].refuse(lost);
    for (const member of members) await expect(member).rejects.toBe(lost);
    expect(held).toHaveLength(2);
  });

  it('takes only small appends, and none when groups are off', () => {
    const { sut } = groupsWith(2);
    expect(sut.takes([item])).toBe(true);
    expect(sut.takes(Array.from({ length: 65 }, () => item))).toBe(false);
    expect(sut.takes([{ ...item, content: new JsonText(`"${'x'.repeat(256 * 1024)}"`) }])).toBe(false);
    expect(groupsWith(0).sut.takes([item])).toBe(false);
  });
});
