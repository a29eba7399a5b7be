/*
 * The Lua steps of HistoryTailCache, each atomic in Redis. Compare-and-set keeps a slow refill
 * from replacing a newer tail: a state is newer when its lastSeq is larger, or at the same lastSeq
 * its count smaller (src/sessions/history-etag.ts).
 */
const NEWER = `
local function newer(a, b)
  local al, ac = string.match(a, '^(%d+)%.(%d+)$')
  local bl, bc = string.match(b, '^(%d+)%.(%d+)$')
  if not al or not bl then return false end
  al, ac, bl, bc = tonumber(al), tonumber(ac), tonumber(bl), tonumber(bc)
  return al > bl or (al == bl and ac < bc)
end`;

// KEYS[1]; ARGV: state, ttl, messages...: the whole tail, unless a newer one is there.
export const FILL_IF_NEWER = `${NEWER}
local current = redis.call('LINDEX', KEYS[1], 0)
if current and newer(current, ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('RPUSH', KEYS[1], ARGV[1], unpack(ARGV, 3))
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1`;

// KEYS[1]; ARGV: state before, state after, size, ttl, trimmed through seq (0: none), messages...:
// an append to the tail of the state before only; the messages the history cap cut leave it.
export const APPEND_IF_AT = `${NEWER}
local current = redis.call('LINDEX', KEYS[1], 0)
if current ~= ARGV[1] then
  -- A tail older than the state before is of no use; one at the state after (a reader's refill) or newer is kept.
  if current and current ~= ARGV[2] and not newer(current, ARGV[2]) then redis.call('DEL', KEYS[1]) end
  return 0
end
redis.call('LPOP', KEYS[1])
redis.call('RPUSH', KEYS[1], unpack(ARGV, 6))
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[3]), -1)
local through = tonumber(ARGV[5])
if through > 0 then
  -- Each item is a JSON array whose second element is the seq (history-tail.cache.ts encode).
  while true do
    local first = redis.call('LINDEX', KEYS[1], 0)
    local seq = first and tonumber(string.match(first, '^%["[^"]*",(%d+),'))
    if not seq or seq > through then break end
    redis.call('LPOP', KEYS[1])
  end
end
redis.call('LPUSH', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1`;
