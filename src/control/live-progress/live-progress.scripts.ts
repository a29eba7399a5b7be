/* The Lua steps of LiveProgressCache: each runs atomically in Redis. */

// Only an open hash takes progress, so nothing is recorded once a status change has closed it.
// A cost that would pass the ceiling (ARGV[7]) changes nothing: checked and added in one step.
export const RECORD = `
local open = redis.call('HGET', KEYS[1], 'open')
if open == false then return 0 end
if open ~= '1' then return -1 end
local total = tonumber(redis.call('HGET', KEYS[1], 'totalCost') or '0') or 0
if tonumber(ARGV[3]) > 0 and total + tonumber(ARGV[3]) > tonumber(ARGV[7]) then return -2 end
if ARGV[1] ~= '' then redis.call('HSET', KEYS[1], 'phase', ARGV[1]) end
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'roundNumber', ARGV[2]) end
redis.call('HINCRBYFLOAT', KEYS[1], 'totalCost', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'rev', 1)
redis.call('HSET', KEYS[1], 'at', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('SADD', KEYS[2], ARGV[6])
redis.call('EXPIRE', KEYS[2], ARGV[5])
return 1`;

// Seeds from PostgreSQL only when nothing is there: two seeders never reset each other's progress.
export const OPEN = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'open', '1', 'phase', ARGV[1], 'roundNumber', ARGV[2], 'totalCost', ARGV[3], 'rev', ARGV[4], 'at', ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[6])
return 1`;

// Returns what an open hash held and closes it in one step, so the snapshot is final.
export const CLOSE = `
if redis.call('HGET', KEYS[1], 'open') ~= '1' then return {} end
redis.call('HSET', KEYS[1], 'open', '0')
redis.call('EXPIRE', KEYS[1], ARGV[1])
return redis.call('HGETALL', KEYS[1])`;

// KEYS[1] the dirty set, KEYS[2..] the hashes; ARGV pairs of (id, rev flushed).
export const SETTLE = `
for i = 2, #KEYS do
  local rev = tonumber(redis.call('HGET', KEYS[i], 'rev') or '0')
  if rev <= tonumber(ARGV[(i - 1) * 2]) then redis.call('SREM', KEYS[1], ARGV[(i - 1) * 2 - 1]) end
end
return 1`;

export const REOPEN = `
if redis.call('HGET', KEYS[1], 'open') ~= '0' then return 0 end
redis.call('HSET', KEYS[1], 'open', '1')
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1`;
