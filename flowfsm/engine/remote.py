"""Sessions kept outside the process: a click fetches and locks its session from a
:class:`~flowfsm.engine.store.RemoteStore` (e.g. :class:`~flowfsm.engine.stores.redis.RedisStore`),
runs its step here, and saves it back and lets go at the end.

**The seam.** The engine's parts reach sessions through the synchronous
:class:`~flowfsm.engine.store.SessionStore` protocol, many times per click (get, touch, record the
message, end). A remote store answers over the network, so it is reached only at the edges of a
step, with asynchronous calls: the click's session is loaded and locked (one round trip), put in
the process's *working set* (a :class:`~flowfsm.engine.memory_store.MemoryStore` the façade makes)
for the step, then saved and unlocked (one round trip) and dropped from the working set. So the
parts of the engine are the same for every store, a click costs two round trips, and with the
default store nothing of this runs (one ``is None`` test per click, no serialization).

* **Items** (callables) are not stored: a loaded session's current screen is rendered again
  (``before_render`` and the render function, with the stored data, page and options) to recover
  the items the user sees, without counting a new screen, before the click is checked against them.
* **Busy.** A click of a session whose step runs on another replica waits for its lock, up to the
  store's ``wait`` (a REST bot's reply is deferred after ``defer_after`` as usual), then gets the
  "busy" reply: a bounded wait rather than an immediate refusal, because a second click landing
  while the first one's reply travels is ordinary, and the wait is shorter than Discord's 3 s.
* **Storable values** are checked when the step renders (inside the step, before its response):
  a value that cannot be stored ends the step with the error reply and a log naming flow, state
  and key, instead of a reply the store then cannot keep.
* **Lost lease.** A step whose lock's lease ran out (another replica took the session over) does
  not commit: the store refuses its save (logged at WARNING).
* **Interrupted steps.** A step whose process died after it began and before its save may have
  had effects (a purchase) the stored screen does not show: the next click of its owner runs
  nothing and answers with the menu drawn afresh (a double click whose first half died does not
  run twice).
* **Replays across processes.** Each process remembers the interactions it handled; the store
  also refuses an interaction that already took its session once on any process (a step whose
  process died before its save, sent again elsewhere), so one interaction never runs twice.
* **Flows that changed** between deploys: a snapshot whose state vanished (and no migration names
  it) or whose data no longer decodes loads as nothing, so the click gets the expired reply with
  "Open again".
* **Replacement**: a user's new session of a flow replaces the previous one (disabled, its
  ``on_timeout`` run), whichever process holds it, as with the memory store.
* **Expiry**: one loop task per process asks the store for due sessions (each claimed by exactly
  one process) every ``store.poll`` seconds or at the next stored deadline if sooner; deadlines
  live in the store, so a restart resets no timeout, and there is no task per idle session.

A part of :class:`~flowfsm.engine.manager.FlowManager` (see ARCHITECTURE.md).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import hikari

from flowfsm.define.context import Context
from flowfsm.engine import custom_id, logs, trust
from flowfsm.engine.response import Responder
from flowfsm.engine.session import Session
from flowfsm.engine.store import RemoteStore
from flowfsm.engine.watch import Watching
from flowfsm.errors import AlreadyHandled, LockLost, SessionBusy, SnapshotError

__all__ = ["Remote"]

_LOG = logs.get_logger("flowfsm")
_SHORTEST_POLL = 0.05  # a due session whose step runs is claimed after that step: do not spin


async def _nothing() -> None:
    """The work of a step that only redraws."""


class Remote(Watching):
    """Sessions kept outside the process: load and lock at the start of a step, save and unlock at its end."""

    async def _remote_click(
        self,
        remote: RemoteStore,
        interaction: hikari.ComponentInteraction | hikari.ModalInteraction,
        responder: Responder,
    ) -> None:
        """A click of a stored session: load and lock it, recover its items, run the click, save."""
        parsed = custom_id.parse(interaction.custom_id)
        flow = self.flows.get(parsed.flow) if parsed is not None else None
        if parsed is None or flow is None:
            # Refusals and "Open again" (whose ids never parse as an item's) load nothing.
            return await self._click(interaction, responder)
        self.application_id = int(interaction.application_id)
        self._arm_timer()
        # Waiting for another replica's step of this session counts towards the defer deadline.
        self._defers.add(responder, self.defer_after)
        try:
            async with remote.lock(parsed.session_id, int(interaction.id)) as session:
                if session is None:
                    return await self._click(interaction, responder)  # the expired reply
                if not await self._recover(remote, session, interaction, responder):
                    return None
                self.sessions.add(session)
                try:
                    if remote.interrupted(session) and self._may_redraw(session, interaction):
                        await self._redraw(session, interaction, responder)
                    else:
                        await self._click(interaction, responder)
                finally:
                    held = self._leave_working_set(session)  # False: the step ended the session
                await self._commit(remote, session, held)
        except SessionBusy:
            await self._refuse(responder, self.texts.busy, flow, reason="busy")
        except AlreadyHandled:
            # Taken once already (here or on another process): nothing runs again.
            reply = self._replayed(interaction)
            if reply is not None and responder.future is not None and not responder.future.done():
                responder.future.set_result(reply)
        except Exception:
            _LOG.exception("flowfsm: the session store failed for a click on session %s", parsed.session_id)
            await self._refuse(responder, self.texts.error, flow, reason="error")
        finally:
            self._defers.discard(responder)
        return None

    def _may_redraw(self, session: Session, interaction: Any) -> bool:
        """Only its owner's click, on its menu message, carrying the clicked id, redraws a menu
        (anything else goes the usual way, to its refusal)."""
        message = getattr(interaction, "message", None)
        return (
            isinstance(interaction, hikari.ComponentInteraction)
            and int(interaction.user.id) == session.user_id
            and message is not None
            and session.message_id in (None, int(message.id))
            and trust.message_carries(message, interaction.custom_id)
        )

    async def _redraw(self, session: Session, interaction: Any, responder: Responder) -> None:
        """The session's previous step died with its process after it began (its effects, a
        purchase say, may be done while the stored screen does not show them): this click runs
        nothing and answers with the menu drawn afresh, as a step without an action."""
        _LOG.info("flowfsm: session %s: its last step was interrupted; redrawing", session.id)
        ctx = Context(self, session, interaction)
        self.sessions.touch(session)
        await self._step(ctx, responder, _nothing)

    async def _recover(
        self, remote: RemoteStore, session: Session, interaction: Any, responder: Responder
    ) -> bool:
        """Render the loaded session's screen again to recover its items (the same screen: its
        number does not move). ``False`` (the session ended, the user told) when that fails."""
        screen = session.screen
        try:
            await self.render(Context(self, session, interaction))
        except Exception:
            _LOG.exception(
                "flowfsm: re-rendering stored session %s (flow %r, state %r) failed; it ends",
                session.id,
                session.flow.name,
                session.state,
                extra=logs.fields(session),
            )
            self._forget_live(session)  # the failed render may have indexed it
            await remote.remove(session)
            await self._refuse(responder, self.texts.error, session.flow, reason="error")
            return False
        finally:
            session.screen = screen
        return True

    def _leave_working_set(self, session: Session) -> bool:
        """The step is over: the session leaves the working set and the live indexes (flow index,
        timed plan, watches), which would otherwise keep the object after the store took it back.
        ``False`` when it was not held (the step ended it)."""
        self._forget_live(session)
        return self.sessions.remove(session)

    async def _commit(self, remote: RemoteStore, session: Session, held: bool) -> None:
        """Save the session after its step (or forget it when the step ended it); let go of it."""
        try:
            if held and not session.ended:
                await remote.save(session)
            else:
                await remote.remove(session)
        except LockLost:
            _LOG.warning(
                "flowfsm: session %s: the step's lock lease ran out and another step took the "
                "session; this step's changes are not stored",
                session.id,
                extra=logs.fields(session),
            )
        except SnapshotError as exc:
            # A value stored after the render (an after_render hook): the step already answered.
            _LOG.error("flowfsm: session %s cannot be stored and ends: %s", session.id, exc)
            await remote.remove(session)
            self.telemetry.session_ended(session, "error")
            ctx = Context(self, session, None)
            self.outbox.put(lambda: self._close_message(session, disabled=True, ctx=ctx))

    async def _begin(
        self, session: Session, interaction: hikari.PartialInteraction, responder: Responder
    ) -> None:
        remote = self.remote
        if remote is None:
            return await super()._begin(session, interaction, responder)
        self._arm_timer()
        async with contextlib.AsyncExitStack() as holding:
            try:
                # Stored and locked before its first step: a click racing the reply waits for it.
                previous = await holding.enter_async_context(remote.lock_new(session))
            except SnapshotError as exc:  # start options that cannot be stored
                _LOG.error("flowfsm: session of flow %r cannot be stored: %s", session.flow.name, exc)
                return await self._refuse(responder, self.texts.error, session.flow, reason="error")
            if previous is not None:
                await self._replace(remote, previous)
            try:
                await super()._begin(session, interaction, responder)
            finally:
                held = self._leave_working_set(session)
            await self._commit(remote, session, held)
        return None

    async def _replace(self, remote: RemoteStore, previous: str) -> None:
        """The user's open session of the same flow is replaced by the new one, whichever process
        holds it: it is removed from the store, its ``on_timeout`` hooks run and its menu is
        disabled (as the memory store's replacement does)."""
        old = await remote.take(previous)
        if old is None:
            return
        old.ended = True
        self.telemetry.session_ended(old, "replaced")
        self.outbox.put(lambda: self._timed_out(old, "replaced"))

    # -- expiry ------------------------------------------------------------------------------------

    def _arm_timer(self) -> None:
        if self.remote is None:
            return super()._arm_timer()
        if self.auto_expire and self._poller is None:
            self._poller = asyncio.get_running_loop().create_task(self._poll(self.remote))
        return None

    async def _poll(self, remote: RemoteStore) -> None:
        """The process's one expiry task: claim due sessions, then wait for the next deadline."""
        while True:
            try:
                deadline = await self._poll_once(remote)
            except Exception:
                _LOG.warning("flowfsm: looking for due sessions in the store failed", exc_info=True)
                deadline = None
            wait = remote.poll if deadline is None else deadline - self.clock()
            await self._poll_wait(min(remote.poll, max(_SHORTEST_POLL, wait)))

    async def _poll_once(self, remote: RemoteStore) -> float | None:
        """One look for due work in the store; the next time to look (engine clock) or ``None``."""
        await self.expire_stored()
        return await remote.next_deadline()

    async def _poll_wait(self, seconds: float) -> None:
        """Wait before the next look (live menus wake it sooner)."""
        await asyncio.sleep(seconds)

    async def expire_stored(self, now: float | None = None) -> int:
        """Expire the stored sessions due at ``now`` (default: the clock): each is claimed by
        exactly one process, here removed from the store; its ``on_timeout`` hooks and the edit
        disabling its menu are queued on the outbox. Returns the count (0 without a remote store)."""
        remote = self.remote
        if remote is None:
            return 0
        now = self.clock() if now is None else now
        count = 0
        while True:
            expired = await remote.claim_expired(now)
            for session in expired:
                session.ended = True
            self.telemetry.sessions_expired(expired)
            self.outbox.put_each(self._timed_out, expired)
            count += len(expired)
            if len(expired) < 100:
                return count

    async def _on_message_delete(self, event: hikari.MessageDeleteEvent) -> None:
        if self.remote is None:
            return await super()._on_message_delete(event)
        session = await self.remote.by_message(int(event.message_id))
        if session is None:
            return None
        _LOG.info(
            "flowfsm: session %s ended, its message was deleted", session.id, extra=logs.fields(session)
        )
        await self.remote.remove(session)  # a step running elsewhere finds it gone and stores nothing
        session.ended = True
        self.telemetry.session_ended(session, "message_deleted")
        self.outbox.put(lambda: self._timed_out(session, "deleted"))
        return None

    async def _stop_remote(self) -> None:
        """Stop the expiry task (the store's client stays the bot's to close)."""
        poller, self._poller = self._poller, None
        if poller is not None:
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller
