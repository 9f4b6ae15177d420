"""Tracing of every transition, in a bounded ring buffer (bots run for weeks).

Enable with ``FlowManager(..., tracer=Tracer(size=1000))``. Each event records the flow, the
states before and after, the trigger, the component clicked, the session and its user, the user
who clicked (``clicker``: on a shared menu, anyone allowed), and the time.
Guard refusals, errors and sub-flow calls are recorded too (``kind``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["DETAILED_KINDS", "TraceEvent", "Tracer"]

DETAILED_KINDS = frozenset({"render", "hook", "guard-check", "fire", "click", "stale", "timeout"})
"""Events only a :attr:`Tracer.detailed` tracer receives (what flow test coverage counts)."""


@dataclass(frozen=True, slots=True)
class TraceEvent:
    """One recorded event."""

    kind: str
    """``"start"``, ``"transition"``, ``"guard"``, ``"error"``, ``"subflow"``, ``"complete"``, ``"end"``;
    for a :attr:`Tracer.detailed` tracer also the :data:`DETAILED_KINDS`."""
    flow: str
    source: str
    dest: str
    trigger: str | None
    component: str | None
    session_id: str
    user_id: int
    at: float
    detail: str | None = None
    clicker: int | None = None
    """The user whose interaction caused the event (on a shared menu, not always ``user_id``, the
    session's owner); ``None`` for events without one (a timeout)."""


class Tracer:
    """A ring buffer of :class:`TraceEvent`; the oldest events drop off past ``size``."""

    detailed = False
    """Also receive the :data:`DETAILED_KINDS` (off: a bot's trace stays about navigation, and the
    engine does not build those events at all)."""

    def __init__(self, size: int = 1000) -> None:
        if size < 1:
            raise ValueError("tracer size must be at least 1")
        self.size = size
        self._events: deque[TraceEvent] = deque(maxlen=size)
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._events)

    def __iter__(self) -> Iterator[TraceEvent]:
        return iter(self._events)

    def record(self, event: TraceEvent) -> None:
        """Add an event (dropping the oldest when full)."""
        if len(self._events) == self.size:
            self.dropped += 1
        self._events.append(event)

    def events(
        self, *, session_id: str | None = None, flow: str | None = None, kind: str | None = None
    ) -> list[TraceEvent]:
        """Recorded events, oldest first, optionally filtered."""
        return [
            e
            for e in self._events
            if (session_id is None or e.session_id == session_id)
            and (flow is None or e.flow == flow)
            and (kind is None or e.kind == kind)
        ]

    def path(self, session_id: str) -> list[str]:
        """The states a session visited, in order (from the recorded events)."""
        states: list[str] = []
        for e in self._events:
            if e.session_id != session_id or e.kind not in ("start", "transition", "subflow", "complete"):
                continue
            if not states and e.kind != "start":
                states.append(e.source)
            states.append(e.dest)
        return states

    def paths(self, start: str, *, flow: str | None = None) -> list[list[str]]:
        """For each session that passed through ``start``, the states it visited from there on."""
        by_session: dict[str, list[str]] = {}
        for e in self._events:
            if e.kind != "transition" or (flow is not None and e.flow != flow):
                continue
            trail = by_session.get(e.session_id)
            if trail is None:
                if e.source != start:
                    continue
                trail = by_session[e.session_id] = [start]
            trail.append(e.dest)
        return list(by_session.values())

    def clear(self) -> None:
        """Forget every event."""
        self._events.clear()
        self.dropped = 0
