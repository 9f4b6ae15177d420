"""Live menus across replicas on a :class:`~flowfsm.engine.stores.redis.RedisStore`: the part of
the store that writes a session (its snapshot with the timed plan, its watched keys) and claims
due timed edges and refreshes. The keys and scripts are in
:mod:`flowfsm.engine.stores.redis_live_scripts`; the engine's side in
:mod:`flowfsm.engine.remote_timed` and :mod:`flowfsm.engine.remote_watch`.

Everything a click's save must keep for live menus rides in the save script it already runs
(the next due time of the plan, the keys the screen watches): a click still costs two round
trips. A replica's poll for due work is one more script, shared by every session
(:meth:`RedisLive.claim_live`), and an invalidation one script per call
(:meth:`RedisLive.mark_watchers`), however many sessions watch the key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis

from flowfsm.engine.session import Session
from flowfsm.engine.store import LiveClaims, encode_watch_key
from flowfsm.engine.stores import redis_live_scripts as live_scripts
from flowfsm.engine.stores import redis_scripts as scripts

__all__ = ["RedisLive"]


class RedisLive:
    """The live-menu half of :class:`~flowfsm.engine.stores.redis.RedisStore` (a base class)."""

    redis: aioredis.Redis
    prefix: str
    lease: float
    session_key: Callable[[str], str]
    lock_key: Callable[[str], str]
    user_key: Callable[[int, str], str]
    _written_keys: Callable[[Session], list[str]]
    _offset: Callable[[], float]
    _ttl_ms: Callable[[float], int]
    _encode: Callable[[Session], bytes]

    def _register_live(self) -> None:
        self._save = self.redis.register_script(scripts.SAVE)
        self._invalidate = self.redis.register_script(live_scripts.INVALIDATE)
        self._claim_live = self.redis.register_script(live_scripts.CLAIM_LIVE)

    @property
    def deadlines_key(self) -> str:
        """The sorted set of deadlines."""
        return f"{self.prefix}deadlines"

    @property
    def message_key_prefix(self) -> str:
        """The start of the message index keys."""
        return f"{self.prefix}msg:"

    @property
    def timed_key(self) -> str:
        """The sorted set of timed edges' due times, by session id."""
        return f"{self.prefix}timed"

    def watch_set_key(self, key: object) -> str:
        """The set of the sessions watching ``key`` (as given to ``ctx.watch``)."""
        return f"{self.prefix}w:{encode_watch_key(key)}"

    async def claim_live(self, now: float, limit: int = 100) -> LiveClaims:
        """Claim up to ``limit`` sessions with a timed edge due at ``now`` (engine clock) and up to
        ``limit`` with a refresh due, each for one lease (one round trip); a session whose step
        runs is left to that step. With the earliest due time left."""
        offset = self._offset()
        found = await self._claim_live(
            keys=[self.timed_key, f"{self.prefix}refresh", f"{self.prefix}refreshing"],
            args=[repr(now + offset), limit, repr(self.lease), self.session_key(""), self.lock_key("")],
        )
        timed, refresh = ([_text(x) for x in ids] for ids in found[:2])
        firsts = [float(score) - offset for score in found[2:] if score]
        return LiveClaims(timed, refresh, min(firsts) if firsts else None)

    async def mark_watchers(self, key: str, now: float, interval: float, skip: str | None = None) -> int:
        """Mark the sessions watching ``key`` (encoded) for a refresh, one round trip; returns
        how many were newly marked (a session already marked is not marked again)."""
        marked, _coalesced = await self._invalidate(
            keys=[f"{self.prefix}w:{key}", f"{self.prefix}refresh"],
            args=[repr(now + self._offset()), repr(interval), self.session_key(""), skip or ""],
        )
        return int(marked)

    async def _write(self, session: Session, token: str, mode: str, blob: bytes | None = None) -> int:
        """The save script: snapshot, deadline, message, user index, timed due, watched keys."""
        offset = self._offset()
        deadline = session.last_active + offset + session.timeout
        ttl_ms = self._ttl_ms(deadline)
        plan = session.timed
        due = "" if plan is None or plan.due is None else repr(plan.due + offset)
        # None: the step rendered nothing, so the keys stored last time stand ("=").
        watching = session.watches
        watches = "=" if watching is None else "\n".join(sorted({encode_watch_key(k) for k in watching}))
        result = await self._save(
            keys=self._written_keys(session),
            args=[
                token,
                blob if blob is not None else self._encode(session),
                ttl_ms,
                repr(deadline),
                session.id,
                "" if session.message_id is None else str(session.message_id),
                self.message_key_prefix,
                mode,
                due,
                watches,
                self.prefix,
            ],
        )
        return int(result)

    def _forget_args(self, session_id: str) -> dict[str, Any]:
        """Keys and arguments of the scripts that drop a session (remove, take)."""
        return {
            "keys": [self.session_key(session_id), self.lock_key(session_id), self.deadlines_key],
            "args": [session_id, self.message_key_prefix, self.prefix],
        }


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
