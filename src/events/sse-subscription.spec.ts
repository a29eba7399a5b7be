import { jest } from '@jest/globals';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { LoggedEvent } from './event-store.js';
import { SseSubscription } from './sse-subscription.js';

/** A response that keeps what was written; `writableLength` stands for what the client has not read. */
class FakeResponse extends EventEmitter {
  written = '';
  writableLength = 0;
  writableNeedDrain = false;
  ended = false;
  destroyed = false;
  writableFinished = false;
  write(text: string): boolean {
    this.written += text;
    return true;
  }
  end(): void {
    this.ended = true;
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('close');
  }
}

const BUFFER = 64 * 1024;

const event = (id: string, sessionId = 's1', type = 'session.messages'): LoggedEvent => ({
  id,
  userId: 'u',
  type,
  sessionId,
  data: `{"sessionId":"${sessionId}"}`,
});
const ids = (response: FakeResponse) => [...response.written.matchAll(/^id: (.+)$/gm)].map((match) => match[1]);

describe('SseSubscription', () => {
  let response: FakeResponse;
  let ended: number;
  const open = (sessionId: string | null = null, lastId = '0-0') =>
    new SseSubscription(response as unknown as ServerResponse, 'u', sessionId, lastId, BUFFER, () => ended++);

  beforeEach(() => {
    response = new FakeResponse();
    ended = 0;
  });

  it('holds live events during the replay, then sends each id once, in order', () => {
    const sut = open(null, '1-0');
    sut.receive(event('3-0'));
    sut.receive(event('4-0'));
    sut.send(event('1-0')); // the Last-Event-ID itself: already had
    sut.send(event('2-0'));
    sut.send(event('3-0'));
    expect(ids(response)).toEqual(['2-0', '3-0']);
    sut.goLive();
    sut.receive(event('4-0'));
    sut.receive(event('5-0'));
    expect(ids(response)).toEqual(['2-0', '3-0', '4-0', '5-0']);
    expect(response.written).toContain('id: 5-0\nevent: session.messages\ndata: {"sessionId":"s1"}\n\n');
  });

  it('on one session: only its events, and it ends after its deletion', () => {
    const sut = open('s1');
    sut.goLive();
    sut.receive(event('1-0', 's2'));
    sut.receive(event('2-0', 's1'));
    sut.receive(event('3-0', 's1', 'session.deleted'));
    sut.receive(event('4-0', 's1'));
    expect(ids(response)).toEqual(['2-0', '3-0']);
    expect(response.ended).toBe(true);
    expect(ended).toBe(1);
  });

  it('cuts off a client that does not read once it is the buffer behind (it resumes with Last-Event-ID), and ends once', () => {
    const sut = open();
    sut.goLive();
    response.writableLength = BUFFER;
    sut.receive(event('1-0')); // written: the client is exactly the buffer behind, not past it
    expect(response.destroyed).toBe(false);
    response.writableLength = BUFFER + 1;
    sut.receive(event('2-0'));
    expect(response.destroyed).toBe(true);
    expect(response.ended).toBe(false); // ending would wait for the unread bytes to go out
    expect(ended).toBe(1);
    sut.receive(event('3-0'));
    expect(ids(response)).toEqual(['1-0', '2-0']);
  });

  it('counts live events held during the replay as behind too', () => {
    const sut = open();
    const big = (id: string): LoggedEvent => ({ ...event(id), data: 'x'.repeat(BUFFER / 4) });
    for (const id of ['1-0', '2-0', '3-0', '4-0']) sut.receive(big(id));
    expect(response.destroyed).toBe(false);
    sut.receive(big('5-0'));
    expect(response.destroyed).toBe(true);
    expect(ended).toBe(1);
  });

  it('lets a replay wait for the client to read', async () => {
    const sut = open();
    response.writableNeedDrain = true;
    let drained = false;
    const waiting = sut.drained().then(() => (drained = true));
    await Promise.resolve();
    expect(drained).toBe(false);
    response.emit('drain');
    await waiting;
    expect(drained).toBe(true);
  });

  it('at shutdown drops a stream whose client stopped reading once the grace is over, and leaves a flushed one be', () => {
    jest.useFakeTimers();
    try {
      const stalled = open();
      response.writableLength = 50_000; // written, not taken by the client
      stalled.endWithin(1000);
      expect(response.ended).toBe(true);
      jest.advanceTimersByTime(999);
      expect(response.destroyed).toBe(false);
      jest.advanceTimersByTime(1);
      expect(response.destroyed).toBe(true);

      response = new FakeResponse();
      response.writableFinished = true;
      open().endWithin(1000);
      jest.advanceTimersByTime(5000);
      expect(response.destroyed).toBe(false);
    } finally {
      jest.useRealTimers();
    }
  });
});
