/*
 * The Lua steps of LeaseBook: each runs atomically in Redis. A lease is a hash (sessionId,
 * handler, userId, worker, state live|ended|expired, expiresAt) and, while live, a member of the
 * expiries sorted set scored by its expiry (ms). The expiry is the lease's one clock: a renewal
 * and the sweeper each decide against it in one step, so a lease is renewed or expired, never both.
 */

// KEYS: hash, expiries. ARGV: lease id, sessionId, handler, userId, worker, expiresAt, memory seconds.
export const TAKE = `
redis.call('HSET', KEYS[1], 'sessionId', ARGV[2], 'handler', ARGV[3], 'userId', ARGV[4], 'worker', ARGV[5], 'state', 'live', 'expiresAt', ARGV[6])
redis.call('EXPIRE', KEYS[1], ARGV[7])
redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
return 1`;

// KEYS: hash, expiries. ARGV: lease id, now, new expiresAt, memory seconds. Returns the state after it.
export const RENEW = `
local state = redis.call('HGET', KEYS[1], 'state')
if state == false then return 'unknown' end
if state ~= 'live' then return state end
local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
if score == false or tonumber(score) < tonumber(ARGV[2]) then return 'expired' end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[1], 'expiresAt', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 'live'`;

// KEYS: hash, expiries. ARGV: lease id. 1 when this call ended a live lease.
export const END = `
if redis.call('HGET', KEYS[1], 'state') ~= 'live' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'ended')
redis.call('ZREM', KEYS[2], ARGV[1])
return 1`;

// KEYS: expiries. ARGV: now, batch, hash key prefix. Returns (lease id, sessionId, handler, worker) for each lease it expired.
export const EXPIRE_DUE = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  local key = ARGV[3] .. id
  if redis.call('HGET', key, 'state') == 'live' then
    redis.call('HSET', key, 'state', 'expired')
    local fields = redis.call('HMGET', key, 'sessionId', 'handler', 'worker')
    table.insert(out, id)
    table.insert(out, fields[1])
    table.insert(out, fields[2])
    table.insert(out, fields[3])
  end
end
return out`;
