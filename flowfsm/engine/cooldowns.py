"""The table of cooldowns and click rates: one bounded cache, no task, no timer.

Two kinds of entries, each a single float, in one ``cachetools.TLRUCache``:

* ``(session id, item key, user id) -> until``: a button's cooldown (``Button(cooldown=...)``),
  the clock time from which that user may click it again;
* ``(flow name, user id) -> tat``: a flow's :class:`~flowfsm.define.cooldowns.RateLimit` as a
  token bucket in its GCRA form (the "theoretical arrival time": the bucket is full again at
  ``tat``; a click is allowed while ``tat + interval - now <= per``).

An entry lives exactly as long as it means something: the cache drops it at ``until`` / ``tat``
(its time-to-use), lazily, on the next access — so there is nothing to sweep and no task. Past
``max_entries`` (many users clicking within one cooldown) the least recently used entry goes
first, which can only forget a cooldown early, never refuse a click that should run: memory
stays bounded however many users click.

Entries are per process. Behind several REST replicas without sticky routing, a user could
reach each replica's table once per cooldown: a cooldown there is a brake, not a guarantee.
"""

from __future__ import annotations

from collections.abc import Hashable

from cachetools import TLRUCache

from flowfsm.define.flow import Flow
from flowfsm.engine.session import Clock

__all__ = ["DEFAULT_MAX_ENTRIES", "Cooldowns"]

DEFAULT_MAX_ENTRIES = 20_000
"""Entries the table keeps at most: about 560 bytes each with the cache's bookkeeping (``python
bench/cooldowns.py``), so about 11 MB at the bound — room for 5,000 users a second clicking a
button with a 2-second cooldown on a rate-limited flow (two entries a click)."""


def _until(_key: Hashable, until: float, _now: float) -> float:
    return until


class Cooldowns:
    """Cooldowns of buttons and rate limits of flows, per user, in one bounded table.

    Args:
        clock: the engine's clock (monotonic seconds; a test's fake clock drives it).
        max_entries: the most entries kept (see the module doc for what happens past it).
    """

    def __init__(self, clock: Clock, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, got {max_entries!r}")
        self._clock = clock
        self._table: TLRUCache[Hashable, float] = TLRUCache(max_entries, _until, timer=clock)

    def __len__(self) -> int:
        """Entries held now (expired ones may linger until the next write)."""
        return len(self._table)

    @property
    def max_entries(self) -> int:
        """The bound on :func:`len`."""
        return int(self._table.maxsize)

    def rate_wait(self, flow: Flow, user_id: int) -> float:
        """Seconds ``user_id`` must wait before another click on a menu of ``flow`` (its
        :class:`~flowfsm.define.cooldowns.RateLimit`); ``0.0`` when it may click now — the click
        is then counted."""
        limit = flow.rate_limit
        if limit is None:
            return 0.0
        now = self._clock()
        key = (flow.name, user_id)
        tat = max(self._table.get(key, now), now) + limit.interval
        wait = tat - now - limit.per
        if wait > 0:
            return wait
        self._table[key] = tat
        return 0.0

    def button_wait(self, session_id: str, key: str, cooldown: float, user_id: int) -> float:
        """Seconds ``user_id`` must wait before clicking the button ``key`` of a session again
        (its ``cooldown``); ``0.0`` when it may click now — the cooldown then starts."""
        now = self._clock()
        entry = (session_id, key, user_id)
        wait = self._table.get(entry, now) - now
        if wait > 0:
            return wait
        self._table[entry] = now + cooldown
        return 0.0
