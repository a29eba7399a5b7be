import { jest } from '@jest/globals';
import { compareEventIds, FIRST_EVENT_ID, isEventId } from './event-id.js';
import type { LoggedEvent, NewEvent } from './event-store.js';
import { InProcessEvents } from './in-process-events.js';

const event = (userId: string, sessionId = 's1', type = 'session.created'): NewEvent => ({
  eventId: `${sessionId}-${type}`,
  userId,
  type,
  sessionId,
  data: `{"sessionId":"${sessionId}"}`,
});

describe('InProcessEvents', () => {
  let sut: InProcessEvents;
  beforeEach(() => (sut = new InProcessEvents()));
  afterEach(() => jest.restoreAllMocks());

  it('hands out ids as Redis does: <ms>-<seq>, growing, within one ms and when the clock steps back', async () => {
    const now = jest.spyOn(Date, 'now');
    const ids: string[] = [];
    for (const ms of [1000, 1000, 1000, 999, 1001]) {
      now.mockReturnValue(ms);
      ids.push(await sut.append(event('u')));
    }
    expect(ids).toEqual(['1000-0', '1000-1', '1000-2', '1000-3', '1001-0']);
    expect(ids.every(isEventId)).toBe(true);
  });

  it("replays a user's events after an id, a page at a time, and none of another user's", async () => {
    const mine = [await sut.append(event('u', 'a')), await sut.append(event('u', 'b'))];
    await sut.append(event('other', 'x'));
    mine.push(await sut.append(event('u', 'c')));

    const all = await sut.userEventsAfter('u', FIRST_EVENT_ID, 10);
    expect(all.map((logged) => [logged.id, logged.sessionId])).toEqual([
      [mine[0], 'a'],
      [mine[1], 'b'],
      [mine[2], 'c'],
    ]);
    expect((await sut.userEventsAfter('u', mine[0], 1)).map((logged) => logged.id)).toEqual([mine[1]]);
    expect(await sut.userEventsAfter('u', mine[2], 10)).toEqual([]);
    expect(await sut.userTail('u', FIRST_EVENT_ID)).toBe(mine[2]);
    expect(await sut.userTail('nobody', FIRST_EVENT_ID)).toBe(FIRST_EVENT_ID);
  });

  it("hands each event to its user's listeners as it is appended, until they detach", async () => {
    const heard: LoggedEvent[] = [];
    const listener = (logged: LoggedEvent) => heard.push(logged);
    await sut.attach('u', listener);
    await sut.attach('u', () => {
      throw new Error('a broken stream');
    });
    const id = await sut.append(event('u'));
    await sut.append(event('other'));
    expect(heard.map((logged) => logged.id)).toEqual([id]);

    sut.detach('u', listener);
    await sut.append(event('u'));
    expect(heard).toHaveLength(1);
  });

  it('keeps an hour of events, and at most 100,000', async () => {
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
    const old = await sut.append(event('u', 'old'));
    now.mockReturnValue(1_000_000 + 3600_000 + 1);
    const fresh = await sut.append(event('u', 'fresh'));
    expect((await sut.userEventsAfter('u', FIRST_EVENT_ID, 10)).map((logged) => logged.id)).toEqual([fresh]);
    expect(compareEventIds(old, fresh)).toBeLessThan(0);

    for (let i = 0; i < 100_000; i++) await sut.append(event(i % 2 ? 'u' : 'v'));
    const kept = [
      ...(await sut.userEventsAfter('u', FIRST_EVENT_ID, 100_000)),
      ...(await sut.userEventsAfter('v', FIRST_EVENT_ID, 100_000)),
    ];
    expect(kept).toHaveLength(100_000);
    expect(kept.some((logged) => logged.id === fresh)).toBe(false);
  });
});
