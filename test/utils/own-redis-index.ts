import { claimRedisIndex } from '../setup/test-redis.mjs';

/**
 * A Redis database index of the spec's own, claimed like the run's (test/setup/test-redis.mjs) and
 * set as REDIS_URL for this file's apps (Jest gives each test file its own copy of process.env).
 * For specs that FLUSHDB: flushing the run's shared index would take other specs' leases, live
 * progress and queues with it mid-test. Call it at the top of the file, before `useTestApp`, so the
 * index is claimed before any app starts.
 */
export function useOwnRedisIndex(): void {
  let release: (() => Promise<unknown>) | undefined;
  beforeAll(async () => {
    const claimed = await claimRedisIndex();
    release = claimed.release;
    process.env.REDIS_URL = claimed.url;
  });
  afterAll(async () => {
    await release?.();
  });
}
