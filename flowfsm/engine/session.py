"""One session's position and data, and the process-scoped store that expires them.

A session is a small slotted object: the flow, the user, the current state name (the
transitions machine writes it, the session being the machine's model for one event), the
per-state and session dicts (created on first use), and a reference to its message. There is
no asyncio task per session: expiry is one ordered dict per timeout value, swept from the
front, driven by a single timer owned by the manager.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from flowfsm.engine.render import item_key

if TYPE_CHECKING:
    from flowfsm.define.flow import Flow
    from flowfsm.define.screen import Item

__all__ = ["Clock", "Session", "SessionStore"]

Clock = Callable[[], float]
"""A monotonic clock in seconds; injectable so tests drive timeouts without sleeping."""


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
        "message_id",
        "msg_flags",
        "options",
        "page",
        "preserved",
        "screen",
        "state",
        "state_options",
        "timeout",
        "token",
        "token_at",
        "user_id",
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
_NO_SESSIONS: Mapping[str, Session] = {}


class SessionStore:
    """All open sessions of one process, with O(1) lookup, touch and removal.

    Sessions with the same timeout sit in one insertion-ordered dict, re-inserted on every
    touch, so the front of each dict is always the next to expire.
    """

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self.clock = clock
        self._by_id: dict[str, Session] = {}
        self._by_message: dict[int, Session] = {}
        self._buckets: dict[float, dict[str, Session]] = {}
        self._by_user: dict[int, dict[str, Session]] = {}

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Session]:
        return iter(list(self._by_id.values()))

    def __contains__(self, session_id: object) -> bool:
        return session_id in self._by_id

    def get(self, session_id: str) -> Session | None:
        """The open session with this id, or ``None``."""
        return self._by_id.get(session_id)

    def by_message(self, message_id: int) -> Session | None:
        """The open session whose menu is message ``message_id``."""
        return self._by_message.get(message_id)

    def set_message(self, session: Session, message_id: int) -> None:
        """Record the session's menu message (for message-delete events)."""
        if session.message_id is not None and session.message_id != message_id:
            self._by_message.pop(session.message_id, None)
        session.message_id = message_id
        if session.id in self._by_id:
            self._by_message[message_id] = session

    def forget_message(self, session: Session) -> None:
        """The session's menu moved to a message whose id is not known yet."""
        if session.message_id is not None:
            self._by_message.pop(session.message_id, None)
        session.message_id = None

    def of_user(self, user_id: int) -> Mapping[str, Session]:
        """The open sessions of ``user_id``, by the name of the flow each was started with."""
        return self._by_user.get(user_id, _NO_SESSIONS)

    def add(self, session: Session) -> None:
        """Hold a new session."""
        self._by_id[session.id] = session
        self._by_user.setdefault(session.user_id, {})[session.root_flow.name] = session
        self._buckets.setdefault(session.timeout, {})[session.id] = session

    def touch(self, session: Session) -> None:
        """Record activity: the session's timeout starts again."""
        session.last_active = self.clock()
        if session.id not in self._by_id:
            return  # expired (or ended) while its step ran: it stays gone
        bucket = self._buckets[session.timeout]
        bucket[session.id] = bucket.pop(session.id, session)

    def remove(self, session: Session) -> bool:
        """Forget a session; ``False`` if it was not held."""
        if self._by_id.pop(session.id, None) is None:
            return False
        mine = self._by_user.get(session.user_id)
        if mine is not None and mine.get(session.root_flow.name) is session:
            del mine[session.root_flow.name]
            if not mine:
                del self._by_user[session.user_id]
        if session.message_id is not None:
            self._by_message.pop(session.message_id, None)
        bucket = self._buckets.get(session.timeout)
        if bucket is not None:
            bucket.pop(session.id, None)
            if not bucket:
                del self._buckets[session.timeout]
        return True

    def pop_expired(self, now: float | None = None) -> list[Session]:
        """Remove and return every session whose deadline has passed."""
        now = self.clock() if now is None else now
        expired: list[Session] = []
        for timeout, bucket in list(self._buckets.items()):
            for session in bucket.values():
                if session.last_active + timeout > now:
                    break
                expired.append(session)
        for session in expired:
            self.remove(session)
        return expired

    def next_deadline(self) -> float | None:
        """The earliest deadline of any held session."""
        fronts = (next(iter(b.values())).deadline for b in self._buckets.values() if b)
        return min(fronts, default=None)
