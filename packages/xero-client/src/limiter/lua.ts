/** Redis server time in ms: every process measures windows on the same clock. */
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * Bucketed sliding window. KEYS[1]: hash bucket-number → count. ARGV: points, windowMs,
 * bucketMs, limit, mode (consume | force | refund | settle), Xero's remaining count (settle;
 * -1 = unknown), and the bucket the call's point is in (settle, refund), as consume reported it.
 * A bucket counts until its end + windowMs has passed, so any interval of windowMs holds at
 * most `limit` calls (a bucket may count up to bucketMs longer than strictly needed).
 * Returns {total after the operation (or total + points when refused), ms to wait (refused) or
 * points recorded as spent by others (settle), the bucket the points went to (consume, force,
 * settle)}. A refused consume adds nothing.
 */
export const WINDOW_SCRIPT = `${NOW}
local key = KEYS[1]
local points = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2])
local bucketMs = tonumber(ARGV[3])
local limit = tonumber(ARGV[4])
local mode = ARGV[5]
local current = math.floor(now / bucketMs)
local horizon = now
if mode == 'settle' then horizon = tonumber(ARGV[7]) * bucketMs end
local raw = redis.call('HGETALL', key)
local buckets = {}
local total = 0
local expiredSinceHorizon = 0
for i = 1, #raw, 2 do
  local b = tonumber(raw[i])
  local c = tonumber(raw[i + 1])
  local endsAt = (b + 1) * bucketMs + windowMs
  if endsAt <= now or c <= 0 then
    redis.call('HDEL', key, raw[i])
    if endsAt > horizon and c > 0 then expiredSinceHorizon = expiredSinceHorizon + c end
  else
    total = total + c
    table.insert(buckets, {b, c})
  end
end
table.sort(buckets, function(x, y) return x[1] < y[1] end)
local ttl = windowMs + 2 * bucketMs
if mode == 'refund' then
  -- Give back the points a consume put in bucket ARGV[7] (the bucket it reported), never another
  -- call's: a later bucket may hold a point dated from an answer, an earlier one a call still
  -- counting. Points already expired with their bucket have nothing left to give back.
  local pointBucket = tonumber(ARGV[7])
  for i = 1, #buckets do
    if buckets[i][1] == pointBucket then
      local take = math.min(-points, buckets[i][2])
      redis.call('HINCRBY', key, tostring(pointBucket), -take)
      total = total - take
    end
  end
  return {total, 0}
end
if mode == 'settle' then
  -- A call whose point is in bucket ARGV[7] has been answered. Xero admitted it at some moment
  -- up to now, so its point moves from that bucket to the current one: the window then runs
  -- from when Xero may have counted it, however long the request took to leave or to arrive.
  -- The bucket is the one this script reported, never one worked out from clocks and ages:
  -- a guess a few ms late would find another call's point, or none, and leave ours undated.
  local added = 0
  local remaining = tonumber(ARGV[6])
  if remaining >= 0 then
    -- Xero's figure dates from the call's admission: buckets that expired since then must not
    -- look like calls somebody else made.
    local deficit = limit - remaining - (total + expiredSinceHorizon)
    if deficit > 0 then added = deficit end
  end
  local pointBucket = tonumber(ARGV[7])
  local grew = added
  if pointBucket < current then
    local held = 0
    for i = 1, #buckets do
      if buckets[i][1] == pointBucket then held = buckets[i][2] end
    end
    -- Its bucket already expired (a slow call): it simply counts again from now.
    if held > 0 then redis.call('HINCRBY', key, tostring(pointBucket), -1) end
    grew = grew + 1
  end
  if grew > 0 then
    redis.call('HINCRBY', key, tostring(current), grew)
    redis.call('PEXPIRE', key, ttl)
  end
  return {total + added, added, current}
end
if mode == 'force' or total + points <= limit then
  redis.call('HINCRBY', key, tostring(current), points)
  redis.call('PEXPIRE', key, ttl)
  return {total + points, 0, current}
end
local freed = 0
for _, bc in ipairs(buckets) do
  freed = freed + bc[2]
  if total - freed + points <= limit then
    return {total + points, (bc[1] + 1) * bucketMs + windowMs - now}
  end
end
return {total + points, windowMs}
`;

/**
 * Concurrency leases. KEYS[1]: sorted set lease-id → expiry (ms). ARGV: points (+1 acquire,
 * -1 release), leaseMs, limit, leaseId. Expired leases (crashed holders) are dropped first.
 * Returns {holders (+1 when refused), ms until the oldest lease expires when refused}.
 */
export const LEASE_SCRIPT = `${NOW}
local key = KEYS[1]
local points = tonumber(ARGV[1])
local leaseMs = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
if points < 0 then
  redis.call('ZREM', key, ARGV[4])
  return {redis.call('ZCARD', key), 0}
end
local n = redis.call('ZCARD', key)
if n + points > limit then
  local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  local wait = leaseMs
  if first[2] then wait = tonumber(first[2]) - now end
  return {n + points, wait}
end
redis.call('ZADD', key, now + leaseMs, ARGV[4])
redis.call('PEXPIRE', key, leaseMs)
return {n + points, 0}
`;
