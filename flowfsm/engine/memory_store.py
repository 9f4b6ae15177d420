"""The default session store: every open session of this process, in memory.

O(1) lookup, touch and removal; expiry is one ordered dict per timeout value, swept from the
front by the manager's single timer (no asyncio task per session). Sessions end with the
process: the deliberate default boundary (see :mod:`flowfsm.engine.store`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Mapping

from flowfsm.engine.session import Clock, Session

__all__ = ["MemoryStore"]

_NO_SESSIONS: Mapping[str, Session] = {}


class MemoryStore:
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

    def lock(self, session: Session) -> asyncio.Lock:
        """The lock serializing ``session``'s steps and expiry (made on first use, kept on it)."""
        return session.lock()

    def release(self, session: Session) -> None:
        """Drop ``session``'s lock when nobody holds or waits for it (idle sessions stay small)."""
        session.release_lock_if_idle()
