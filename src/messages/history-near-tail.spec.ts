import { JsonText } from '../common/json-text.js';
import type { HistoryState } from '../sessions/history-etag.js';
import { HistoryNearTail, type NearTailBounds, type SizedMessage } from './history-near-tail.js';

const ID = 'session-1';
const at = (lastSeq: number, messageCount: number): HistoryState => ({ lastSeq, messageCount });

/** Messages with the given seqs, each `bytes` large in the tail's accounting. */
const messages = (seqs: number[], bytes = 10): SizedMessage[] =>
  seqs.map((seq) => ({
    message: {
      id: `m${seq}`,
      sessionId: ID,
      seq,
      role: 'user',
      content: new JsonText(`"${seq}"`),
      metadata: new JsonText('{}'),
      createdAt: new Date(0),
    },
    bytes,
  }));

const seqsOf = (got: readonly { seq: number }[] | undefined) => got?.map((message) => message.seq);

describe('HistoryNearTail', () => {
  const bounds: NearTailBounds = { size: 3, maxTailBytes: 1000, maxEntries: 100, maxBytes: 100_000 };
  let sut: HistoryNearTail;
  beforeEach(() => {
    sut = new HistoryNearTail(bounds);
  });

  it('serves a copy only at its own state', () => {
    sut.set(ID, at(2, 2), messages([1, 2]));
    expect(seqsOf(sut.get(ID, at(2, 2)))).toEqual([1, 2]);
    expect(sut.get(ID, at(3, 3))).toBeUndefined(); // appended elsewhere
    expect(sut.get(ID, at(3, 2))).toBeUndefined(); // popped and appended, or a message replaced, elsewhere
    expect(sut.get(ID, at(2, 1))).toBeUndefined(); // popped elsewhere
    expect(sut.get(ID, at(2, 0))).toBeUndefined(); // cleared elsewhere
    expect(sut.get('another', at(2, 2))).toBeUndefined();
  });

  it('serves an empty history', () => {
    sut.set(ID, at(4, 0), []);
    expect(sut.get(ID, at(4, 0))).toEqual([]);
  });

  it('keeps the latest `size` messages', () => {
    sut.set(ID, at(5, 5), messages([1, 2, 3, 4, 5]));
    expect(seqsOf(sut.get(ID, at(5, 5)))).toEqual([3, 4, 5]);
  });

  it('hands out an array no caller can change', () => {
    sut.set(ID, at(2, 2), messages([1, 2]));
    const got = sut.get(ID, at(2, 2)) as unknown as unknown[];
    expect(() => got.push('x')).toThrow(TypeError);
    expect(() => got.splice(0, 1)).toThrow(TypeError);
    expect(seqsOf(sut.get(ID, at(2, 2)))).toEqual([1, 2]);
  });

  it('keeps the newest state when a slower fill of an older one comes after it', () => {
    sut.set(ID, at(3, 3), messages([1, 2, 3]));
    sut.set(ID, at(2, 2), messages([1, 2]));
    sut.set(ID, at(3, 4), messages([1, 2, 3])); // an older state at the same lastSeq (a larger count)
    expect(sut.get(ID, at(2, 2))).toBeUndefined();
    expect(seqsOf(sut.get(ID, at(3, 3)))).toEqual([1, 2, 3]);
    sut.set(ID, at(3, 2), messages([1, 2])); // a pop: newer
    expect(seqsOf(sut.get(ID, at(3, 2)))).toEqual([1, 2]);
  });

  describe('after an append on this instance', () => {
    it('extends the copy of the state before, trimmed to `size`', () => {
      sut.set(ID, at(2, 2), messages([1, 2]));
      sut.appended(ID, at(2, 2), at(4, 4), messages([3, 4]));
      expect(seqsOf(sut.get(ID, at(4, 4)))).toEqual([2, 3, 4]);
      expect(sut.get(ID, at(2, 2))).toBeUndefined();
    });

    it('leaves out what the history cap cut with the append', () => {
      sut.set(ID, at(2, 2), messages([1, 2]));
      sut.appended(ID, at(2, 2), at(4, 2), messages([3, 4]), 2);
      expect(seqsOf(sut.get(ID, at(4, 2)))).toEqual([3, 4]);
      // Cut through the last message before the batch: the batch alone is the history.
      sut.appended(ID, at(4, 2), at(5, 1), messages([5]), 4);
      expect(seqsOf(sut.get(ID, at(5, 1)))).toEqual([5]);
    });

    it('drops a copy of an older state than the one before (it missed a change)', () => {
      sut.set(ID, at(1, 1), messages([1]));
      sut.appended(ID, at(2, 2), at(3, 3), messages([3]));
      expect(sut.get(ID, at(3, 3))).toBeUndefined();
      expect(sut.get(ID, at(1, 1))).toBeUndefined();
    });

    it('never extends a copy of another state at the same lastSeq (a pop happened in between)', () => {
      sut.set(ID, at(2, 2), messages([1, 2]));
      sut.appended(ID, at(2, 1), at(3, 2), messages([3]));
      expect(sut.get(ID, at(3, 2))).toBeUndefined();
    });

    it('keeps a copy already at the state after (a reader refilled it) or a newer one', () => {
      sut.set(ID, at(3, 3), messages([1, 2, 3]));
      sut.appended(ID, at(2, 2), at(3, 3), messages([3]));
      expect(seqsOf(sut.get(ID, at(3, 3)))).toEqual([1, 2, 3]);
      sut.set(ID, at(5, 5), messages([3, 4, 5]));
      sut.appended(ID, at(2, 2), at(3, 3), messages([3]));
      expect(seqsOf(sut.get(ID, at(5, 5)))).toEqual([3, 4, 5]);
    });

    it('starts no copy when it holds none', () => {
      sut.appended(ID, at(0, 0), at(1, 1), messages([1]));
      expect(sut.get(ID, at(1, 1))).toBeUndefined();
    });
  });

  it('forgets a copy on delete', () => {
    sut.set(ID, at(1, 1), messages([1]));
    sut.delete(ID);
    expect(sut.get(ID, at(1, 1))).toBeUndefined();
  });

  describe('bounds', () => {
    it('keeps no tail over maxTailBytes, set or extended past it', () => {
      sut.set(ID, at(2, 2), messages([1, 2], 501));
      expect(sut.get(ID, at(2, 2))).toBeUndefined();
      sut.set(ID, at(2, 2), messages([1, 2], 400));
      sut.appended(ID, at(2, 2), at(3, 3), messages([3], 400));
      expect(sut.get(ID, at(3, 3))).toBeUndefined();
      expect(sut.get(ID, at(2, 2))).toBeUndefined();
    });

    it('keeps at most maxEntries tails, the least recently used going first', () => {
      const small = new HistoryNearTail({ ...bounds, maxEntries: 2 });
      small.set('a', at(1, 1), messages([1]));
      small.set('b', at(1, 1), messages([1]));
      small.get('a', at(1, 1));
      small.set('c', at(1, 1), messages([1]));
      expect(['a', 'b', 'c'].map((id) => small.get(id, at(1, 1)) !== undefined)).toEqual([true, false, true]);
    });

    it('keeps at most maxBytes of tails in all', () => {
      const small = new HistoryNearTail({ ...bounds, maxBytes: 2000 });
      for (let n = 0; n < 10; n++) small.set(`s${n}`, at(1, 1), messages([1], 900));
      const kept = Array.from({ length: 10 }, (_, n) => small.get(`s${n}`, at(1, 1))).filter(Boolean);
      expect(kept.length).toBeGreaterThan(0);
      expect(kept.length).toBeLessThanOrEqual(2);
      expect(small.get('s9', at(1, 1))).toBeDefined();
    });

    it('keeps nothing with size 0 (no cache)', () => {
      const off = new HistoryNearTail({ ...bounds, size: 0 });
      off.set(ID, at(1, 1), messages([1]));
      expect(off.get(ID, at(1, 1))).toBeUndefined();
    });
  });
});
