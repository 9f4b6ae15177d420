"""The Lua scripts of live menus on a :class:`~flowfsm.engine.stores.redis.RedisStore`: timed edges
and invalidation-driven refresh across replicas (see :mod:`flowfsm.engine.stores.redis_live`).

What they keep, under the store's key prefix, beside the keys of
:mod:`flowfsm.engine.stores.redis_scripts`:

* ``timed``: a sorted set, session id -> the next due time (Unix seconds) of its timed edges. The
  save script writes it with the snapshot (which holds the plan), so a click costs no extra round
  trip; a claim moves the entry one lease ahead (a claim that dies with its replica is claimed
  again then), and the save after the firing writes the next due time;
* ``w:<key>``: a set per watched key (the key as compact JSON), holding the ids of the sessions
  whose current screen watches it; the save script keeps it (the session hash's ``watch`` field
  lists the keys, one a line, to take them out again); it lives as long as its longest session;
* ``refresh``: a sorted set, session id -> when its refresh may run (an invalidation marks it, no
  sooner than ``interval`` after the last one, kept in the hash's ``refreshed`` field);
* ``refreshing``: a sorted set, session id -> when the claim of its refresh lapses.

A session that ends, expires, is replaced or refused leaves all of them (:data:`FORGET_LIVE`).
"""

from __future__ import annotations

__all__ = ["CLAIM_LIVE", "FORGET_LIVE", "INVALIDATE", "KEEP_LIVE"]

# A Lua function the scripts that drop a session start with: (session key, id, prefix).
FORGET_LIVE = """
local function forget_live(key, id, prefix)
  local watched = redis.call('HGET', key, 'watch')
  if watched then
    for k in string.gmatch(watched, '[^\\n]+') do redis.call('SREM', prefix .. 'w:' .. k, id) end
  end
  redis.call('ZREM', prefix .. 'timed', id)
  redis.call('ZREM', prefix .. 'refresh', id)
  redis.call('ZREM', prefix .. 'refreshing', id)
end
"""

# A Lua function the save script calls after writing the snapshot: (session key, id, prefix,
# timed due or '', watched keys one a line ('' none, '=' as stored), ttl ms). A save ends any claimed refresh: the
# step it ends rendered after that claim, so its screen is fresh.
KEEP_LIVE = """
local function keep_live(key, id, prefix, due, watch, ttl)
  if due ~= '' then
    redis.call('ZADD', prefix .. 'timed', due, id)
  else
    redis.call('ZREM', prefix .. 'timed', id)
  end
  redis.call('ZREM', prefix .. 'refreshing', id)
  local old = redis.call('HGET', key, 'watch') or ''
  if watch == '=' then watch = old end
  if old ~= watch then
    local now = {}
    for k in string.gmatch(watch, '[^\\n]+') do now[k] = true end
    for k in string.gmatch(old, '[^\\n]+') do
      if now[k] then now[k] = false else redis.call('SREM', prefix .. 'w:' .. k, id) end
    end
    for k, new in pairs(now) do
      if new then redis.call('SADD', prefix .. 'w:' .. k, id) end
    end
    if watch == '' then redis.call('HDEL', key, 'watch') else redis.call('HSET', key, 'watch', watch) end
  end
  for k in string.gmatch(watch, '[^\\n]+') do
    local set = prefix .. 'w:' .. k
    if redis.call('PTTL', set) < tonumber(ttl) then redis.call('PEXPIRE', set, ttl) end
  end
end
"""

# KEYS: the watched key's set, refresh; ARGV: now, interval, session key prefix, skip id ('' none).
# {marked, coalesced}. A member whose session is gone (its hash expired unclaimed) is dropped.
INVALIDATE = """
local now, interval = tonumber(ARGV[1]), tonumber(ARGV[2])
local marked, coalesced = 0, 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local key = ARGV[3] .. id
  if id == ARGV[4] then
  elseif redis.call('EXISTS', key) == 0 then
    redis.call('SREM', KEYS[1], id)
  elseif redis.call('ZSCORE', KEYS[2], id) then
    coalesced = coalesced + 1
  else
    local at = now
    local last = tonumber(redis.call('HGET', key, 'refreshed') or '')
    if last and last + interval > at then at = last + interval end
    redis.call('ZADD', KEYS[2], at, id)
    marked = marked + 1
  end
end
return {marked, coalesced}
"""

# KEYS: timed, refresh, refreshing; ARGV: now, limit, lease (s), session prefix, lock prefix.
# {timed ids, refresh ids, first timed score, first refresh score, first refreshing score}.
# A session whose step runs (locked) is left: that step's save writes its entries again.
CLAIM_LIVE = """
local now, lease = tonumber(ARGV[1]), tonumber(ARGV[3])
local function free(id) return redis.call('EXISTS', ARGV[5] .. id) == 0 end
local function alive(id) return redis.call('EXISTS', ARGV[4] .. id) == 1 end
local timed = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])) do
  if not alive(id) then
    redis.call('ZREM', KEYS[1], id)
  elseif free(id) then
    redis.call('ZADD', KEYS[1], now + lease, id)
    table.insert(timed, id)
  end
end
local refresh = {}
for i = 2, 3 do
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[i], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])) do
    if not alive(id) then
      redis.call('ZREM', KEYS[i], id)
    elseif free(id) then
      redis.call('ZREM', KEYS[2], id)
      redis.call('ZADD', KEYS[3], now + lease, id)
      redis.call('HSET', ARGV[4] .. id, 'refreshed', ARGV[1])
      table.insert(refresh, id)
    end
  end
end
local function first(k)
  local found = redis.call('ZRANGE', k, 0, 0, 'WITHSCORES')
  return found[2] or ''
end
return {timed, refresh, first(KEYS[1]), first(KEYS[2]), first(KEYS[3])}
"""
