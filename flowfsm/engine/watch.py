"""Invalidation-driven refresh: render functions declare what they show (``ctx.watch("stock",
sku)``), ``flows.invalidate("stock", sku)`` re-renders every open session whose screen watched it
and edits its message.

Bursts are coalesced and rate-limited. An invalidation only marks the watching sessions *dirty*
(one dict insert each; a session already dirty is not marked twice). Dirty sessions are *flushed*
to the outbox at most once per ``refresh_interval`` (the first invalidation after a quiet interval
flushes at once; later ones wait for the manager's single timer), and a session whose refresh is
still queued is not queued again: its refresh, when it runs, renders the latest data. So each
session gets at most one edit per interval, however many invalidations hit its keys, and the
outbox drains the edits at its own rate (``outbox_concurrency``).

A refresh keeps the screen's custom ids when it offers the same items (a stock line changed, the
buttons did not), so a click racing the refresh is not refused as coming from an earlier screen.
Refreshes, like sends, do not count as the user's activity, and follow the policy of
:mod:`flowfsm.engine.external` for menus no edit can reach.

The index is per screen: the keys a session watched on an earlier screen are dropped the first
time its new screen watches a key, and before a refresh renders; a screen that watches nothing
may keep its previous keys until their next invalidation, which costs one refresh.

A part of :class:`~flowfsm.engine.manager.FlowManager` (see ARCHITECTURE.md).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from flowfsm.define.context import Context
from flowfsm.engine.external import SENT, UNREACHABLE
from flowfsm.engine.render import Rendered
from flowfsm.engine.session import Session
from flowfsm.engine.timed import Timed

__all__ = ["LiveStats", "Watching", "watch_key"]


def watch_key(parts: tuple[Hashable, ...]) -> Hashable:
    """A watch key as given: ``watch("stock")`` is ``"stock"``, ``watch("stock", 3)`` is ``("stock", 3)``."""
    return parts[0] if len(parts) == 1 else parts


@dataclass(slots=True)
class LiveStats:
    """Counters of live updates since the manager started (bench, soak, the playground)."""

    invalidations: int = 0
    """Calls of ``invalidate`` that found at least one watching session."""
    marked: int = 0
    """Sessions marked dirty by them (each at most once until it is flushed)."""
    coalesced: int = 0
    """Marks saved because the session was already dirty."""
    flushes: int = 0
    """Times dirty sessions were handed to the outbox (at most one per ``refresh_interval``)."""
    refreshes: int = 0
    """Refresh edits that reached Discord."""
    unreachable: int = 0
    """Refreshes skipped: an ephemeral menu past its 15-minute token."""


class _Watched:
    """The keys one session's screen ``screen`` watches."""

    __slots__ = ("keys", "screen")

    def __init__(self, screen: int) -> None:
        self.screen = screen
        self.keys: set[Hashable] = set()


class Watching(Timed):
    """Invalidation-driven refresh: the watch index, coalescing, rate-limited flushes."""

    def watch(self, session: Session, key: Hashable) -> None:
        """Record that ``session``'s current screen shows what ``key`` names (``ctx.watch``)."""
        key = watch_key(key) if isinstance(key, tuple) else key
        watched = self._watched.get(session.id)
        if watched is None or watched.screen != session.screen:
            if watched is not None:
                self._unwatch(session)
            watched = self._watched[session.id] = _Watched(session.screen)
        if key not in watched.keys:
            watched.keys.add(key)
            self._watchers.setdefault(key, {})[session.id] = session

    def watched_keys(self) -> list[Hashable]:
        """Every key some open session watches (the playground's invalidation panel)."""
        return list(self._watchers)

    def invalidate(self, *key: Hashable, skip: Session | None = None) -> int:
        """Re-render every open session whose screen watched ``key`` and edit its message:
        ``flows.invalidate("stock", sku)``. Returns how many sessions were newly marked.

        The edits go through the outbox, coalesced and rate-limited (see the module); ``skip``
        leaves one session out (``ctx.invalidate`` skips its own session, which re-renders at the
        end of its step anyway). Cheap to call often: it only marks sessions."""
        watchers = self._watchers.get(watch_key(key))
        if not watchers:
            return 0
        dirty = self._dirty
        before = len(dirty)
        for session_id, session in watchers.items():
            if session is not skip:
                dirty[session_id] = session
        marked = len(dirty) - before
        stats = self.live_stats
        stats.invalidations += 1
        stats.marked += marked
        stats.coalesced += len(watchers) - marked - (skip is not None and skip.id in watchers)
        if marked:
            self._flush_soon()
        return marked

    def _flush_soon(self) -> None:
        """Flush now if the interval since the last flush has passed, else at its end."""
        now = self.clock()
        at = self._last_flush + self.refresh_interval
        if now >= at:
            self._flush(now)
        elif self._flush_at is None:
            self._flush_at = at
            if self._timer_at is None or at < self._timer_at:
                self._arm_timer()

    def _flush(self, now: float) -> None:
        """Hand the dirty sessions to the outbox (those with a refresh queued already are left:
        that refresh will render the latest data)."""
        queued = self._refreshing
        batch = [s for sid, s in self._dirty.items() if sid not in queued]
        self._dirty.clear()
        self._flush_at = None
        self._last_flush = now
        if batch:
            queued.update(s.id for s in batch)
            self.live_stats.flushes += 1
            self.outbox.put_each(self._refresh, batch)

    async def _refresh(self, session: Session) -> None:
        """Re-render one watching session and edit its menu (an outbox job)."""
        self._refreshing.discard(session.id)
        if session.ended or self.sessions.get(session.id) is not session:
            return
        result = await self._external_step(session, None, {}, origin="refresh")
        if result.status == SENT:
            self.live_stats.refreshes += 1
        elif result.status == UNREACHABLE:
            self.live_stats.unreachable += 1

    async def _live_render(self, ctx: Context, *, refresh: bool) -> Rendered:
        if not refresh:
            return await super()._live_render(ctx, refresh=False)
        self._unwatch(ctx.session)  # the refreshed screen declares its keys afresh
        return await self.render(ctx, same_screen=True)

    def _unwatch(self, session: Session) -> None:
        watched = self._watched.pop(session.id, None)
        if watched is None:
            return
        for key in watched.keys:
            watchers = self._watchers.get(key)
            if watchers is not None and watchers.pop(session.id, None) is not None and not watchers:
                del self._watchers[key]

    def _forget_live(self, session: Session) -> None:
        super()._forget_live(session)
        self._unwatch(session)
        self._dirty.pop(session.id, None)

    def next_wakeup(self) -> float | None:
        wakeup = super().next_wakeup()
        at = self._flush_at
        if at is None:
            return wakeup
        return at if wakeup is None else min(at, wakeup)

    def tick(self, now: float | None = None) -> int:
        """Flush due refreshes, then what :meth:`Timed.tick` does (timed edges, expiry)."""
        now = self.clock() if now is None else now
        if self._flush_at is not None and now >= self._flush_at:
            self._flush(now)
        return super().tick(now)
