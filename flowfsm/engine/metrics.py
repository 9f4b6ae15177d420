"""Prometheus metrics of every flow: ``FlowManager(..., metrics=PrometheusMetrics())``.

Needs ``pip install "flowfsm[metrics]"`` (prometheus-client). Every metric, its labels and its
meaning are listed in ``docs/metrics.md``. Labels come from bounded sets only: flow, state and
trigger names from the flows' definitions, the reasons and outcomes of :mod:`flowfsm.engine.telemetry`,
route templates of the Discord endpoints, HTTP status codes — never a user, a session or a token.

Serving them: :func:`start_metrics_server` (any bot) and :func:`serve_rest_bot` /
:func:`interaction_app` (a ``hikari.RESTBot``), from :mod:`flowfsm.engine.metrics_http`,
re-exported here. The histograms are :class:`flowfsm.engine.histograms.Histograms`.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

try:
    from prometheus_client import CollectorRegistry, Counter, Gauge
    from prometheus_client.aiohttp import make_aiohttp_handler
except ImportError as exc:  # pragma: no cover - the message is the point
    raise ImportError(
        'flowfsm.engine.metrics needs prometheus-client: pip install "flowfsm[metrics]"'
    ) from exc

import aiohttp
from aiohttp import web

from flowfsm.engine.histograms import Histograms
from flowfsm.engine.metrics_http import interaction_app, serve_rest_bot, start_metrics_server
from flowfsm.engine.telemetry import END_REASONS, REFUSAL_REASONS, StepRecord

if TYPE_CHECKING:
    from flowfsm.define.flow import Flow
    from flowfsm.engine.manager import FlowManager
    from flowfsm.engine.outbox import Outbox

__all__ = [
    "STEP_BUCKETS",
    "Histograms",
    "PrometheusMetrics",
    "interaction_app",
    "route_of",
    "serve_rest_bot",
    "start_metrics_server",
]

STEP_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
"""Histogram buckets in seconds: most steps take well under a millisecond; Discord's deadline is 3 s."""

# The Discord endpoints flowfsm calls, as route templates; every other path counts as "other".
_ROUTES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), template)
    for pattern, template in (
        (r"/interactions/\d+/[^/]+/callback$", "/interactions/{id}/{token}/callback"),
        (r"/webhooks/\d+/[^/]+/messages/@original$", "/webhooks/{id}/{token}/messages/@original"),
        (r"/webhooks/\d+/[^/]+/messages/\d+$", "/webhooks/{id}/{token}/messages/{id}"),
        (r"/webhooks/\d+/[^/]+$", "/webhooks/{id}/{token}"),
        (r"/channels/\d+/messages/\d+$", "/channels/{id}/messages/{id}"),
        (r"/channels/\d+/messages$", "/channels/{id}/messages"),
    )
)


def route_of(path: str) -> str:
    """The route template of a Discord API path (ids and tokens replaced), or ``"other"``."""
    for pattern, template in _ROUTES:
        if pattern.search(path):
            return template
    return "other"


class PrometheusMetrics:
    """Counters, gauges and histograms of flows, sessions, steps and Discord calls.

    Args:
        registry: where the metrics are registered; a new :class:`prometheus_client.CollectorRegistry`
            by default (pass ``prometheus_client.REGISTRY`` to share the process's default one).
        namespace: prefix of every metric name.
        buckets: histogram buckets of step durations, in seconds.
    """

    def __init__(
        self,
        registry: CollectorRegistry | None = None,
        *,
        namespace: str = "flowfsm",
        buckets: tuple[float, ...] = STEP_BUCKETS,
    ) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.sessions_open = Gauge(
            "sessions_open", "Sessions open now, by flow.", ["flow"], namespace=namespace, registry=r
        )
        self.sessions_started_total = Counter(
            "sessions_started", "Sessions opened, by flow.", ["flow"], namespace=namespace, registry=r
        )
        self.sessions_ended_total = Counter(
            "sessions_ended",
            "Sessions ended, by flow and reason.",
            ["flow", "reason"],
            namespace=namespace,
            registry=r,
        )
        self.steps_total = Counter(
            "steps", "Steps run (a start or a click), by flow, state and outcome.",
            ["flow", "state", "outcome"], namespace=namespace, registry=r,
        )  # fmt: skip
        self.step_seconds = Histograms(
            f"{namespace}_step_duration_seconds", "Duration of a whole step, by flow and state.",
            ("flow", "state"), buckets, r,
        )  # fmt: skip
        self.phase_seconds = Histograms(
            f"{namespace}_step_phase_duration_seconds",
            "Duration of each phase of a step (callbacks, render, response).",
            ("flow", "state", "phase"), buckets, r,
        )  # fmt: skip
        self.transitions_total = Counter(
            "transitions", "State changes, by flow, source state, trigger and destination state.",
            ["flow", "source", "trigger", "dest"], namespace=namespace, registry=r,
        )  # fmt: skip
        self.refusals_total = Counter(
            "refusals", "Clicks that ran nothing, by flow and reason.", ["flow", "reason"],
            namespace=namespace, registry=r,
        )  # fmt: skip
        self.deferrals_total = Counter(
            "deferrals", "Steps deferred because they ran past defer_after, by flow.", ["flow"],
            namespace=namespace, registry=r,
        )  # fmt: skip
        self.step_timeouts_total = Counter(
            "step_timeouts", "Steps cancelled past step_timeout, by flow and state.", ["flow", "state"],
            namespace=namespace, registry=r,
        )  # fmt: skip
        self.discord_requests_total = Counter(
            "discord_requests", "HTTP requests to Discord's API (every attempt, hikari's retries included), "
            "by route, method and status ('error': no answer).", ["route", "method", "status"],
            namespace=namespace, registry=r,
        )  # fmt: skip
        self.outbox_depth = Gauge(
            "outbox_depth", "Background edits queued or in flight.", namespace=namespace, registry=r
        )
        self.outbox_edits_total = Counter(
            "outbox_edits", "Background edits of ended menus, by result (sent, dropped).", ["result"],
            namespace=namespace, registry=r,
        )  # fmt: skip
        self._outboxes: weakref.WeakSet[Outbox] = weakref.WeakSet()
        self.outbox_depth.set_function(lambda: float(sum(len(outbox) for outbox in list(self._outboxes))))
        # prometheus-client looks a child up by its label values under a lock on every call: the
        # children a step or a transition touches are looked up once and kept here (the label
        # sets are bounded, so these are too).
        self._step_children: dict[tuple[str, str], tuple[Any, Any, Any, dict[str, Any]]] = {}
        self._outcome_children: dict[tuple[str, str, str], Any] = {}
        self._transition_children: dict[tuple[str, str, str, str], Any] = {}
        self._traced: weakref.WeakSet[aiohttp.ClientSession] = weakref.WeakSet()
        self._trace_config = _discord_trace_config(self.discord_requests_total)
        for result in ("sent", "dropped"):
            self.outbox_edits_total.labels(result)

    # -- the MetricsSink protocol ------------------------------------------------------------------

    def bind(self, manager: FlowManager) -> None:
        """Read ``manager``'s outbox depth, and count its Discord requests once its REST client runs
        (idempotent: called again when a session starts, as hikari's HTTP session may be new)."""
        self._outboxes.add(manager.outbox)
        self._attach(manager)

    def flow_registered(self, flow: Flow) -> None:
        """Create the flow's session and refusal series at zero, so alerts see them from the start."""
        self.sessions_open.labels(flow.name)
        self.sessions_started_total.labels(flow.name)
        for reason in END_REASONS:
            self.sessions_ended_total.labels(flow.name, reason)
        for reason in REFUSAL_REASONS:
            self.refusals_total.labels(flow.name, reason)

    def session_started(self, flow: str) -> None:
        """A session of ``flow`` opened."""
        self.sessions_started_total.labels(flow).inc()
        self.sessions_open.labels(flow).inc()

    def sessions_ended(self, flow: str, reason: str, count: int = 1) -> None:
        """``count`` sessions of ``flow`` ended for ``reason``."""
        self.sessions_ended_total.labels(flow, reason).inc(count)
        self.sessions_open.labels(flow).dec(count)

    def refused(self, flow: str, reason: str) -> None:
        """A click on ``flow`` (or :data:`~flowfsm.engine.telemetry.NO_FLOW`) ran nothing."""
        self.refusals_total.labels(flow, reason).inc()

    def transition(self, flow: str, source: str, trigger: str, dest: str) -> None:
        """``flow``'s machine went from ``source`` to ``dest`` on ``trigger``."""
        key = (flow, source, trigger, dest)
        child = self._transition_children.get(key)
        if child is None:
            child = self._transition_children[key] = self.transitions_total.labels(*key)
        child.inc()

    def step(self, record: StepRecord) -> None:
        """Count a finished step and observe its durations."""
        key = (record.flow, record.state)
        children = self._step_children.get(key)
        if children is None:
            children = self._step_children[key] = (
                self.step_seconds.labels(*key),
                self.step_timeouts_total.labels(*key),
                self.deferrals_total.labels(record.flow),
                {},
            )
        total, timeouts, deferrals, phases = children
        outcome_key = (record.flow, record.state, record.outcome)
        steps = self._outcome_children.get(outcome_key)
        if steps is None:
            steps = self._outcome_children[outcome_key] = self.steps_total.labels(*outcome_key)
        steps.inc()
        self.step_seconds.observe(total, record.seconds)
        for name, start, end in record.phases():
            series = phases.get(name)
            if series is None:
                series = phases[name] = self.phase_seconds.labels(record.flow, record.state, name)
            self.phase_seconds.observe(series, (end - start) / 1e9)
        if record.outcome == "timeout":
            timeouts.inc()
        if record.deferred:
            deferrals.inc()

    def outbox_edit(self, sent: bool) -> None:
        """A background edit was sent, or dropped (the message is gone or cannot be reached)."""
        self.outbox_edits_total.labels("sent" if sent else "dropped").inc()

    # -- Discord requests --------------------------------------------------------------------------

    def _attach(self, manager: FlowManager) -> None:
        """Count the requests of hikari's REST client through an aiohttp trace config.

        hikari creates its aiohttp session when the bot starts and offers no public hook, so the
        session is found on the started REST client (hikari 2.7: ``RESTClientImpl._client_session``)
        and the config is added to the session's public ``trace_configs``. Called again on every
        session start, it is a no-op once attached (and re-attaches after a bot restart).
        """
        session = getattr(manager.client.rest, "_client_session", None)
        if not isinstance(session, aiohttp.ClientSession) or session in self._traced:
            return
        session.trace_configs.append(self._trace_config)
        self._traced.add(session)

    # -- serving -----------------------------------------------------------------------------------

    def aiohttp_handler(self) -> Callable[[web.Request], Any]:
        """An aiohttp handler answering with these metrics in Prometheus' text format."""
        return make_aiohttp_handler(self.registry)


def _discord_trace_config(counter: Counter) -> aiohttp.TraceConfig:
    config = aiohttp.TraceConfig()

    async def on_end(session: Any, context: Any, params: aiohttp.TraceRequestEndParams) -> None:
        counter.labels(route_of(params.url.path), params.method, str(params.response.status)).inc()

    async def on_error(session: Any, context: Any, params: aiohttp.TraceRequestExceptionParams) -> None:
        counter.labels(route_of(params.url.path), params.method, "error").inc()

    config.on_request_end.append(on_end)
    config.on_request_exception.append(on_error)
    config.freeze()
    return config
