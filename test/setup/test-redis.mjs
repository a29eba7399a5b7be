import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/*
 * The run's Redis database index. Without TEST_REDIS_URL a run claims a free index: it sets a lock
 * key inside the index (SET NX with a TTL, in one script with the check that the index is empty or
 * holds only an earlier test run's left-overs), so of two runs trying one index only one gets it.
 * Specs FLUSHDB their index (the cache specs do), which takes the lock key with it, so the claim
 * also lives in a connection the run keeps open, named after it and selected on the index: while it
 * is open no other run takes the index, and it closes when the run ends or dies.
 * Only a claimed index is ever flushed (at claim and at release); an index with anybody else's keys
 * in it is never taken. An explicit TEST_REDIS_URL is used as given, never flushed, and held by such
 * a named connection too, so that no claiming run takes it.
 */
const SERVER = 'redis://127.0.0.1:6379';
const HOLDER = 'session-store-test-run';
const LOCK = `${HOLDER}:lock`;
const MARKER = `${HOLDER}:index`;
const TTL_SECONDS = 3600;

const CLAIM = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if redis.call('DBSIZE') > 0 and redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
redis.call('FLUSHDB')
redis.call('SET', KEYS[2], '1')
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1`;
// A spec's FLUSHDB may have taken the lock key: absent still means ours, as our holder kept others off.
const RELEASE = `
local lock = redis.call('GET', KEYS[1])
if lock and lock ~= ARGV[1] then return 0 end
redis.call('FLUSHDB')
return 1`;

export async function claimRedisIndex() {
  const owner = `${process.pid}:${randomUUID()}`;
  const explicit = process.env.TEST_REDIS_URL;
  if (explicit) {
    const holder = new Redis(explicit, { connectionName: `${HOLDER}:${owner}`, maxRetriesPerRequest: 1 });
    await holder.ping();
    return { url: explicit, release: () => holder.quit() };
  }
  const probe = new Redis(SERVER, { maxRetriesPerRequest: 1 });
  const count = await probe
    .config('GET', 'databases')
    .then(([, n]) => Number(n))
    .catch(() => 16);
  await probe.quit();
  // Index 0 is the development default: never a candidate.
  for (let index = count - 1; index >= 1; index--) {
    const url = `${SERVER}/${index}`;
    const holder = new Redis(url, { maxRetriesPerRequest: 1 });
    // Named once the lock is ours: until then the lock key alone (no spec has run yet to flush it)
    // keeps a second run off, and after, the name does.
    if (!(await heldByAnother(holder, index)) && (await holder.eval(CLAIM, 2, LOCK, MARKER, owner, TTL_SECONDS)) === 1) {
      await holder.client('SETNAME', `${HOLDER}:${owner}`);
      return {
        url,
        release: async () => {
          try {
            await holder.eval(RELEASE, 1, LOCK, owner);
          } finally {
            await holder.quit();
          }
        },
      };
    }
    await holder.quit();
  }
  throw new Error(`no free Redis database index on ${SERVER}: every one is claimed or holds data; set TEST_REDIS_URL`);
}

async function heldByAnother(holder, index) {
  const clients = String(await holder.client('LIST')).split('\n');
  return clients.some((line) => {
    const name = /(?:^| )name=(\S*)/.exec(line)?.[1] ?? '';
    const db = /(?:^| )db=(\d+)/.exec(line)?.[1];
    return name.startsWith(`${HOLDER}:`) && Number(db) === index;
  });
}
