/** A Redis Streams id, `<ms>-<seq>`: the SSE `id:` of every event, comparable across instances. */
const STREAM_ID = /^(\d{1,16})-(\d{1,16})$/;

export function isEventId(value: string): boolean {
  return STREAM_ID.test(value);
}

/** Negative, zero or positive as `a` is before, equal to or after `b` (both valid ids). */
export function compareEventIds(a: string, b: string): number {
  const [, aMs, aSeq] = STREAM_ID.exec(a)!;
  const [, bMs, bSeq] = STREAM_ID.exec(b)!;
  const ms = BigInt(aMs) - BigInt(bMs);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const seq = BigInt(aSeq) - BigInt(bSeq);
  return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}

/** Before every id Redis hands out: a subscriber that never saw an event starts here. */
export const FIRST_EVENT_ID = '0-0';
