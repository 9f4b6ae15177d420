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

The index remembers, for each key a session watched, the screen that watched it last. A watch
costs two dict lookups and a store, whatever the screen: keys are not re-indexed on every render.
An invalidation skips (and forgets) a session whose current screen did not watch the key; a
refresh clears the session's keys before its render declares them again; a session's keys are
pruned when it has watched many on screens since left, and forgotten when it ends.

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
    timed_fired: int = 0
    """Due timed edges of stored sessions this process took from a remote store and ran."""


_PRUNE_AT = 64
"""A session watching more keys than this (over several screens) has the stale ones pruned."""


class Watching(Timed):
    """Invalidation-driven refresh: the watch index, coalescing, rate-limited flushes."""

    def watch(self, session: Session, key: Hashable) -> None:
        """Record that ``session``'s current screen shows what ``key`` names (``ctx.watch``)."""
        if isinstance(key, tuple):
            key = watch_key(key)
        keys = self._watched.get(session.id)
        if keys is None:
            keys = self._watched[session.id] = {}
        if key not in keys:
            self._watchers.setdefault(key, {})[session.id] = session
            if len(keys) >= _PRUNE_AT:
                self._prune(session, keys)
        keys[key] = session.screen

    def _prune(self, session: Session, keys: dict[Hashable, int]) -> None:
        """Forget the keys only earlier screens of ``session`` watched."""
        for old in [k for k, screen in keys.items() if screen != session.screen]:
            del keys[old]
            self._drop_watcher(old, session.id)

    def _drop_watcher(self, key: Hashable, session_id: str) -> None:
        watchers = self._watchers.get(key)
        if watchers is not None and watchers.pop(session_id, None) is not None and not watchers:
            del self._watchers[key]

    def watched_keys(self) -> list[Hashable]:
        """Every key some open session watches (the playground's invalidation panel)."""
        return list(self._watchers)

    def invalidate(self, *key: Hashable, skip: Session | None = None) -> int:
        """Re-render every open session whose screen watched ``key`` and edit its message:
        ``flows.invalidate("stock", sku)``. Returns how many sessions were newly marked.

        The edits go through the outbox, coalesced and rate-limited (see the module); ``skip``
        leaves one session out (``ctx.invalidate`` skips its own session, which re-renders at the
        end of its step anyway). Cheap to call often: it only marks sessions."""
        name = watch_key(key)
        watchers = self._watchers.get(name)
        if not watchers:
            return 0
        dirty, watched = self._dirty, self._watched
        before = len(dirty)
        stale: list[str] = []
        for session_id, session in watchers.items():
            keys = watched.get(session_id)
            if keys is None or keys.get(name) != session.screen:
                stale.append(session_id)  # its current screen does not show this key
            elif session is not skip:
                dirty[session_id] = session
        for session_id in stale:
            del watchers[session_id]
            keys = watched.get(session_id)
            if keys is not None:
                keys.pop(name, None)
        if not watchers:
            del self._watchers[name]
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
        for key in self._watched.pop(session.id, ()):
            self._drop_watcher(key, session.id)

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
