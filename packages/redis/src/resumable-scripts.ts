/**
 * The Lua scripts behind `redisResumableLog`: each step that must be atomic across instances runs
 * as one script, so two instances never see a half-made change. Keys of one stream share a
 * `{stream id}` hash tag, so in Redis Cluster they sit on one slot, as a script needs.
 *
 * The meta hash holds: `gen` (the generation), `first` / `last` (oldest kept and newest sequence),
 * `bytes` (bytes kept), `maxEvents`, `maxBytes`, `ttl`, `deadline` (epoch ms) and, once finished,
 * `end` (the terminal state as JSON). Log entries have the id `<seq>-0` and the fields `d` (data)
 * and, for a named event, `e`. A script that finds a value it did not write answers an error
 * starting with `FOREIGN`, which the log reports as `ERR_SSE_REDIS_FOREIGN_VALUE`.
 */

// A meta hash without a generation, or with numbers that are not numbers, was written by someone else.
const READ_META = `
local function meta(fields)
  local ok, m = pcall(redis.call, 'HMGET', KEYS[1], unpack(fields))
  if not ok then return redis.error_reply('FOREIGN ' .. KEYS[1] .. ' is not a hash') end
  return m
end
local function number(value, key)
  local n = tonumber(value)
  if n == nil then error('FOREIGN ' .. KEYS[1] .. ' has a non-numeric ' .. key) end
  return n
end
`;

/**
 * KEYS: meta, log. ARGV: generation, maxEvents, maxBytes, ttl, maxDuration.
 * Answers `{1, generation}` when it created the stream, `{0, current generation}` when one exists.
 */
export const CREATE = `${READ_META}
local m = meta({'gen'})
if m.err then return m end
if m[1] then return {0, m[1]} end
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('FOREIGN ' .. KEYS[1] .. ' has no generation') end
-- A log left without its meta (expired apart, or written by someone else) is not this stream's.
redis.call('DEL', KEYS[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], 'gen', ARGV[1], 'first', 1, 'last', 0, 'bytes', 0,
  'maxEvents', ARGV[2], 'maxBytes', ARGV[3], 'ttl', ARGV[4], 'deadline', now + tonumber(ARGV[5]))
-- A stream whose producer's instance dies is never finished: it still goes, a TTL after its deadline.
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[5]) + tonumber(ARGV[4]))
return {1, ARGV[1]}
`;

/**
 * KEYS: meta, log, changes channel. ARGV: generation, data, event name (absent for none).
 * Answers the new event's sequence, or nil if the stream does not run under that generation.
 */
export const APPEND = `${READ_META}
local m = meta({'gen', 'end', 'first', 'last', 'bytes', 'maxEvents', 'maxBytes'})
if m.err then return m end
if m[1] ~= ARGV[1] or m[2] then return nil end
local first, last, bytes = number(m[3], 'first'), number(m[4], 'last') + 1, number(m[5], 'bytes')
local maxEvents, maxBytes = number(m[6], 'maxEvents'), number(m[7], 'maxBytes')
local ok, err
if ARGV[3] then
  ok, err = pcall(redis.call, 'XADD', KEYS[2], last .. '-0', 'e', ARGV[3], 'd', ARGV[2])
  bytes = bytes + #ARGV[3] + #ARGV[2]
else
  ok, err = pcall(redis.call, 'XADD', KEYS[2], last .. '-0', 'd', ARGV[2])
  bytes = bytes + #ARGV[2]
end
if not ok then return redis.error_reply('FOREIGN ' .. KEYS[2] .. ' is not this stream\\'s log') end
-- Trim the oldest events past either bound (as memoryLog does). Their sizes are read back
-- from the entries, so no per-event bookkeeping is kept.
local trimmed = false
while last - first + 1 > 0 and (last - first + 1 > maxEvents or bytes > maxBytes) do
  local oldest = redis.call('XRANGE', KEYS[2], first .. '-0', '+', 'COUNT', 1)[1]
  if oldest == nil then break end
  local fields = oldest[2]
  for i = 1, #fields, 2 do
    if fields[i] == 'd' or fields[i] == 'e' then bytes = bytes - #fields[i + 1] end
  end
  first = tonumber(string.match(oldest[1], '^(%d+)')) + 1
  trimmed = true
end
if trimmed then redis.call('XTRIM', KEYS[2], 'MINID', first .. '-0') end
redis.call('HSET', KEYS[1], 'first', first, 'last', last, 'bytes', bytes)
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
redis.call('PUBLISH', KEYS[3], tostring(last))
return last
`;

/**
 * KEYS: meta, log, changes channel. ARGV: generation ('' for the current one), terminal state JSON.
 * Answers 1 if this call ended the stream, 0 if it had ended, is gone, or runs under another generation.
 */
export const FINISH = `${READ_META}
local m = meta({'gen', 'end', 'ttl', 'last'})
if m.err then return m end
if not m[1] or m[2] or (ARGV[1] ~= '' and m[1] ~= ARGV[1]) then return 0 end
local ttl = number(m[3], 'ttl')
redis.call('HSET', KEYS[1], 'end', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ttl)
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], ttl) end
redis.call('PUBLISH', KEYS[3], tostring(m[4]) .. ' ' .. ARGV[2])
return 1
`;

/**
 * KEYS: meta, log. ARGV: first sequence wanted, most entries.
 * Answers nil for a gone stream, else `{gen, end or '', first, last, deadline, entries}`.
 */
export const READ = `${READ_META}
local m = meta({'gen', 'end', 'first', 'last', 'deadline'})
if m.err then return m end
if not m[1] then return nil end
local ok, entries = pcall(redis.call, 'XRANGE', KEYS[2], ARGV[1] .. '-0', '+', 'COUNT', ARGV[2])
if not ok then return redis.error_reply('FOREIGN ' .. KEYS[2] .. ' is not a stream') end
return {m[1], m[2] or '', m[3], m[4], m[5], entries}
`;
