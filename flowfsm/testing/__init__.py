"""Test tools for flows: a loopback Discord, Discord-shaped payloads, and the :class:`Harness`.

Installed as a pytest plugin (``flowfsm_harness`` and ``flowfsm_rest_harness`` fixtures, and
``pytest --flowfsm-cov``). Also: :class:`~flowfsm.testing.coverage.FlowCoverage` (flow coverage),
:mod:`flowfsm.testing.gentests` (``flowfsm gen-tests``), and :func:`FlowStateMachine` (hypothesis;
imported on first use, so hypothesis is needed only by those who use it).
"""

from typing import TYPE_CHECKING, Any

from flowfsm.testing.coverage import FlowCoverage
from flowfsm.testing.discord_api import FakeDiscord, RecordedRequest
from flowfsm.testing.harness import DEFAULT_USER, OTHER_USER, FakeClock, Harness, Reply, components_of

if TYPE_CHECKING:  # imported on first use at run time (see __getattr__): it needs hypothesis
    from flowfsm.testing.statemachine import FlowStateMachine

__all__ = [
    "DEFAULT_USER",
    "OTHER_USER",
    "FakeClock",
    "FakeDiscord",
    "FlowCoverage",
    "FlowStateMachine",
    "Harness",
    "RecordedRequest",
    "Reply",
    "components_of",
]


def __getattr__(name: str) -> Any:
    """``FlowStateMachine`` is imported on first use (it needs hypothesis)."""
    if name == "FlowStateMachine":
        from flowfsm.testing.statemachine import FlowStateMachine

        return FlowStateMachine
    raise AttributeError(f"module 'flowfsm.testing' has no attribute {name!r}")
