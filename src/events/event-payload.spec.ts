import type { Session } from '../sessions/session.columns.js';
import type { SessionEvent } from '../sessions/session-events.js';
import type { HistoryChange, Trimmed } from '../sessions/session-write.types.js';
import { MAX_EVENT_DATA_BYTES, toNewEvent } from './event-payload.js';

const session = (lastSeq: number, messageCount: number) =>
  ({ id: 's1', userId: 'u', version: 7, updatedAt: new Date(0), lastSeq, messageCount }) as unknown as Session;
const messages = (change: HistoryChange | { trimmed: Trimmed }, lastSeq: number, messageCount = lastSeq) => {
  const event = { type: 'session.messages', session: session(lastSeq, messageCount), change } as SessionEvent;
  const { data } = toNewEvent(event, 'u');
  return { bytes: Buffer.byteLength(data), data: JSON.parse(data) as Record<string, unknown> };
};

describe('event payloads', () => {
  it('lists the appended seqs with their ends while they fit', () => {
    expect(messages({ appended: 3 }, 5).data).toMatchObject({
      change: 'appended',
      seqs: [3, 4, 5],
      firstSeq: 3,
      lastSeq: 5,
      messageCount: 5,
    });
    const full = messages({ appended: 10_000 }, 10_000);
    expect(full.data.seqs).toHaveLength(10_000);
    expect(full.bytes).toBeLessThanOrEqual(MAX_EVENT_DATA_BYTES);
  });

  it('tells a cut of the history cap by its end, with no new seqs', () => {
    const { data } = messages({ trimmed: { removed: 4, throughSeq: 9 } }, 12, 3);
    expect(data).toMatchObject({ change: 'trimmed', throughSeq: 9, removed: 4, messageCount: 3, seqs: [] });
    expect(data.firstSeq).toBeUndefined();
  });

  it('gives a list that would pass 64 KiB as its ends only', () => {
    for (const [count, lastSeq] of [
      [1_000_000, 1_000_000],
      [12_000, 112_000],
      [10_000, 2_000_000_000],
    ]) {
      const { bytes, data } = messages({ appended: count }, lastSeq);
      expect(bytes).toBeLessThan(300);
      expect(data).toMatchObject({ change: 'appended', firstSeq: lastSeq - count + 1, lastSeq });
      expect(data.seqs).toBeUndefined();
    }
  });

  it('tells a replace by its new seqs and the range it removed', () => {
    const { data } = messages({ replaced: { removed: 4, appended: 2, fromSeq: 3 } }, 12, 4);
    expect(data).toMatchObject({ change: 'replaced', seqs: [11, 12], firstSeq: 11, lastSeq: 12, removed: 4 });
    expect(data).toMatchObject({ removedFromSeq: 3, removedThroughSeq: 10 });
    const emptied = messages({ replaced: { removed: 0, appended: 0, fromSeq: 1 } }, 10, 0).data;
    expect(emptied).toEqual({
      sessionId: 's1',
      version: 7,
      at: new Date(0).toISOString(),
      change: 'replaced',
      removed: 0,
      messageCount: 0,
      seqs: [],
    });
  });

  it('keeps the removals as before: no seqs', () => {
    expect(messages({ popped: 1 }, 5, 4).data).toMatchObject({ change: 'popped', seqs: [] });
    expect(messages({ cleared: true }, 5, 0).data).toMatchObject({ change: 'cleared', seqs: [] });
  });

  it('keeps the largest status event (a 10,000-character reason, every character escaped) within the bound', () => {
    const event = {
      type: 'session.status',
      session: session(0, 0),
      from: 'running',
      to: 'failed',
      actor: 'x'.repeat(128),
      reason: '\u0001'.repeat(10_000),
    } as unknown as SessionEvent;
    expect(Buffer.byteLength(toNewEvent(event, 'u').data)).toBeLessThanOrEqual(MAX_EVENT_DATA_BYTES);
  });
});
