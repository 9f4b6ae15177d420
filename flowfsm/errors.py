"""Exceptions raised by flowfsm, each naming the flow and state involved."""

from __future__ import annotations

__all__ = [
    "AlreadyHandled",
    "FlowDefinitionError",
    "FlowError",
    "GuardFailure",
    "LockLost",
    "RenderError",
    "SessionBusy",
    "SnapshotError",
    "SnapshotRefused",
]


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


class SnapshotError(FlowError):
    """A session cannot be stored: a value in its data would not come back as it was.

    Raised at the end of the step that put the value there (a remote store encodes the session
    when it saves it). ``what`` names the place (``ctx.data``, ``ctx.state``, ...) and ``key`` the
    entry; the message never quotes the value itself (it may hold a secret).
    """

    def __init__(
        self, flow: str, state: str, message: str, *, what: str = "", key: str | None = None
    ) -> None:
        where = f"flow {flow!r}, state {state!r}" + (f", {what}" if what else "")
        where += f" key {key!r}" if key is not None else ""
        super().__init__(f"{where}: {message}")
        self.flow = flow
        self.state = state
        self.what = what
        self.key = key


class SnapshotRefused(FlowError):
    """A stored session cannot carry on with the flows this process defines (its flow, state or
    data no longer exists or decodes): the user gets the expired reply with "Open again"."""

    def __init__(self, flow: str, reason: str) -> None:
        super().__init__(f"flow {flow!r}: {reason}")
        self.flow = flow
        self.reason = reason


class SessionBusy(FlowError):
    """Another step of the session (on this process or another) held it for longer than the
    store waits: the click gets the "busy" reply."""

    def __init__(self, session_id: str) -> None:
        super().__init__(f"session {session_id}: another step is running")
        self.session_id = session_id


class LockLost(FlowError):
    """A step's lock lease ran out and another step took the session: this step's save is refused."""

    def __init__(self, session_id: str) -> None:
        super().__init__(f"session {session_id}: the lock's lease ran out before the save")
        self.session_id = session_id


class AlreadyHandled(FlowError):
    """An interaction that already took its session once (on any process) came again: nothing runs."""

    def __init__(self, session_id: str, interaction_id: int) -> None:
        super().__init__(f"session {session_id}: interaction {interaction_id} was already handled")
        self.session_id = session_id
        self.interaction_id = interaction_id
