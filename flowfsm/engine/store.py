"""The seam between the engine and where sessions live: the :class:`SessionStore` protocol.

Routing finds a session by id, the step touches it and takes its lock, delivery records its
message, expiry takes the sessions due: every part reaches sessions only through this protocol
(the way httpx makes transports pluggable), so a store is chosen in one place,
``FlowManager(..., store=...)``. :class:`~flowfsm.engine.memory_store.MemoryStore` is the default:
process-scoped sessions, no serialization.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from typing import Protocol, runtime_checkable

from flowfsm.engine.session import Session

__all__ = ["SessionStore"]


@runtime_checkable
class SessionStore(Protocol):
    """What the engine needs of a store of open sessions."""

    def __len__(self) -> int:
        """How many sessions are open."""
        ...

    def __iter__(self) -> Iterator[Session]:
        """The open sessions (a copy: the store may change while you iterate)."""
        ...

    def __contains__(self, session_id: object) -> bool:
        """Whether a session with this id is open."""
        ...

    def get(self, session_id: str) -> Session | None:
        """The open session with this id, or ``None``."""
        ...

    def add(self, session: Session) -> None:
        """Hold a new session."""
        ...

    def touch(self, session: Session) -> None:
        """Record activity: the session's timeout starts again."""
        ...

    def remove(self, session: Session) -> bool:
        """Forget a session; ``False`` if it was not held."""
        ...

    def by_message(self, message_id: int) -> Session | None:
        """The open session whose menu is message ``message_id``."""
        ...

    def set_message(self, session: Session, message_id: int) -> None:
        """Record the session's menu message (clicks are accepted from it only)."""
        ...

    def forget_message(self, session: Session) -> None:
        """The session's menu moved to a message whose id is not known yet."""
        ...

    def of_user(self, user_id: int) -> Mapping[str, Session]:
        """The open sessions of one user, by id (per-user limits, replacing a session)."""
        ...

    def pop_expired(self, now: float | None = None) -> list[Session]:
        """Remove and return every session due for expiry (deadline passed)."""
        ...

    def next_deadline(self) -> float | None:
        """The earliest deadline of any held session (when the expiry timer must fire)."""
        ...

    def lock(self, session: Session) -> asyncio.Lock:
        """The lock serializing ``session``'s steps and its expiry."""
        ...

    def release(self, session: Session) -> None:
        """Called after a step or expiry let go of ``session``'s lock."""
        ...
