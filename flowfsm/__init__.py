"""flowfsm: interactive Discord menus for hikari, where every menu flow is a transitions state machine.

Define a :class:`Flow` (states with render functions, triggers between them), register it on a
:class:`FlowManager` wired into your ``miru.Client``, and start sessions from commands.
"""

from flowfsm.context import Context
from flowfsm.errors import (
    FlowDefinitionError,
    FlowError,
    GuardFailure,
    RenderError,
    SnapshotError,
    SnapshotRefused,
)
from flowfsm.flow import DEFAULT_TIMEOUT, HOOK_NAMES, Flow, StateSpec, TransitionSpec
from flowfsm.guards import Guard, guard, pipeline
from flowfsm.manager import FlowManager, Texts
from flowfsm.render import Rendered, render_screen
from flowfsm.screen import Button, Screen
from flowfsm.session import Session, SessionStore
from flowfsm.tracing import TraceEvent, Tracer

__all__ = [
    "DEFAULT_TIMEOUT",
    "HOOK_NAMES",
    "Button",
    "Context",
    "Flow",
    "FlowDefinitionError",
    "FlowError",
    "FlowManager",
    "Guard",
    "GuardFailure",
    "RenderError",
    "Rendered",
    "Screen",
    "Session",
    "SessionStore",
    "SnapshotError",
    "SnapshotRefused",
    "StateSpec",
    "Texts",
    "TraceEvent",
    "Tracer",
    "TransitionSpec",
    "guard",
    "pipeline",
    "render_screen",
]

__version__ = "0.1.0"
