"""What the engine tells operators: one small interface between the engine and metrics, spans and logs.

The engine reports facts through :class:`Telemetry` with one-line calls (a session started or
ended, a click refused, a transition, a step's phases, an expiry edit). With nothing configured
the manager holds :data:`OFF`, whose methods do nothing and whose :meth:`Telemetry.step` returns
one shared no-op probe: a click pays a few empty method calls, no clock reads, no allocation.

With metrics (:class:`flowfsm.engine.metrics.PrometheusMetrics`) or OpenTelemetry spans
(:mod:`flowfsm.engine.spans`), :class:`Instruments` times each step with a :class:`StepProbe` and hands
the finished :class:`StepRecord` to both. Every label and attribute comes from a bounded set —
flow, state and trigger names from the flow's definition, and the reasons and outcomes below —
never from a user id, a session id (metrics), a token or what a user typed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from flowfsm.engine.render import NEXT_KEY, PREVIOUS_KEY

if TYPE_CHECKING:
    from flowfsm.define.context import Context
    from flowfsm.define.flow import Flow
    from flowfsm.engine.manager import FlowManager
    from flowfsm.engine.session import Session

__all__ = [
    "AFTER",
    "CALLBACKS",
    "END_REASONS",
    "NO_FLOW",
    "NO_PROBE",
    "OFF",
    "OUTCOMES",
    "PHASES",
    "REFUSAL_REASONS",
    "RENDER",
    "RESPONSE",
    "Instruments",
    "MetricsSink",
    "SpanSink",
    "StepProbe",
    "StepRecord",
    "Telemetry",
    "build",
    "spans_from",
    "trigger_of",
]

END_REASONS = ("completed", "cancelled", "timeout", "error", "message_deleted", "replaced")
"""Why a session ended: a final state or ``ctx.close()``; Cancel (or a guard refusing before the
first screen); idle past its timeout; an error or a step over ``step_timeout``; its message or
interaction is gone; a newer session of the same user and flow replaced it."""

REFUSAL_REASONS = (
    "expired",
    "not_yours",
    "earlier_screen",
    "invalid",
    "busy",
    "rate_limited",
    "guard",
    "error",
)
"""Why a click ran nothing: unknown or ended session; another user's menu; a button of an earlier
screen (or another message); a custom id or item that cannot fire; the session's queue is full;
the user clicks too fast; a guard said no; the "Open again" resume function raised. ``busy`` and
``rate_limited`` are counted once the engine refuses for those reasons. Anything else is
counted as ``other`` so the label set stays bounded."""

OUTCOMES = ("ok", "guard", "gone", "error", "timeout", "cancelled")
"""How a step ended: shown; refused by a guard; its message or interaction was gone; a callback
raised; it ran past ``step_timeout``; it was cancelled from outside (shutdown)."""

PHASES = ("callbacks", "render", "response")
"""The parts of a step that are timed: the item's action or trigger with its hooks; the
``before_render`` hooks, the render function and building the message; sending it to Discord."""

CALLBACKS, RENDER, RESPONSE, AFTER = 0, 1, 2, 3
"""Marks of a step, in order (``AFTER``: the response is out, ``after_render`` hooks run)."""


def trigger_of(item: Any) -> str:
    """A bounded name for what a step ran: ``start``, ``next``/``previous``, ``action``, the
    item's trigger name (from the flow's definition), ``modal`` or ``select``."""
    if item is None:
        return "start"
    key = getattr(item, "id", None)
    if key == NEXT_KEY:
        return "next"
    if key == PREVIOUS_KEY:
        return "previous"
    if getattr(item, "action", None) is not None:
        return "action"
    trigger = getattr(item, "trigger", None)
    if trigger:
        return str(trigger)
    return "modal" if hasattr(item, "on_submit") else "select"


@dataclass(slots=True)
class StepRecord:
    """One finished step, as metrics and spans see it (no user content, no token)."""

    flow: str
    state: str
    trigger: str
    session: str
    outcome: str
    error_type: str | None
    deferred: bool
    started_ns: int
    """Wall-clock start (``time.time_ns()``), for spans."""
    marks: tuple[int, int, int, int]
    """``perf_counter_ns()`` at the start of each phase and at ``AFTER``; ``0`` if not reached."""
    ended: int
    """``perf_counter_ns()`` when the step ended."""

    @property
    def seconds(self) -> float:
        """The whole step, in seconds."""
        return (self.ended - self.marks[CALLBACKS]) / 1e9

    def phases(self) -> list[tuple[str, int, int]]:
        """``(phase, start, end)`` in ``perf_counter_ns`` for each phase the step reached; a
        phase ends where the next one starts, or where the step ended."""
        callbacks, render, response, after = self.marks
        after = after or self.ended
        spans = [("callbacks", callbacks, render or response or after)]
        if render:
            spans.append(("render", render, response or after))
        if response:
            spans.append(("response", response, after))
        return spans

    def wall_ns(self, perf_ns: int) -> int:
        """A ``perf_counter_ns`` instant as wall-clock nanoseconds (for span timestamps)."""
        return self.started_ns + (perf_ns - self.marks[CALLBACKS])


class MetricsSink(Protocol):
    """What a metrics backend receives (see :class:`flowfsm.engine.metrics.PrometheusMetrics`)."""

    def bind(self, manager: FlowManager) -> None: ...
    def flow_registered(self, flow: Flow) -> None: ...
    def session_started(self, flow: str) -> None: ...
    def sessions_ended(self, flow: str, reason: str, count: int = 1) -> None: ...
    def refused(self, flow: str, reason: str) -> None: ...
    def transition(self, flow: str, source: str, trigger: str, dest: str) -> None: ...
    def step(self, record: StepRecord) -> None: ...
    def outbox_edit(self, sent: bool) -> None: ...


class SpanSink(Protocol):
    """What a span backend receives (see :mod:`flowfsm.engine.spans`)."""

    def active(self) -> bool: ...
    def step(self, record: StepRecord) -> None: ...


class _NoStep:
    """The probe of a step nobody measures: every method does nothing."""

    __slots__ = ()

    def mark(self, phase: int) -> None:
        """Nothing to record."""

    def outcome(self, outcome: str, error: BaseException | None = None) -> None:
        """Nothing to record."""

    def done(self) -> None:
        """Nothing to report."""


NO_PROBE = _NoStep()
"""The probe :meth:`Telemetry.step` returns when nobody measures: a step may skip its marks."""


class Telemetry:
    """The engine's reporting interface; this base class reports nothing (see :data:`OFF`)."""

    __slots__ = ()

    def bind(self, manager: FlowManager) -> None:
        """The manager this reports for (gauges read its outbox)."""

    def flow_registered(self, flow: Flow) -> None:
        """A flow was registered (its counters can start at zero)."""

    def step(self, ctx: Context, responder: Any = None, trigger: str | None = None) -> StepProbe | _NoStep:
        """A step begins (its callbacks phase); returns the probe the step marks and finishes."""
        return NO_PROBE

    def session_started(self, session: Session) -> None:
        """A session was opened and is held."""

    def session_ended(self, session: Session, reason: str) -> None:
        """A held session was removed, for ``reason`` (one of :data:`END_REASONS`)."""

    def sessions_expired(self, sessions: Iterable[Session]) -> None:
        """Idle sessions were removed on their deadline."""

    def refused(self, flow: Flow | None, reason: str) -> None:
        """A click ran nothing, for ``reason`` (one of :data:`REFUSAL_REASONS`)."""

    def transition(self, flow: str, source: str, trigger: str, dest: str) -> None:
        """The flow's machine changed state."""

    def outbox_edit(self, sent: bool) -> None:
        """A background edit of an ended menu was sent (or dropped: the message is gone)."""


OFF = Telemetry()
"""Telemetry that reports nothing: the manager's default."""


class StepProbe:
    """Times one step: the engine marks where each phase starts and how the step ended."""

    __slots__ = (
        "_error",
        "_outcome",
        "_owner",
        "ctx",
        "flow",
        "marks",
        "responder",
        "started_ns",
        "state",
        "trigger",
    )

    def __init__(self, owner: Instruments, ctx: Context, responder: Any, trigger: str | None) -> None:
        self._owner = owner
        self.ctx = ctx
        self.responder = responder
        self.trigger = trigger
        # The flow and state the step started in (a transition changes the session's).
        self.flow = ctx.session.flow.name
        self.state = ctx.session.state
        self._outcome = "ok"
        self._error: str | None = None
        self.started_ns = time.time_ns()
        self.marks = [time.perf_counter_ns(), 0, 0, 0]

    def mark(self, phase: int) -> None:
        """Phase ``phase`` (``RENDER``, ``RESPONSE``, ``AFTER``) starts now."""
        self.marks[phase] = time.perf_counter_ns()

    def outcome(self, outcome: str, error: BaseException | None = None) -> None:
        """How the step ended (one of :data:`OUTCOMES`); ``error``'s type name is kept, never its text."""
        self._outcome = outcome
        if error is not None:
            self._error = type(error).__name__

    def done(self) -> None:
        """The step is over: report it."""
        ended = time.perf_counter_ns()
        ctx = self.ctx
        session = ctx.session
        self._owner.step_done(
            StepRecord(
                flow=self.flow,
                state=self.state,
                trigger=self.trigger or trigger_of(ctx.item),
                session=session.id,
                outcome=self._outcome,
                error_type=self._error,
                deferred=bool(getattr(self.responder, "deferred", False)),
                started_ns=self.started_ns,
                marks=(self.marks[0], self.marks[1], self.marks[2], self.marks[3]),
                ended=ended,
            )
        )


class Instruments(Telemetry):
    """Telemetry feeding a metrics backend and/or a span backend (either may be ``None``)."""

    __slots__ = ("manager", "metrics", "spans")

    def __init__(self, metrics: MetricsSink | None = None, spans: SpanSink | None = None) -> None:
        self.metrics = metrics
        self.spans = spans
        self.manager: FlowManager | None = None

    def bind(self, manager: FlowManager) -> None:
        """Let the metrics read the manager's outbox and HTTP traffic."""
        self.manager = manager
        if self.metrics is not None:
            self.metrics.bind(manager)

    def flow_registered(self, flow: Flow) -> None:
        """Start the flow's counters at zero."""
        if self.metrics is not None:
            self.metrics.flow_registered(flow)

    def step(self, ctx: Context, responder: Any = None, trigger: str | None = None) -> StepProbe | _NoStep:
        """A probe when anything listens (metrics, or a configured OpenTelemetry), else the no-op."""
        if self.metrics is None and (self.spans is None or not self.spans.active()):
            return NO_PROBE
        return StepProbe(self, ctx, responder, trigger)

    def step_done(self, record: StepRecord) -> None:
        """Hand a finished step to the backends."""
        if self.metrics is not None:
            self.metrics.step(record)
        if self.spans is not None and self.spans.active():
            self.spans.step(record)

    def session_started(self, session: Session) -> None:
        """Count the session under its (root) flow."""
        if self.metrics is not None:
            self.metrics.session_started(session.root_flow.name)
            if self.manager is not None:
                # The bot's REST client runs by now: count its requests (a no-op once attached).
                self.metrics.bind(self.manager)

    def session_ended(self, session: Session, reason: str) -> None:
        """Count the end under its (root) flow and reason."""
        if self.metrics is not None:
            self.metrics.sessions_ended(session.root_flow.name, _bounded(reason, END_REASONS))

    def sessions_expired(self, sessions: Iterable[Session]) -> None:
        """Count expired sessions per flow, one update per flow (expiry may remove thousands)."""
        if self.metrics is None:
            return
        counts: dict[str, int] = {}
        for session in sessions:
            name = session.root_flow.name
            counts[name] = counts.get(name, 0) + 1
        for name, count in counts.items():
            self.metrics.sessions_ended(name, "timeout", count)

    def refused(self, flow: Flow | None, reason: str) -> None:
        """Count a refusal; the flow is one the manager holds, never a name from a custom id."""
        if self.metrics is not None:
            self.metrics.refused(
                flow.name if flow is not None else NO_FLOW, _bounded(reason, REFUSAL_REASONS)
            )

    def transition(self, flow: str, source: str, trigger: str, dest: str) -> None:
        """Count a state change."""
        if self.metrics is not None:
            self.metrics.transition(flow, source, trigger, dest)

    def outbox_edit(self, sent: bool) -> None:
        """Count a background edit."""
        if self.metrics is not None:
            self.metrics.outbox_edit(sent)


NO_FLOW = "(none)"
"""The flow label of a refusal whose custom id names no registered flow."""


def _bounded(value: str, allowed: tuple[str, ...]) -> str:
    return value if value in allowed else "other"


def build(metrics: MetricsSink | None, spans: SpanSink | None) -> Telemetry:
    """The manager's telemetry: :data:`OFF` when there is nothing to report to."""
    if metrics is None and spans is None:
        return OFF
    return Instruments(metrics, spans)


def spans_from(traces: Any) -> SpanSink | None:
    """The span backend for ``FlowManager(traces=...)``: ``None`` means automatic (spans through
    OpenTelemetry's global provider when ``opentelemetry-api`` is installed and a provider is
    configured), ``False`` off, or a ``TracerProvider`` to use."""
    if traces is False:
        return None
    try:
        from flowfsm.engine.spans import spans_for
    except ImportError:
        if traces is None:
            return None
        raise ImportError('traces need opentelemetry-api: pip install "flowfsm[traces]"') from None
    return spans_for(traces)
