"""flowfsm: interactive Discord menus for hikari, where every menu flow is a transitions state machine.

Define a :class:`Flow` (states with render functions, triggers between them), register it on a
:class:`FlowManager` wired into your ``miru.Client``, and start sessions from commands.
"""

from typing import TYPE_CHECKING, Any

# What bot authors write (flowfsm.define): flows, states, screens, items, guards, texts.
from flowfsm.define.access import Access
from flowfsm.define.context import Context, Engine
from flowfsm.define.cooldowns import RateLimit
from flowfsm.define.flow import DEFAULT_TIMEOUT, HOOK_NAMES, Flow, Sample, StateSpec, TransitionSpec
from flowfsm.define.guards import Guard, guard, pipeline
from flowfsm.define.i18n import Translations, builtin_texts
from flowfsm.define.layout import (
    ActionRow,
    ButtonGroup,
    Container,
    File,
    MediaGallery,
    MediaItem,
    Section,
    Separator,
    Text,
    Thumbnail,
)
from flowfsm.define.modals import Modal, TextField
from flowfsm.define.pagination import PageState, Paginate
from flowfsm.define.screen import Button, Screen
from flowfsm.define.selects import (
    ChannelSelect,
    MentionableSelect,
    RoleSelect,
    SelectOption,
    TextSelect,
    UserSelect,
)
from flowfsm.define.texts import Texts
from flowfsm.define.tracing import TraceEvent, Tracer

# What runs them (flowfsm.engine).
from flowfsm.engine.external import SEND_STATUSES, SendResult
from flowfsm.engine.manager import FlowManager
from flowfsm.engine.memory_store import MemoryStore
from flowfsm.engine.render import Rendered, render_screen
from flowfsm.engine.session import Session
from flowfsm.engine.store import LiveClaims, LiveStore, RemoteStore, SessionStore, UserIndexedStore
from flowfsm.engine.telemetry import END_REASONS, REFUSAL_REASONS, Telemetry
from flowfsm.engine.watch import LiveStats
from flowfsm.errors import (
    AlreadyHandled,
    FlowDefinitionError,
    FlowError,
    GuardFailure,
    LockLost,
    RenderError,
    SessionBusy,
    SnapshotError,
    SnapshotRefused,
)

if TYPE_CHECKING:  # imported on first use at run time (see __getattr__): they need an extra
    from flowfsm.engine.metrics import PrometheusMetrics, start_metrics_server
    from flowfsm.engine.stores.redis import RedisStore

__all__ = [
    "DEFAULT_TIMEOUT",
    "END_REASONS",
    "HOOK_NAMES",
    "REFUSAL_REASONS",
    "SEND_STATUSES",
    "Access",
    "ActionRow",
    "AlreadyHandled",
    "Button",
    "ButtonGroup",
    "ChannelSelect",
    "Container",
    "Context",
    "Engine",
    "File",
    "Flow",
    "FlowDefinitionError",
    "FlowError",
    "FlowManager",
    "Guard",
    "GuardFailure",
    "LiveClaims",
    "LiveStats",
    "LiveStore",
    "LockLost",
    "MediaGallery",
    "MediaItem",
    "MemoryStore",
    "MentionableSelect",
    "Modal",
    "PageState",
    "Paginate",
    "PrometheusMetrics",
    "RateLimit",
    "RedisStore",
    "RemoteStore",
    "RenderError",
    "Rendered",
    "RoleSelect",
    "Sample",
    "Screen",
    "Section",
    "SelectOption",
    "SendResult",
    "Separator",
    "Session",
    "SessionBusy",
    "SessionStore",
    "SnapshotError",
    "SnapshotRefused",
    "StateSpec",
    "Telemetry",
    "Text",
    "TextField",
    "TextSelect",
    "Texts",
    "Thumbnail",
    "TraceEvent",
    "Tracer",
    "TransitionSpec",
    "Translations",
    "UserIndexedStore",
    "UserSelect",
    "builtin_texts",
    "guard",
    "pipeline",
    "render_screen",
    "start_metrics_server",
]

_METRICS = ("PrometheusMetrics", "start_metrics_server")
"""Names from :mod:`flowfsm.engine.metrics`, imported on first use: they need ``flowfsm[metrics]``."""


def __getattr__(name: str) -> Any:
    """``from flowfsm import PrometheusMetrics`` (or ``RedisStore``) without importing
    prometheus-client (or redis) for everyone."""
    if name in _METRICS:
        from flowfsm.engine import metrics

        return getattr(metrics, name)
    if name == "RedisStore":
        from flowfsm.engine.stores.redis import RedisStore

        return RedisStore
    raise AttributeError(f"module 'flowfsm' has no attribute {name!r}")


__version__ = "0.1.0"
