"""Exceptions raised by flowfsm, each naming the flow and state involved."""

from __future__ import annotations

__all__ = ["FlowDefinitionError", "FlowError", "GuardFailure", "RenderError"]


class FlowError(Exception):
    """Base class of flowfsm's errors."""


class FlowDefinitionError(FlowError):
    """A flow definition mistake, raised when the flow is defined or compiled.

    The message always starts with ``flow 'name'`` and, where it concerns one state,
    names that state too.
    """

    def __init__(self, flow: str, message: str, *, state: str | None = None) -> None:
        where = f"flow {flow!r}" + (f", state {state!r}" if state is not None else "")
        super().__init__(f"{where}: {message}")
        self.flow = flow
        self.state = state


class RenderError(FlowError):
    """A render function returned a message Discord would refuse (limits, bad items)."""

    def __init__(self, flow: str, state: str, message: str, *, item: str | None = None) -> None:
        where = f"flow {flow!r}, state {state!r}" + (f", item {item!r}" if item is not None else "")
        super().__init__(f"{where}: {message}")
        self.flow = flow
        self.state = state
        self.item = item


class GuardFailure(FlowError):
    """Raised (by a guard, or by hand in an action) to refuse a step with a user-facing message.

    The state does not change; the user sees ``message`` and the menu re-renders.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
