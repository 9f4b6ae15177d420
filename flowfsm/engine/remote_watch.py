"""``flows.invalidate`` with a remote store: the watched keys of every stored session are found
from any replica, and each refresh runs on exactly one replica, coalesced as with the default store.

* **The watch index is in the store.** When a step ends, the keys its session's current screen
  watched (``ctx.watch``) go to the store with the session's save, in the same round trip: a set
  per key holding session ids (see :class:`~flowfsm.engine.store.LiveStore`). A step that did not
  render (a send refused in its state) leaves them as they were; a session that ends or expires
  leaves every set.
* **Invalidation marks, one replica refreshes.** ``await flows.ainvalidate("stock", sku)`` marks,
  in one script, every stored session watching the key for a refresh due no sooner than
  ``refresh_interval`` after its last one (a session already marked is not marked again: bursts
  coalesce). Each replica's poll task claims due refreshes (each to one replica, for a lease: a
  claim that dies with its replica is claimed again after it); the claimer loads and locks the
  session, re-renders the same screen and edits the menu, as :mod:`flowfsm.engine.watch` does, and
  saves it. So each session gets at most one edit per ``refresh_interval`` whichever replicas
  invalidate, and a session whose step runs elsewhere is refreshed after that step.
* **Sync or async.** ``flows.invalidate(...)`` stays synchronous (it is called from callbacks
  through ``ctx.invalidate``): with a remote store it queues the store's marking on the outbox
  (``flows.drain()`` waits for it) and returns 0, since the count needs the store's answer;
  ``await flows.ainvalidate(...)`` marks at once and returns how many sessions the store marked.
  Sessions in a step in this process are not refreshed in place: the store marks them like the
  others, and their refresh is claimed once their step has saved (a refresh racing a click of the
  same session on the same replica would otherwise edit the menu under the click).

A part of :class:`~flowfsm.engine.manager.FlowManager` (see ARCHITECTURE.md).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from flowfsm.engine import logs
from flowfsm.engine.external import SENT, UNREACHABLE
from flowfsm.engine.remote_timed import RemoteTimed
from flowfsm.engine.response import Responder
from flowfsm.engine.session import Session
from flowfsm.engine.store import LiveStore, RemoteStore, encode_watch_key
from flowfsm.engine.watch import watch_key
from flowfsm.errors import SessionBusy

__all__ = ["RemoteWatching"]

_LOG = logs.get_logger("flowfsm")


class RemoteWatching(RemoteTimed):
    """Invalidation across replicas: watched keys kept in the store, refreshes claimed by one replica."""

    def invalidate(self, *key: Hashable, skip: Session | None = None) -> int:
        remote = self.remote
        if not isinstance(remote, LiveStore):
            return super().invalidate(*key, skip=skip)
        # Sessions in a step here are marked in the store like the others (their previous save
        # listed their keys): the refresh claims them once their step has saved.
        name = watch_key(key)
        self._arm_timer()
        self.outbox.put(lambda: self._mark_stored(remote, name, skip))
        return 0

    async def ainvalidate(self, *key: Hashable, skip: Session | None = None) -> int:
        """:meth:`invalidate`, awaiting the store: returns how many sessions were newly marked for
        a refresh (with a remote store, in the store: one round trip)."""
        remote = self.remote
        if not isinstance(remote, LiveStore):
            return super().invalidate(*key, skip=skip)
        self._arm_timer()
        return await self._mark_stored(remote, watch_key(key), skip)

    async def _mark_stored(self, remote: LiveStore, name: Hashable, skip: Session | None) -> int:
        """Mark the stored sessions watching ``name`` (one round trip) and wake the poll task."""
        try:
            marked = await remote.mark_watchers(
                encode_watch_key(name), self.clock(), self.refresh_interval, None if skip is None else skip.id
            )
        except Exception:
            _LOG.exception("flowfsm: invalidating %r in the session store failed", name)
            return 0
        if marked:
            stats = self.live_stats
            stats.invalidations += 1
            stats.marked += marked
            self._wake_poll_by(self.clock())
        return marked

    # -- the watched keys travel with the session --------------------------------------------------

    def _watches_shown(self, session: Session) -> None:
        """A render with a remote store, last of the screen hooks: the keys this render watches
        are stored when the session leaves the working set."""
        session.watches = ()

    async def _recover(
        self, remote: RemoteStore, session: Session, interaction: Any, responder: Responder
    ) -> bool:
        recovered = await super()._recover(remote, session, interaction, responder)
        keys = self._watched.get(session.id)
        if keys:  # the recovering render counted as the same screen, as the session's number does
            for key in keys:
                keys[key] = session.screen
        return recovered

    def _leave_working_set(self, session: Session) -> bool:
        if session.watches is not None:
            keys = self._watched.get(session.id, {})
            session.watches = tuple(key for key, screen in keys.items() if screen == session.screen)
        return super()._leave_working_set(session)

    # -- polling: due timed edges and refreshes --------------------------------------------------------

    async def _poll_once(self, remote: RemoteStore) -> float | None:
        deadline = await super()._poll_once(remote)
        due = await self.run_stored_live()
        if due is None:
            return deadline
        return due if deadline is None else min(due, deadline)

    async def run_stored_live(self, now: float | None = None) -> float | None:
        """Claim the timed edges and refreshes of stored sessions due at ``now`` (default: the
        clock) and queue them on the outbox; returns the earliest due time left in the store
        (``None``: nothing, or no :class:`~flowfsm.engine.store.LiveStore`). The poll task calls
        this; the harness does when it moves its clock."""
        remote = self.remote
        if not isinstance(remote, LiveStore):
            return None
        now = self.clock() if now is None else now
        while True:
            claims = await remote.claim_live(now)
            self.outbox.put_each(lambda sid: self._fire_stored(remote, sid), claims.timed)
            self.outbox.put_each(lambda sid: self._refresh_stored(remote, sid), claims.refresh)
            if len(claims.timed) < 100 and len(claims.refresh) < 100:
                return claims.next_due

    async def _refresh_stored(self, remote: RemoteStore, session_id: str) -> None:
        """A claimed refresh (an outbox job): load and lock, re-render the same screen, edit, save."""
        try:
            async with remote.lock(session_id) as session:
                if session is None:
                    return
                await self._know_application()
                self.sessions.add(session)
                try:
                    result = await self._external_step(session, None, {}, origin="refresh")
                finally:
                    held = self._leave_working_set(session)
                await self._commit(remote, session, held)
        except SessionBusy:
            _LOG.info("flowfsm: session %s busy; its refresh is claimed again after the lease", session_id)
            return
        except Exception:
            _LOG.exception("flowfsm: refreshing stored session %s failed", session_id)
            return
        if result.status == SENT:
            self.live_stats.refreshes += 1
        elif result.status == UNREACHABLE:
            self.live_stats.unreachable += 1
