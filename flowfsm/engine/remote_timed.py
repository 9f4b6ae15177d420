"""Timed edges with a remote store: the plan lives with the session in the store, so any replica
fires it and a restart or a deploy loses nothing.

With the default store a timed edge is planned in the process's heap (:mod:`flowfsm.engine.timed`).
With a :class:`~flowfsm.engine.store.LiveStore` (e.g. :class:`~flowfsm.engine.stores.redis.RedisStore`)
a session sits in the process only during a step, so:

* **The plan is part of the session.** When a step ends, the session's plan (the state, when it
  was entered, the last firing of each ``every`` edge, the ``after`` edges fired, whether it waits
  for a click) goes into its snapshot, and its next due time into the store's index of due times,
  in the save's one round trip (a click still costs two). The next step of the session, on any
  replica, takes the plan back before it renders: a click in the same state does not restart a
  countdown, as with the default store.
* **One claim per due time.** Each replica's one poll task (the one that expires stored sessions)
  claims due entries in one script (:meth:`~flowfsm.engine.store.LiveStore.claim_live`): each goes
  to one replica, and its due time moves one lease ahead, so a claim whose replica dies is claimed
  again after the lease, not lost. The claimer loads and locks the session like a click, checks
  that the plan *it loaded* has an edge due, fires it as the usual interaction-less step
  (:meth:`~flowfsm.engine.external.External._external_step`) and saves the plan with its next due
  time. The check is what makes the firing exactly-once: the plan and the save are fenced by the
  session's lock, so a second claim of the same due time (a lease that ran out while the edge
  fired) loads the plan the first one saved and finds nothing due.
* **A session held by a step elsewhere** is not claimed: that step's save writes the due time
  again (still due), and the edge fires right after it.
* **Still no task per idle session**: due times are entries in the store, and each replica's poll
  task wakes at the earliest of them (or every ``store.poll`` seconds for those other replicas
  planned).

A part of :class:`~flowfsm.engine.manager.FlowManager` (see ARCHITECTURE.md).
"""

from __future__ import annotations

import asyncio
import math

from flowfsm.define.flow import Flow
from flowfsm.engine import logs
from flowfsm.engine.remote_live import RemoteLive
from flowfsm.engine.session import PlanRecord, Session
from flowfsm.engine.store import RemoteStore
from flowfsm.engine.timed import Plan
from flowfsm.errors import SessionBusy

__all__ = ["RemoteTimed"]

_LOG = logs.get_logger("flowfsm")


class RemoteTimed(RemoteLive):
    """Timed edges with a remote store: plans kept with the session, fired by any replica."""

    def _check_remote_live(self, flow: Flow) -> None:
        super()._check_remote_live(flow)
        if self.remote is not None and flow.transitions and any(tr.timed for tr in flow.transitions):
            self._start_polling()

    def _start_polling(self) -> None:
        """Start the poll task now when a loop runs (a bot restarted with plans in the store
        fires them without waiting for a click); otherwise the first step starts it."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        self._arm_timer()

    # -- the plan travels with the session ---------------------------------------------------------

    def _adopt_shown(self, session: Session) -> None:
        """A render with a remote store, first of the screen hooks: take back the stored plan."""
        self._adopt_plan(session)

    def _adopt_plan(self, session: Session) -> Plan | None:
        """Take back the plan the store kept with a loaded session (once, before it renders)."""
        record, session.timed = session.timed, None
        plans = self._timed.plans
        if (
            record is not None
            and session.id not in plans
            and record.flow == session.flow.name
            and record.state == session.state
        ):
            plan = plans[session.id] = Plan(session, record.entered)
            plan.last = dict(record.last)
            plan.done = set(record.done)
            plan.waiting = record.waiting
        plan = plans.get(session.id)
        return plan if plan is not None and plan.session is session else None

    def _plan(self, session: Session) -> None:
        if self.remote is None:
            return super()._plan(session)
        # As Timed._plan, but the due time goes to the store with the save, not to this heap.
        plans = self._timed.plans
        plan = plans.get(session.id)
        if session.ended or not session.flow.timed_from(session.state):
            if plan is not None:
                self._timed.drop(session.id)
        elif plan is None or plan.state != session.state or plan.flow is not session.flow:
            plans[session.id] = Plan(session, self.clock())
        elif not plan.inflight:
            plan.waiting = False  # a render of the menu: a waiting edge may fire now
        return None

    def _leave_working_set(self, session: Session) -> bool:
        session.timed = self._plan_record(session)
        if session.timed is not None and session.timed.due is not None:
            self._wake_poll_by(session.timed.due)
        return super()._leave_working_set(session)

    def _plan_record(self, session: Session) -> PlanRecord | None:
        """The session's plan as the store keeps it, with its next due time."""
        plan = self._adopt_plan(session)
        if plan is None or session.ended:
            return None
        found = None if plan.waiting else plan.next_edge()
        return PlanRecord(
            plan.flow.name,
            plan.state,
            plan.entered,
            dict(plan.last),
            sorted(plan.done),
            plan.waiting,
            None if found is None else found[0],
        )

    # -- firing a stored plan ------------------------------------------------------------------------

    async def _fire_stored(self, remote: RemoteStore, session_id: str) -> None:
        """A claimed due time (an outbox job): load and lock the session, fire the edge its stored
        plan has due (if any: another claim may have fired it), save the plan's next due time."""
        try:
            async with remote.lock(session_id) as session:
                if session is None:
                    return  # ended meanwhile: its removal took it out of the due times
                await self._know_application()
                self.sessions.add(session)
                try:
                    await self._fire_due(session)
                finally:
                    held = self._leave_working_set(session)
                await self._commit(remote, session, held)
        except SessionBusy:
            # Held past the store's wait: the holder's save writes the due time again, and the
            # claim's lease brings it back if that holder died.
            _LOG.info("flowfsm: session %s busy; its timed edge fires after the step holding it", session_id)
        except Exception:
            _LOG.exception("flowfsm: firing a timed edge of stored session %s failed", session_id)

    async def _fire_due(self, session: Session) -> None:
        plan = self._adopt_plan(session)
        if plan is None and session.flow.timed_from(session.state):
            self._plan(session)  # stored before its state had timed edges (a deploy added them)
            plan = self._adopt_plan(session)
        if plan is None or plan.waiting:
            return
        found = plan.next_edge()
        if found is None or found[0] > self.clock():
            return  # not due (yet): the save writes its real due time back
        plan.due, plan.edge = None, found[1]
        plan.inflight = True
        self.live_stats.timed_fired += 1
        await self._run_timed(plan)

    # -- the poll task -------------------------------------------------------------------------------

    def _wake_poll_by(self, at: float) -> None:
        """Make this process's poll task look no later than ``at`` (engine clock)."""
        if at < self._poll_at:
            self._poll_at = at
            wake = self._poll_wake
            if wake is not None:
                wake.set()

    async def _poll_wait(self, seconds: float) -> None:
        # A wake-up asked for during the look (a step saved an earlier due time) shortens the wait.
        now = self.clock()
        seconds = min(seconds, max(0.0, self._poll_at - now))
        self._poll_at = now + seconds
        wake = self._poll_wake = asyncio.Event()
        try:
            await asyncio.wait_for(wake.wait(), seconds)
        except TimeoutError:
            pass
        finally:
            self._poll_at = math.inf
            self._poll_wake = None
