"""Ending idle sessions: one loop timer for every deadline, ``on_timeout`` hooks after any running
step, the disabling edits queued on the outbox.

A part of :class:`~flowfsm.engine.manager.FlowManager` (see ARCHITECTURE.md).
"""

from __future__ import annotations

import asyncio

from flowfsm.define import lifecycle
from flowfsm.define.context import Context
from flowfsm.engine import logs, trust
from flowfsm.engine.delivery import Delivery
from flowfsm.engine.session import Session

__all__ = ["Expiry"]

_LOG = logs.get_logger("flowfsm")


class Expiry(Delivery):
    """Ending idle sessions: one loop timer for every deadline, ``on_timeout`` hooks after any running"""

    def expire_due(self, now: float | None = None) -> int:
        """Expire every session past its deadline: each is removed now; its on-timeout hooks
        and the edit disabling its components are queued on the outbox. Returns the count."""
        expired = self.sessions.pop_expired(now)
        self.telemetry.sessions_expired(expired)
        for session in expired:
            session.ended = True
            if self._awaiting:
                self._track_input(session)
        self.outbox.put_each(self._timed_out, expired)
        self._arm_timer()
        return len(expired)

    def _finish(self, session: Session, reason: str) -> None:
        """End a session from outside its steps (its menu was deleted or replaced): its
        ``on_timeout`` hooks run with ``ctx.end_reason`` set, after any running step."""
        self._end(session, "message_deleted" if reason == "deleted" else reason)
        self.outbox.put(lambda: self._timed_out(session, reason))

    async def _timed_out(self, session: Session, reason: str = "timeout") -> None:
        """Run an ended session's ``on_timeout`` hooks and disable its menu.

        Serialized with the session's steps: a step that was running when the session expired
        finishes first (its result stands, shown without live components since the session has
        ended), then ``on_timeout`` runs — on the state the step left, so a sub-flow's completion
        handler has returned to the parent before the parent's hooks run.
        """
        async with self.sessions.lock(session):
            ctx = Context(self, session, None)
            ctx.end_reason = reason
            if reason == "timeout" and lifecycle.detailed(self):
                lifecycle.trace(ctx, "timeout", session.state, session.state, None)
            try:
                await lifecycle.run_hooks(ctx, "on_timeout")
            except Exception as exc:
                _LOG.error(
                    "flowfsm: on_timeout hook failed in flow %r, session %s: %s",
                    session.flow.name,
                    session.id,
                    trust.redact(repr(exc)),
                    extra=logs.fields(session),
                )
            if reason != "deleted":
                await self._close_message(session, disabled=True, ctx=ctx)
        self.sessions.release(session)

    def _arm_timer(self) -> None:
        if not self.auto_expire:
            return
        deadline = self.next_wakeup()
        if deadline is None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = self._timer_at = None
            return
        if self._timer is not None and self._timer_at is not None and self._timer_at <= deadline:
            return
        if self._timer is not None:
            self._timer.cancel()
        loop = asyncio.get_running_loop()
        self._timer_at = deadline
        self._timer = loop.call_later(max(0.0, deadline - self.clock()), self._on_timer)

    def next_wakeup(self) -> float | None:
        """When the timer must next fire: the earliest expiry deadline (live parts add theirs)."""
        return self.sessions.next_deadline()

    def _on_timer(self) -> None:
        self._timer = self._timer_at = None
        self.expire_due()
