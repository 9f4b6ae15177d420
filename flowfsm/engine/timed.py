"""Timed edges (``flow.transition(..., every=5)`` / ``after=30``): fired by the manager's one timer
(the expiry timer, on the injectable session clock), never by a task or timer per session.

Every interactive render of a state with timed edges (:meth:`Screens.render` calls
:meth:`Timed._plan_shown`) gives its session a *plan*: the state, when
it was entered and when each ``every`` edge last fired. The plan's next due time sits in one heap
for all sessions; the manager's single timer wakes at the earliest of that heap and of the
store's expiry deadlines (:meth:`Timed.next_wakeup`). A due edge is queued on the outbox and runs
as an interaction-less step (:meth:`External._external_step`): under the session's lock, so a
click that holds the lock finishes first; if that click moved the session to another state, the
plan it left is gone and the edge does not fire.

A render in the same state keeps the plan (a click does not restart a countdown); entering
another state starts a new one. ``every`` edges fire on their own cadence (a tick missed by more
than a period is skipped, never burst); ``after`` edges fire once per entry into the state. Timed
steps do not count as the user's activity: the session's idle timeout runs on. An edge that cannot
reach its menu (an ephemeral message past its token, see :mod:`flowfsm.engine.external`) does not
fire; the plan waits, and the user's next click (a fresh token) lets it fire at once.

A part of :class:`~flowfsm.engine.manager.FlowManager` (see ARCHITECTURE.md).
"""

from __future__ import annotations

import heapq
import itertools
from typing import Any

from flowfsm.define.flow import Flow, TransitionSpec
from flowfsm.engine.external import UNREACHABLE, External
from flowfsm.engine.session import Session

__all__ = ["Plan", "Timed", "TimedSchedule"]


class Plan:
    """One session's timed edges in its current state: when it entered, what fired, what is due."""

    __slots__ = ("done", "due", "edge", "entered", "flow", "inflight", "last", "session", "state", "waiting")

    def __init__(self, session: Session, now: float) -> None:
        self.session = session
        self.flow: Flow = session.flow
        self.state = session.state
        self.entered = now
        self.last: dict[str, float] = {}
        """Each ``every`` edge's last (scheduled) firing time."""
        self.done: set[str] = set()
        """The ``after`` edges that fired since the state was entered."""
        self.due: float | None = None
        self.edge: TransitionSpec | None = None
        self.waiting = False
        """Its menu could not be reached: it waits for the next render (a click)."""
        self.inflight = False
        """Its due edge is queued or running: renders meanwhile do not schedule it again."""

    def next_edge(self) -> tuple[float, TransitionSpec] | None:
        """The earliest due edge of the state (declaration order breaks ties)."""
        best: tuple[float, TransitionSpec] | None = None
        for edge in self.flow.timed_from(self.state):
            if edge.every is not None:
                due = self.last.get(edge.trigger, self.entered) + edge.every
            elif edge.trigger in self.done:
                continue
            else:
                due = self.entered + (edge.delay or 0.0)
            if best is None or due < best[0]:
                best = (due, edge)
        return best


class TimedSchedule:
    """Every session's plan, and one heap of due times (stale heap entries are skipped on pop)."""

    __slots__ = ("_heap", "_seq", "plans")

    def __init__(self) -> None:
        self.plans: dict[str, Plan] = {}
        self._heap: list[tuple[float, int, Plan]] = []
        self._seq = itertools.count()

    def __len__(self) -> int:
        return len(self.plans)

    def push(self, plan: Plan) -> float | None:
        """Put ``plan``'s next due edge on the heap; returns its due time (``None``: nothing left)."""
        found = plan.next_edge()
        if found is None:
            plan.due = plan.edge = None
            return None
        plan.due, plan.edge = found
        heapq.heappush(self._heap, (plan.due, next(self._seq), plan))
        if len(self._heap) > 2 * len(self.plans) + 64:
            self._compact()
        return plan.due

    def drop(self, session_id: str) -> None:
        """Forget a session's plan (its heap entry turns stale)."""
        self.plans.pop(session_id, None)

    def next_due(self) -> float | None:
        """The earliest due time of a current plan."""
        heap = self._heap
        while heap and not self._current(heap[0]):
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def pop_due(self, now: float) -> list[Plan]:
        """Take every plan whose edge is due at ``now`` (each is then in flight: ``due`` is None)."""
        heap = self._heap
        due: list[Plan] = []
        while heap and heap[0][0] <= now:
            entry = heapq.heappop(heap)
            if self._current(entry):
                plan = entry[2]
                plan.due = None
                plan.inflight = True
                due.append(plan)
        return due

    def _current(self, entry: tuple[float, int, Plan]) -> bool:
        plan = entry[2]
        return self.plans.get(plan.session.id) is plan and plan.due == entry[0] and not plan.waiting

    def _compact(self) -> None:
        self._heap = [entry for entry in self._heap if self._current(entry)]
        heapq.heapify(self._heap)


class Timed(External):
    """Timed edges: plans made on render, one heap, fired from the manager's single timer."""

    def _plan_shown(self, session: Session) -> None:
        """Every interactive render: plan the state's timed edges (nothing for a state without)."""
        plans = self._timed.plans
        if (plans and session.id in plans) or session.flow.timed_from(session.state):
            self._plan(session)

    def _plan(self, session: Session) -> None:
        """Keep (same state) or start (new state) the session's plan and schedule its next edge."""
        schedule = self._timed
        plan = schedule.plans.get(session.id)
        if session.ended or not session.flow.timed_from(session.state):
            if plan is not None:
                schedule.drop(session.id)
            return
        if plan is None or plan.state != session.state or plan.flow is not session.flow:
            plan = schedule.plans[session.id] = Plan(session, self.clock())
        elif plan.inflight or (plan.due is not None and not plan.waiting):
            return  # on the heap for this state already, or its edge is running (it schedules next)
        plan.waiting = False
        due = schedule.push(plan)
        if due is not None and (self._timer_at is None or due < self._timer_at):
            self._arm_timer()

    def _forget_live(self, session: Session) -> None:
        super()._forget_live(session)
        self._timed.drop(session.id)

    def next_wakeup(self) -> float | None:
        """The earliest of the store's expiry deadlines and the timed edges' due times."""
        deadline = super().next_wakeup()
        due = self._timed.next_due()
        if due is None:
            return deadline
        return due if deadline is None else min(due, deadline)

    def _on_timer(self) -> None:
        self._timer = self._timer_at = None
        self.tick()

    def tick(self, now: float | None = None) -> int:
        """Do what is due at ``now`` (default: the clock): queue due timed edges, then expire idle
        sessions (see :meth:`expire_due`, which re-arms the timer). Returns how many expired.
        The manager's timer calls this; tests with ``auto_expire=False`` call it themselves."""
        now = self.clock() if now is None else now
        due = self._timed.pop_due(now)
        if due:
            self.outbox.put_each(self._run_timed, due)
        return self.expire_due(now)

    async def _run_timed(self, plan: Plan) -> None:
        """Fire a plan's due edge as an interaction-less step, then schedule the plan's next edge."""
        edge = plan.edge
        session = plan.session
        try:
            if edge is None or self._timed.plans.get(session.id) is not plan:
                return
            last, done = plan.last.get(edge.trigger), edge.trigger in plan.done
            self._record_firing(plan, edge)
            result = await self._external_step(
                session,
                edge.trigger,
                {},
                origin="timed",
                still=lambda: self._timed.plans.get(session.id) is plan,
            )
            if result.status == UNREACHABLE:
                # Not fired: it fires once the user's next click brings a fresh token.
                if last is None:
                    plan.last.pop(edge.trigger, None)
                else:
                    plan.last[edge.trigger] = last
                if not done:
                    plan.done.discard(edge.trigger)
                plan.waiting = True
                return
        finally:
            plan.inflight = False
        if self._timed.plans.get(session.id) is plan and plan.due is None and not session.ended:
            pushed = self._timed.push(plan)
            if pushed is not None and (self._timer_at is None or pushed < self._timer_at):
                self._arm_timer()

    def _record_firing(self, plan: Plan, edge: TransitionSpec) -> None:
        """Note that ``edge`` fires now: ``every`` on its cadence (a tick missed by more than a
        period, behind a long-held lock, is skipped rather than burst), ``after`` once."""
        if edge.every is None:
            plan.done.add(edge.trigger)
            return
        due = plan.last.get(edge.trigger, plan.entered) + edge.every
        now = self.clock()
        plan.last[edge.trigger] = due if now - due < edge.every else now

    def timed_plans(self) -> dict[str, Any]:
        """Each session's next timed edge: ``{session id: (trigger, due time)}`` (playground, tests)."""
        return {
            sid: (plan.edge.trigger, plan.due)
            for sid, plan in self._timed.plans.items()
            if plan.edge is not None and plan.due is not None
        }
