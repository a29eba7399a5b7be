import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { KeyInvalidations } from '../../src/redis/key-invalidations.js';
import { waitFor } from '../utils/wait-for.js';

const PREFIX = 'session:';

/**
 * Start-up used to log "client tracking: ERR Prefix 'session:' overlaps with an existing prefix":
 * both connections' 'ready' registered tracking, and when the main connection became ready while
 * the subscriber was subscribing, both registrations reached Redis, which refuses the second.
 */
describe('KeyInvalidations against Redis', () => {
  const url = process.env.REDIS_URL!;
  let main: Redis;
  let writer: Redis;
  let invalidations: KeyInvalidations;
  let heard: string[];
  let warnings: string[];

  beforeEach(() => {
    heard = [];
    warnings = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
    writer = new Redis(url);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    invalidations.close();
    main.disconnect();
    await writer.quit();
  });

  const listen = () => new KeyInvalidations(main, PREFIX, (keys) => heard.push(...(keys ?? ['<all>'])));
  /** A key is changed by another client until it is announced: tracking works end to end. */
  const announced = async () => {
    const key = `${PREFIX}${randomUUID()}`;
    await waitFor(
      async () => {
        await writer.set(key, '1', 'EX', 5);
        return heard.includes(key);
      },
      (found) => found,
      { what: `the announcement of ${key}` },
    );
  };

  it('registers once when the main connection becomes ready while the subscriber subscribes: nothing logged, changes announced', async () => {
    main = new Redis(url, { lazyConnect: true });
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with .apply(this)
    const subscribe = Redis.prototype.subscribe;
    // The start-up order that logged the warning, made certain: the main connection is ready in the middle of SUBSCRIBE.
    Redis.prototype.subscribe = async function (this: Redis, ...args: unknown[]) {
      const result = await (subscribe as unknown as (...a: unknown[]) => Promise<unknown>).apply(this, args);
      if (main.status === 'wait') await main.connect();
      return result;
    };
    try {
      invalidations = listen();
      await waitFor(
        async () => invalidations.active,
        (active) => active,
        { what: 'tracking on' },
      );
      await announced();
    } finally {
      Redis.prototype.subscribe = subscribe;
    }
    expect(warnings).toEqual([]);
  });

  it('after its subscriber connection is dropped, registers tracking again (no overlap refused) and announcements resume', async () => {
    main = new Redis(url);
    invalidations = listen();
    await waitFor(
      async () => invalidations.active,
      (active) => active,
      { what: 'tracking on' },
    );
    const subscriberId = (invalidations as unknown as { subscriberId: number }).subscriberId;

    await writer.client('KILL', 'ID', subscriberId);
    await waitFor(
      async () => (invalidations as unknown as { subscriberId: number | null }).subscriberId,
      (id) => id !== null && id !== subscriberId,
      { what: 'a new subscriber' },
    );
    await waitFor(
      async () => invalidations.active,
      (active) => active,
      { what: 'tracking on again' },
    );
    await announced();
    expect(warnings).toEqual([]);
  });
});
