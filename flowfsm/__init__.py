"""flowfsm: interactive Discord menus for hikari, where every menu flow is a transitions state machine.

Define a :class:`Flow` (states with render functions, triggers between them), register it on a
:class:`FlowManager` wired into your ``miru.Client``, and start sessions from commands.
"""

from typing import TYPE_CHECKING, Any

from flowfsm.context import Context
from flowfsm.errors import FlowDefinitionError, FlowError, GuardFailure, RenderError
from flowfsm.flow import DEFAULT_TIMEOUT, HOOK_NAMES, Flow, Sample, StateSpec, TransitionSpec
from flowfsm.guards import Guard, guard, pipeline
from flowfsm.i18n import Translations, builtin_texts
from flowfsm.manager import FlowManager, Texts
from flowfsm.render import Rendered, render_screen
from flowfsm.screen import Button, Screen
from flowfsm.session import Session, SessionStore
from flowfsm.telemetry import END_REASONS, REFUSAL_REASONS, Telemetry
from flowfsm.tracing import TraceEvent, Tracer

if TYPE_CHECKING:  # imported on first use at run time (see __getattr__): they need flowfsm[metrics]
    from flowfsm.metrics import PrometheusMetrics, start_metrics_server

__all__ = [
    "DEFAULT_TIMEOUT",
    "END_REASONS",
    "HOOK_NAMES",
    "REFUSAL_REASONS",
    "Button",
    "Context",
    "Flow",
    "FlowDefinitionError",
    "FlowError",
    "FlowManager",
    "Guard",
    "GuardFailure",
    "PrometheusMetrics",
    "RenderError",
    "Rendered",
    "Sample",
    "Screen",
    "Session",
    "SessionStore",
    "StateSpec",
    "Telemetry",
    "Texts",
    "TraceEvent",
    "Tracer",
    "TransitionSpec",
    "Translations",
    "builtin_texts",
    "guard",
    "pipeline",
    "render_screen",
    "start_metrics_server",
]

_METRICS = ("PrometheusMetrics", "start_metrics_server")
"""Names from :mod:`flowfsm.metrics`, imported on first use: they need ``flowfsm[metrics]``."""


def __getattr__(name: str) -> Any:
    """``from flowfsm import PrometheusMetrics`` without importing prometheus-client for everyone."""
    if name in _METRICS:
        from flowfsm import metrics

        return getattr(metrics, name)
    raise AttributeError(f"module 'flowfsm' has no attribute {name!r}")


__version__ = "0.1.0"
