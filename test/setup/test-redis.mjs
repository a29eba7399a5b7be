import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/*
 * The run's Redis database index. Without TEST_REDIS_URL a run claims a free index atomically:
 * a lock key with a TTL inside the index, set only when the index holds no lock and is either
 * empty or marked as a left-over of an earlier test run. Only a claimed index is ever flushed
 * (at claim and at release); an index with anybody else's keys in it is never taken.
 * An explicit TEST_REDIS_URL is used as given; the run still sets the lock there so that no
 * claiming run takes it, and removes only its own lock at the end.
 */
const SERVER = 'redis://127.0.0.1:6379';
const LOCK = 'session-store:test-run:lock';
const MARKER = 'session-store:test-run:index';
const TTL_SECONDS = 3600;

const CLAIM = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if redis.call('DBSIZE') > 0 and redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
redis.call('FLUSHDB')
redis.call('SET', KEYS[2], '1')
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1`;
// Release of a claimed index: everything goes, but only while the lock is still ours.
const FLUSH_IF_OURS = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('FLUSHDB')
return 1`;
const REFRESH_IF_OURS = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('EXPIRE', KEYS[1], ARGV[2])`;
const UNLOCK_IF_OURS = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])`;

export async function claimRedisIndex() {
  const owner = `${process.pid}:${randomUUID()}`;
  const explicit = process.env.TEST_REDIS_URL;
  if (explicit) {
    const redis = new Redis(explicit, { maxRetriesPerRequest: 1 });
    await redis.set(LOCK, owner, 'EX', TTL_SECONDS);
    return held(explicit, redis, owner, UNLOCK_IF_OURS);
  }
  const probe = new Redis(SERVER, { maxRetriesPerRequest: 1 });
  const count = await probe.config('GET', 'databases').then(([, n]) => Number(n)).catch(() => 16);
  await probe.quit();
  // Index 0 is the development default: never a candidate.
  for (let index = count - 1; index >= 1; index--) {
    const redis = new Redis(`${SERVER}/${index}`, { maxRetriesPerRequest: 1 });
    if ((await redis.eval(CLAIM, 2, LOCK, MARKER, owner, TTL_SECONDS)) === 1) return held(`${SERVER}/${index}`, redis, owner, FLUSH_IF_OURS);
    await redis.quit();
  }
  throw new Error(`no free Redis database index on ${SERVER}: every one is claimed or holds data; set TEST_REDIS_URL`);
}

function held(url, redis, owner, releaseScript) {
  // A run longer than the TTL keeps its claim; the timer never keeps Jest alive.
  const extend = () => redis.eval(REFRESH_IF_OURS, 1, LOCK, owner, TTL_SECONDS).catch(() => undefined);
  const refresh = setInterval(extend, (TTL_SECONDS * 1000) / 4);
  refresh.unref();
  return {
    url,
    release: async () => {
      clearInterval(refresh);
      try {
        await redis.eval(releaseScript, 1, LOCK, owner);
      } finally {
        await redis.quit();
      }
    },
  };
}
