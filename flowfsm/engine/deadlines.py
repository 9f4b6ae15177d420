"""Many short deadlines on one event-loop timer: the automatic defer and the step timeout.

Every step of a click or a command has two deadlines: by ``defer_after`` seconds the interaction
must be answered (else flowfsm defers it, Discord allows 3 s), and by ``step_timeout`` seconds the
step must be over (else it is cancelled and the user told). Two asyncio timers per step would cost
two timer handles, two heap pushes and two cancellations for every click, although almost every
step ends well within a millisecond.

:class:`Deadlines` keeps its keys in insertion-ordered dicts, one per duration, so the front of
each dict is always the next to fall due. One loop timer is armed for the earliest front; a key
discarded early leaves the timer as it is, and when the timer fires it handles what is due and
re-arms itself for the new earliest front, if any. A busy bot pays one dict insert and one dict
pop per deadline; the timer fires about once per duration, not once per step.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["Deadlines"]

K = TypeVar("K", bound=Hashable)


class Deadlines(Generic[K]):
    """Call ``on_due(key)`` when a key's deadline passes, unless it was discarded before.

    Deadlines are measured on the running loop's clock (``loop.time()``), as asyncio's own
    timers are: they stand for Discord's real deadlines, not for the session clock.
    """

    __slots__ = ("_buckets", "_held", "_on_due", "_timer", "_timer_at")

    def __init__(self, on_due: Callable[[K], object]) -> None:
        self._on_due = on_due
        self._buckets: dict[float, dict[K, float]] = {}
        self._held: dict[K, float] = {}
        """Each held key's duration: the bucket it sits in."""
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = math.inf

    def __len__(self) -> int:
        return len(self._held)

    def __contains__(self, key: object) -> bool:
        return key in self._held

    def add(self, key: K, seconds: float) -> None:
        """Give ``key`` a deadline ``seconds`` from now; a key already held keeps the one it has."""
        if key in self._held:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        bucket = self._buckets.get(seconds)
        if bucket is None:
            bucket = self._buckets[seconds] = {}
        bucket[key] = deadline
        self._held[key] = seconds
        if deadline < self._timer_at:
            self._arm(loop, deadline)

    def discard(self, key: K) -> None:
        """Forget ``key`` (nothing happens if it is not held)."""
        seconds = self._held.pop(key, None)
        if seconds is not None:
            del self._buckets[seconds][key]

    def close(self) -> None:
        """Forget every key and stop the timer."""
        self._buckets.clear()
        self._held.clear()
        if self._timer is not None:
            self._timer.cancel()
        self._timer, self._timer_at = None, math.inf

    def _arm(self, loop: asyncio.AbstractEventLoop, deadline: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = loop.call_at(deadline, self._fire)
        self._timer_at = deadline

    def _fire(self) -> None:
        self._timer, self._timer_at = None, math.inf
        loop = asyncio.get_running_loop()
        now = loop.time()
        due: list[K] = []
        for seconds, bucket in list(self._buckets.items()):
            count = len(due)
            for key, deadline in bucket.items():
                if deadline > now:
                    break
                due.append(key)
            for key in due[count:]:
                del bucket[key]
                del self._held[key]
            if not bucket:
                del self._buckets[seconds]
        # Keys are removed before their callbacks run, so a callback may add or discard freely.
        for key in due:
            self._on_due(key)
        earliest = min((next(iter(b.values())) for b in self._buckets.values() if b), default=math.inf)
        if earliest < self._timer_at:
            self._arm(loop, earliest)
