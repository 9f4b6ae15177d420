"""One session's position and data (the store that holds sessions is :mod:`flowfsm.engine.store`).

A session is a small slotted object: the flow, the user, the current state name (the
transitions machine writes it, the session being the machine's model for one event), the
per-state and session dicts (created on first use), and a reference to its message. There is
no asyncio task per session: expiry is one ordered dict per timeout value, swept from the
front, driven by a single timer owned by the manager.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flowfsm.engine.render import item_key

if TYPE_CHECKING:
    from flowfsm.define.flow import Flow
    from flowfsm.define.screen import Item

__all__ = ["Clock", "PlanRecord", "Session"]

Clock = Callable[[], float]
"""A monotonic clock in seconds; injectable so tests drive timeouts without sleeping."""


@dataclass(slots=True)
class PlanRecord:
    """A session's timed plan as a remote store keeps it (engine clock times; see
    :class:`flowfsm.engine.timed.Plan`): the state it is for, when it was entered, each ``every``
    edge's last firing, the ``after`` edges fired, whether it waits for a click, and its next due
    time (``None``: nothing due, or waiting)."""

    flow: str
    state: str
    entered: float
    last: dict[str, float] = field(default_factory=dict)
    done: list[str] = field(default_factory=list)
    waiting: bool = False
    due: float | None = None


class Session:
    """One user's open menu: its flow, machine position, data and message."""

    __slots__ = (
        "_lock",
        "channel_id",
        "data",
        "end_text",
        "ended",
        "flow",
        "frames",
        "history",
        "id",
        "items",
        "last_active",
        "local",
        "locales",
        "member_screens",
        "members",
        "message_id",
        "msg_flags",
        "options",
        "page",
        "preserved",
        "screen",
        "state",
        "state_options",
        "timed",
        "timeout",
        "token",
        "token_at",
        "user_id",
        "watches",
    )

    def __init__(
        self,
        session_id: str,
        flow: Flow,
        user_id: int,
        *,
        options: Mapping[str, Any] | None,
        now: float,
        channel_id: int | None = None,
    ) -> None:
        self.id = session_id
        self.flow = flow
        self.user_id = user_id
        self.state: str = flow.initial or ""
        self.options: Mapping[str, Any] = options if options is not None else _EMPTY
        self.state_options: Mapping[str, Any] = self.options
        self.timeout = flow.timeout
        self.local: dict[str, Any] | None = None
        self.page = 0
        self.history: list[tuple[str, Mapping[str, Any] | None]] | None = None
        self.preserved: dict[str, tuple[dict[str, Any] | None, int]] | None = None
        self.frames: list[tuple[Any, ...]] | None = None
        self.data: dict[str, Any] | None = None
        self.items: tuple[Item, ...] = ()
        self.screen = 0
        """The render counter: every interactive render is a new screen with its own custom ids."""
        self.channel_id = channel_id
        self.message_id: int | None = None
        self.msg_flags = 0
        self.token: str | None = None
        self.token_at = 0.0
        self.last_active = now
        self.ended = False
        self.end_text: str | None = None
        self.locales: tuple[str, ...] | None = None  # the screen's locale chain (translated flows)
        self._lock: asyncio.Lock | None = None
        # Shared menus (Flow(access=...)): per-user data, and the screen each user last clicked.
        self.members: dict[int, dict[str, Any]] | None = None
        self.member_screens: Any = None  # flowfsm.engine.admission.ScreenMarks
        # With a remote store only, between steps: the timed plan and the watched keys of the
        # current screen, which the store keeps for any replica (see flowfsm.engine.remote_timed).
        self.timed: PlanRecord | None = None
        self.watches: tuple[Any, ...] | None = None

    def __repr__(self) -> str:
        return f"<Session {self.id} flow={self.flow.name!r} state={self.state!r} user={self.user_id}>"

    @property
    def root_flow(self) -> Flow:
        """The flow the session was started with (``flow`` is the running sub-flow, if any)."""
        return self.frames[0][0] if self.frames else self.flow

    @property
    def deadline(self) -> float:
        """When the session expires if nobody touches it (clock seconds)."""
        return self.last_active + self.timeout

    def lock(self) -> asyncio.Lock:
        """The lock serializing this session's clicks (created on first click)."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    def release_lock_if_idle(self) -> None:
        """Drop the lock object when nobody holds or waits for it, keeping idle sessions small."""
        lock = self._lock
        if lock is not None and not lock.locked() and not getattr(lock, "_waiters", None):
            self._lock = None

    def find_item(self, key: str) -> Any:
        """The item of the last render with id or position ``key``."""
        for index, item in enumerate(self.items):
            if item_key(item, index) == key:
                return item
        return None


_EMPTY: Mapping[str, Any] = {}
