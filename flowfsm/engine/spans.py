"""OpenTelemetry spans of every step: ``flowfsm.engine.step`` with a child span per phase.

With ``opentelemetry-api`` installed (``pip install "flowfsm[traces]"``) and a tracer provider
configured by the application, each step becomes a span ``flowfsm.engine.step`` with the attributes
``flowfsm.define.flow``, ``flowfsm.state`` (where the step started), ``flowfsm.trigger``,
``flowfsm.outcome``, ``flowfsm.engine.session`` and ``flowfsm.deferred`` (and ``flowfsm.error.type``
on failure: the exception's type name, never its text), and child spans ``flowfsm.callbacks``,
``flowfsm.engine.render`` and ``flowfsm.engine.response``. No token, user id or user content is ever an attribute.

Spans are written when the step ends, with the step's own timestamps, and are never made the
current span: a step moves between the interaction server's task and a task of its own (see
:mod:`flowfsm.eager`), and a context attached in one cannot be detached in the other.

Without a configured provider nothing is created: whether one is configured is checked at most
every :data:`RECHECK_SECONDS`, so a provider set up after the bot started is picked up.
"""

from __future__ import annotations

import time
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import ProxyTracerProvider, Status, StatusCode

from flowfsm.engine.telemetry import StepRecord

__all__ = ["RECHECK_SECONDS", "GlobalSpans", "StepSpans"]

RECHECK_SECONDS = 10.0
"""How often an unconfigured global tracer provider is looked at again."""

_NAME = "flowfsm"


class StepSpans:
    """Writes each finished step as spans through ``tracer_provider``."""

    def __init__(self, tracer_provider: trace.TracerProvider) -> None:
        self._tracer: trace.Tracer | None = tracer_provider.get_tracer(_NAME)

    def active(self) -> bool:
        """Whether steps should be recorded."""
        return self._tracer is not None

    def step(self, record: StepRecord) -> None:
        """Write the step span and its phase spans."""
        tracer = self._tracer
        if tracer is None:
            return
        attributes: dict[str, Any] = {
            "flowfsm.flow": record.flow,
            "flowfsm.state": record.state,
            "flowfsm.trigger": record.trigger,
            "flowfsm.outcome": record.outcome,
            "flowfsm.session": record.session,
            "flowfsm.deferred": record.deferred,
        }
        if record.error_type is not None:
            attributes["flowfsm.error.type"] = record.error_type
        step = tracer.start_span(
            "flowfsm.step",
            kind=trace.SpanKind.SERVER,
            attributes=attributes,
            start_time=record.started_ns,
        )
        if record.outcome in ("error", "timeout"):
            step.set_status(Status(StatusCode.ERROR))
        parent = trace.set_span_in_context(step)
        for name, start, end in record.phases():
            child = tracer.start_span(
                f"flowfsm.{name}",
                context=parent,
                attributes={"flowfsm.flow": record.flow, "flowfsm.state": record.state},
                start_time=record.wall_ns(start),
            )
            child.end(end_time=record.wall_ns(end))
        step.end(end_time=record.wall_ns(record.ended))


class GlobalSpans(StepSpans):
    """Spans through the application's global tracer provider, once it is configured."""

    def __init__(self) -> None:
        self._tracer = None
        self._next_check = 0.0

    def active(self) -> bool:
        """Whether a real tracer provider is configured (looked up again every few seconds until it is)."""
        if self._tracer is not None:
            return True
        now = time.monotonic()
        if now < self._next_check:
            return False
        self._next_check = now + RECHECK_SECONDS
        provider = trace.get_tracer_provider()
        if isinstance(provider, ProxyTracerProvider | trace.NoOpTracerProvider):
            return False
        self._tracer = provider.get_tracer(_NAME)
        return True


def spans_for(traces: Any) -> StepSpans | None:
    """The span backend for ``FlowManager(traces=...)``: ``None`` (automatic: the global
    provider), ``False`` (off) or a ``TracerProvider``."""
    if traces is False:
        return None
    if traces is None or traces is True:
        return GlobalSpans()
    return StepSpans(traces)
