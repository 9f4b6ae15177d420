"""The locks a :class:`~flowfsm.engine.stores.redis.RedisStore` holds, and the renewal of their leases.

A lock in Redis lasts ``lease`` seconds unless renewed, so that a replica that dies holding it
frees the session. While this process holds it (a step runs), it is renewed every third of the
lease by one loop timer per held lock; a renewal that finds the lock taken stops (the step's save
is then refused: :class:`~flowfsm.errors.LockLost`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from flowfsm.errors import SessionBusy

__all__ = ["Held", "Leases", "retry_while_busy"]

log = logging.getLogger("flowfsm.engine.stores.redis")


@dataclass(slots=True)
class Held:
    """A lock this process holds: its token and the timer renewing its lease."""

    token: str
    timer: asyncio.TimerHandle | None = None
    renewal: asyncio.Task[None] | None = None
    renewals: int = 0


class Leases:
    """The locks held by one store, by session id, each renewed while held.

    Args:
        lease: seconds a lock lasts unless renewed.
        extend: renews the lock of a session id with a token in Redis; ``False`` when it is not
            that token's any more.
    """

    def __init__(self, lease: float, extend: Callable[[str, str], Awaitable[bool]]) -> None:
        self.lease = lease
        self._extend = extend
        self._held: dict[str, Held] = {}

    def get(self, session_id: str) -> Held | None:
        """The lock held on ``session_id``, or ``None``."""
        return self._held.get(session_id)

    def hold(self, session_id: str, token: str) -> Held:
        """Record a lock just taken and start renewing it."""
        held = self._held[session_id] = Held(token)
        self._schedule(session_id, held)
        return held

    def forget(self, session_id: str, held: Held) -> None:
        """Stop renewing ``held`` (released, or about to be by a save)."""
        if self._held.get(session_id) is held:
            del self._held[session_id]
        if held.timer is not None:
            held.timer.cancel()
        if held.renewal is not None and not held.renewal.done():
            held.renewal.cancel()

    async def renew(self, session_id: str) -> bool:
        """Renew the lease of the lock held on ``session_id`` now; ``False`` when it is lost."""
        held = self._held.get(session_id)
        if held is None:
            return False
        renewed = await self._extend(session_id, held.token)
        if renewed:
            held.renewals += 1
        return renewed

    def _schedule(self, session_id: str, held: Held) -> None:
        loop = asyncio.get_running_loop()
        held.timer = loop.call_later(self.lease / 3, self._start_renewal, session_id, held)

    def _start_renewal(self, session_id: str, held: Held) -> None:
        if self._held.get(session_id) is held:
            held.renewal = asyncio.get_running_loop().create_task(self._renew(session_id, held))

    async def _renew(self, session_id: str, held: Held) -> None:
        try:
            if await self.renew(session_id) and self._held.get(session_id) is held:
                self._schedule(session_id, held)
        except Exception as exc:  # the save will tell (LockLost) if it mattered
            log.warning("session %s: renewing the lock's lease failed: %s", session_id, exc)


async def retry_while_busy(
    attempt: Callable[[], Awaitable[list[Any]]], session_id: str, wait: float
) -> list[Any]:
    """Run ``attempt`` (the load-and-lock script) until it does not answer "busy" (``{2, pttl}``):
    polling with a short backoff, never past the lock's remaining lease, at most ``wait`` seconds,
    then :class:`~flowfsm.errors.SessionBusy`."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + wait
    pause = 0.002
    while True:
        found = await attempt()
        if found[0] != 2:
            return found
        left = give_up - loop.time()
        if left <= 0:
            raise SessionBusy(session_id)
        await asyncio.sleep(min(pause, left, max(int(found[1]), 1) / 1000))
        pause = min(pause * 2, 0.05)
