"""The Lua scripts of :class:`~flowfsm.engine.stores.redis.RedisStore`: each is one round trip, and
runs atomically in Redis (no other command runs in between), which is what makes the lock, the
fenced save and the claim of due sessions safe across replicas.

What a store keeps, under its key prefix (``flowfsm:`` by default):

* ``s:<session id>``: a hash with the session's snapshot (``snap``, see :mod:`flowfsm.engine.snapshot`)
  its menu message id (``msg``) and the last interaction that took it (``last``). It expires ``grace`` seconds after the session's deadline, so
  a session nobody expired (every replica down for a day) does not stay for ever;
* ``deadlines``: a sorted set, session id -> deadline (Unix seconds); replicas claim due sessions
  from it (:meth:`~flowfsm.engine.stores.redis.RedisStore.claim_expired`), so a restart resets no timeout and there is still no
  task per idle session;
* ``msg:<message id>``: the session id whose menu is that message (message-delete events);
* ``lock:<session id>``: the lock of a session while a step runs (a random token, with a lease);
* ``u:<user id>:<flow>``: the user's session of that flow (a new one replaces it); each save of
  that session extends it as long as the session's hash;
* ``timed``, ``w:<key>``, ``refresh``, ``refreshing``: live menus across replicas (timed edges,
  invalidation), see :mod:`flowfsm.engine.stores.redis_live_scripts`.

Key names are built from the store's prefix inside the scripts, so a store needs one Redis (or a
primary with replicas / Sentinel), not Redis Cluster.
"""

from __future__ import annotations

from flowfsm.engine.stores.redis_live_scripts import FORGET_LIVE, KEEP_LIVE

__all__ = [
    "ADD_LOCKED",
    "BY_MESSAGE",
    "CLAIM",
    "EXTEND",
    "LOAD_AND_LOCK",
    "RELEASE",
    "REMOVE",
    "SAVE",
    "TAKE",
]

# KEYS: session, lock; ARGV: token, lease ms, interaction id ('' = none).
# {0}: no session; {1, snapshot, interrupted}: locked; {2, pttl}: busy; {3}: this interaction
# already took the session once (a step killed before its save, replayed to another replica).
# 'pending' marks a step under way until its save or release: found set, the step before this one
# died with its process (interrupted = 1).
LOAD_AND_LOCK = """
local snap = redis.call('HGET', KEYS[1], 'snap')
if not snap then return {0} end
if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {2, redis.call('PTTL', KEYS[2])} end
if ARGV[3] ~= '' then
  if redis.call('HGET', KEYS[1], 'last') == ARGV[3] then
    redis.call('DEL', KEYS[2])
    return {3}
  end
  redis.call('HSET', KEYS[1], 'last', ARGV[3])
end
local interrupted = redis.call('HEXISTS', KEYS[1], 'pending')
redis.call('HSET', KEYS[1], 'pending', ARGV[1])
return {1, snap, interrupted}
"""

# KEYS: session, lock, deadlines, the user's session of the flow; ARGV: token ('' = not held),
# snapshot, ttl ms, deadline, id, message id ('' = none), message key prefix, mode ('add' or
# 'save'), timed due ('' = none), watched keys (one a line), key prefix.
SAVE = (
    KEEP_LIVE
    + """
local exists = redis.call('EXISTS', KEYS[1]) == 1
if ARGV[8] == 'add' then
  if exists then return -2 end
elseif not exists then
  if ARGV[1] ~= '' and redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
  return -3
end
local holder = redis.call('GET', KEYS[2])
if ARGV[1] == '' then
  if holder then return 0 end
elseif holder ~= ARGV[1] then
  return -1
end
local old = redis.call('HGET', KEYS[1], 'msg')
if old and old ~= ARGV[6] then redis.call('DEL', ARGV[7] .. old) end
if ARGV[6] ~= '' then
  redis.call('HSET', KEYS[1], 'snap', ARGV[2], 'msg', ARGV[6])
  redis.call('SET', ARGV[7] .. ARGV[6], ARGV[5], 'PX', ARGV[3])
else
  redis.call('HSET', KEYS[1], 'snap', ARGV[2])
  redis.call('HDEL', KEYS[1], 'msg')
end
redis.call('HDEL', KEYS[1], 'pending')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[5])
if redis.call('GET', KEYS[4]) == ARGV[5] then redis.call('PEXPIRE', KEYS[4], ARGV[3]) end
keep_live(KEYS[1], ARGV[5], ARGV[11], ARGV[9], ARGV[10], ARGV[3])
if ARGV[1] ~= '' then redis.call('DEL', KEYS[2]) end
return 1
"""
)

# KEYS: lock, session; ARGV: token. A step that ends without saving lets go, cleanly.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  if redis.call('HGET', KEYS[2], 'pending') == ARGV[1] then redis.call('HDEL', KEYS[2], 'pending') end
  return redis.call('DEL', KEYS[1])
end
return 0
"""

EXTEND = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""

# KEYS: session, lock, deadlines; ARGV: id, message key prefix, key prefix.
REMOVE = (
    FORGET_LIVE
    + """
forget_live(KEYS[1], ARGV[1], ARGV[3])
local old = redis.call('HGET', KEYS[1], 'msg')
if old then redis.call('DEL', ARGV[2] .. old) end
redis.call('ZREM', KEYS[3], ARGV[1])
return redis.call('DEL', KEYS[1], KEYS[2])
"""
)

BY_MESSAGE = """
local id = redis.call('GET', KEYS[1])
if not id then return false end
local snap = redis.call('HGET', ARGV[1] .. id, 'snap')
if not snap then return false end
return {id, snap}
"""

# KEYS: deadlines; ARGV: now, limit, session prefix, lock prefix, message prefix, key prefix.
# A session whose step is running (locked) is skipped: its save moves the deadline.
CLAIM = (
    FORGET_LIVE
    + """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
local out = {}
for _, id in ipairs(due) do
  if redis.call('EXISTS', ARGV[4] .. id) == 0 then
    local key = ARGV[3] .. id
    local snap = redis.call('HGET', key, 'snap')
    local msg = redis.call('HGET', key, 'msg')
    forget_live(key, id, ARGV[6])
    redis.call('ZREM', KEYS[1], id)
    redis.call('DEL', key)
    if msg then redis.call('DEL', ARGV[5] .. msg) end
    if snap then
      table.insert(out, id)
      table.insert(out, snap)
    end
  end
end
return out
"""
)

# KEYS: session, lock, deadlines, user's session of the flow; ARGV: token, snapshot, ttl ms,
# deadline, id, lease ms. A new session, stored and locked at once (its first step runs under the
# lock), and made the user's session of its flow: {1, the previous one's id or ''}; {0} if the id exists.
ADD_LOCKED = """
if redis.call('EXISTS', KEYS[1]) == 1 then return {0} end
if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[6]) then return {0} end
redis.call('HSET', KEYS[1], 'snap', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[5])
local previous = redis.call('GET', KEYS[4]) or ''
redis.call('SET', KEYS[4], ARGV[5], 'PX', ARGV[3])
return {1, previous}
"""

# KEYS: session, lock, deadlines; ARGV: id, message key prefix, key prefix. Remove a session
# whatever holds it (a step running elsewhere finds it gone and stores nothing); its snapshot.
TAKE = (
    FORGET_LIVE
    + """
local snap = redis.call('HGET', KEYS[1], 'snap')
if not snap then return false end
forget_live(KEYS[1], ARGV[1], ARGV[3])
local msg = redis.call('HGET', KEYS[1], 'msg')
if msg then redis.call('DEL', ARGV[2] .. msg) end
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('DEL', KEYS[1], KEYS[2])
return snap
"""
)
