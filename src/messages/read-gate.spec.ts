import { jest } from '@jest/globals';
import { TooManyReadsError } from '../common/domain-error.js';
import { ReadGate } from './read-gate.js';

const limits = { perUser: 2, total: 3, queuedPerUser: 2, queuedTotal: 3, maxWaitMs: 60_000 };
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('ReadGate', () => {
  afterEach(() => jest.useRealTimers());

  it('runs at most perUser reads of one user, queues the next ones in order, and admits them as reads end', async () => {
    const sut = new ReadGate(limits);
    const [first, second] = await Promise.all([sut.enter('a'), sut.enter('a')]);
    const admitted: number[] = [];
    const third = sut.enter('a').then((release) => (admitted.push(3), release));
    const fourth = sut.enter('a').then((release) => (admitted.push(4), release));
    await settled();
    expect(admitted).toEqual([]);
    first();
    first(); // a second call releases nothing more
    await settled();
    expect(admitted).toEqual([3]);
    second();
    await settled();
    expect(admitted).toEqual([3, 4]);
    (await third)();
    (await fourth)();
  });

  it('refuses with 429 a user whose queue is full, while another user still gets in', async () => {
    const sut = new ReadGate(limits);
    await Promise.all([sut.enter('a'), sut.enter('a')]);
    // Queued, never admitted: their refusal 60 s on must not surface in whatever suite runs then.
    const queued = [sut.enter('a').catch((error) => error), sut.enter('a').catch((error) => error)];
    const refused = await sut.enter('a').catch((error) => error);
    expect(refused).toBeInstanceOf(TooManyReadsError);
    expect(refused).toMatchObject({ status: 429, headers: { 'Retry-After': '1' } });
    await expect(sut.enter('b')).resolves.toEqual(expect.any(Function));
    void queued;
  });

  it('lets a waiting user in past a waiting user who is at their own bound', async () => {
    const sut = new ReadGate(limits);
    const [a1, a2] = await Promise.all([sut.enter('a'), sut.enter('a')]);
    const b1 = await sut.enter('b'); // total reached: 3
    const admitted: string[] = [];
    void sut.enter('a').then(() => admitted.push('a'));
    void sut.enter('b').then(() => admitted.push('b'));
    b1();
    await settled();
    // a is still at 2 running; b's waiter takes the free place.
    expect(admitted).toEqual(['b']);
    a1();
    await settled();
    expect(admitted).toEqual(['b', 'a']);
    a2();
  });

  it('refuses a read that waited maxWaitMs, and forgets it', async () => {
    jest.useFakeTimers();
    const sut = new ReadGate({ ...limits, perUser: 1 });
    const running = await sut.enter('a');
    const waiting = sut.enter('a');
    jest.advanceTimersByTime(60_000);
    await expect(waiting).rejects.toBeInstanceOf(TooManyReadsError);
    running();
    await expect(sut.enter('a')).resolves.toEqual(expect.any(Function));
  });
});
