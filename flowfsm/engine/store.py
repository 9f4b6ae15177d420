"""The seam between the engine and where sessions live: the :class:`SessionStore` protocol.

Routing finds a session by id, the step touches it and takes its lock, delivery records its
message, expiry takes the sessions due: every part reaches sessions only through this protocol
(the way httpx makes transports pluggable), so a store is chosen in one place,
``FlowManager(..., store=...)``. :class:`~flowfsm.engine.memory_store.MemoryStore` is the default:
process-scoped sessions, no serialization.

A store outside the process (:class:`RemoteStore`, e.g.
:class:`~flowfsm.engine.stores.redis.RedisStore`) is asynchronous; the engine fetches and locks a
session from it at the start of a step, runs the step on the process's working set (a
:class:`SessionStore`) and saves it back at the end (see :mod:`flowfsm.engine.remote`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from flowfsm.engine.session import Clock, Session

if TYPE_CHECKING:
    from flowfsm.define.flow import Flow

__all__ = ["LiveClaims", "LiveStore", "RemoteStore", "SessionStore", "UserIndexedStore", "encode_watch_key"]


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


@runtime_checkable
class RemoteStore(Protocol):
    """A store that keeps sessions outside the process (see :mod:`flowfsm.engine.remote`).

    Its operations are asynchronous (they cross the network) and few: the engine reaches it at
    the start and the end of a step, when a session starts, when sessions fall due and when a
    menu's message is deleted. Between those points the session lives in the process's working
    set (a :class:`SessionStore`), so the rest of the engine is the same for every store.
    """

    poll: float
    """Seconds between two looks for due sessions (deadlines other processes set)."""

    def bind(self, flows: Mapping[str, Flow], clock: Clock) -> None:
        """Restore sessions with these flows (by name); read times with the engine's clock."""
        ...

    def lock(
        self, session_id: str, interaction_id: int | None = None
    ) -> AbstractAsyncContextManager[Session | None]:
        """Load the session and hold it while the ``async with`` block runs a step (``None``
        when it is unknown, expired, or cannot carry on with these flows); raise
        :class:`~flowfsm.errors.AlreadyHandled` when ``interaction_id`` already took it once."""
        ...

    def lock_new(self, session: Session) -> AbstractAsyncContextManager[str | None]:
        """Store a new session and hold it while its first step runs; it becomes its user's
        session of its flow, and the block gets the id of the one it replaces (or ``None``)."""
        ...

    async def take(self, session_id: str) -> Session | None:
        """Remove a session whatever holds it and return it (a replaced session), or ``None``."""
        ...

    def interrupted(self, session: Session) -> bool:
        """Whether the previous step of the locked ``session`` died with its process mid-way."""
        ...

    def check(self, session: Session) -> None:
        """Raise :class:`~flowfsm.errors.SnapshotError` when ``session`` cannot be stored as it is."""
        ...

    async def save(self, session: Session) -> None:
        """Store the session after its step and let go of it."""
        ...

    async def remove(self, session: Session) -> None:
        """Forget the session (and let go of it)."""
        ...

    async def by_message(self, message_id: int) -> Session | None:
        """The stored session whose menu is message ``message_id``."""
        ...

    async def claim_expired(self, now: float, limit: int = 100) -> list[Session]:
        """Remove and return sessions due at ``now`` (engine clock): each to exactly one caller."""
        ...

    async def next_deadline(self) -> float | None:
        """The earliest stored deadline (engine clock), or ``None``."""
        ...

    async def close(self) -> None:
        """Let go of the connection."""
        ...


@runtime_checkable
class UserIndexedStore(Protocol):
    """A :class:`RemoteStore` that also names each user's session of a flow (the index it keeps to
    replace that session by a new one), so ``flows.send(user, ..., flow=...)`` reaches it from any
    process. Optional: without it a send to a stored session needs the session id."""

    async def user_session(self, user_id: int, flow: str) -> str | None:
        """The id of ``user_id``'s session of ``flow`` (started with it), or ``None``."""
        ...


@dataclass(slots=True)
class LiveClaims:
    """What one :meth:`LiveStore.claim_live` took: sessions with a timed edge due, sessions with a
    refresh due (each claimed by this caller only, for the store's lease), and the earliest due
    time left in the store (engine clock, ``None``: nothing planned)."""

    timed: list[str] = field(default_factory=list)
    refresh: list[str] = field(default_factory=list)
    next_due: float | None = None


@runtime_checkable
class LiveStore(Protocol):
    """A :class:`RemoteStore` that also keeps what live menus need across replicas (see
    :mod:`flowfsm.engine.remote_timed` and :mod:`flowfsm.engine.remote_watch`):

    * its :meth:`~RemoteStore.save` keeps ``session.timed`` (the timed plan) with the snapshot and
      indexes its next due time, and indexes ``session.watches`` (the keys the current screen
      watches) by key, in the same round trip; removing or expiring a session forgets both;
    * :meth:`mark_watchers` marks the sessions watching a key for a refresh, at most one per
      ``interval`` per session;
    * :meth:`claim_live` hands due timed edges and refreshes to one caller each, for a lease: a
      claim whose process dies is claimed again after it.

    Optional: without it, a flow with timed edges cannot be registered on a remote store and
    ``invalidate`` reaches only the process's working set."""

    async def claim_live(self, now: float, limit: int = 100) -> LiveClaims:
        """Claim the sessions whose timed edge or refresh is due at ``now`` (engine clock)."""
        ...

    async def mark_watchers(self, key: str, now: float, interval: float, skip: str | None = None) -> int:
        """Mark every stored session watching ``key`` (encoded, see :func:`encode_watch_key`)
        for a refresh no sooner than ``interval`` after its last one; returns how many were newly
        marked (``skip``: a session id left out)."""
        ...


def encode_watch_key(key: object) -> str:
    """A watch key as a remote store names it: compact JSON (``("stock", 3)`` is ``["stock",3]``),
    or ``repr`` for a key JSON cannot write. Keys equal in Python but written differently (``1``
    and ``True``) are different keys in a remote store."""
    try:
        return json.dumps(key, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(key)
