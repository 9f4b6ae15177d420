"""flowfsm: interactive Discord menus for hikari, where every menu flow is a transitions state machine.

Define a :class:`Flow` (states with render functions, triggers between them), register it on a
:class:`FlowManager` wired into your ``miru.Client``, and start sessions from commands.
"""

from flowfsm.context import Context
from flowfsm.errors import FlowDefinitionError, FlowError, GuardFailure, RenderError
from flowfsm.flow import DEFAULT_TIMEOUT, Flow, StateSpec, TransitionSpec
from flowfsm.manager import FlowManager, Texts
from flowfsm.render import Rendered, render_screen
from flowfsm.screen import Button, Screen
from flowfsm.session import Session, SessionStore

__all__ = [
    "DEFAULT_TIMEOUT",
    "Button",
    "Context",
    "Flow",
    "FlowDefinitionError",
    "FlowError",
    "FlowManager",
    "GuardFailure",
    "RenderError",
    "Rendered",
    "Screen",
    "Session",
    "SessionStore",
    "StateSpec",
    "Texts",
    "TransitionSpec",
    "render_screen",
]

__version__ = "0.1.0"
