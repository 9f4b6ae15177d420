"""Sessions in Redis: any process (replica, shard, the next deploy) can serve any session.

``pip install "flowfsm[redis]"``; ``RedisStore("redis://host:6379/0")`` on redis-py's asyncio
client (``redis>=5``). The keys it keeps are listed in :mod:`flowfsm.engine.stores.redis_scripts`.

**One step at a time: a lock with a lease, fenced.** A click runs inside
:meth:`RedisStore.lock`, which loads the snapshot and takes the lock in one script (``SET NX PX``
with a random token; one round trip). A second click of the same session, on this replica or
another, waits for the lock (polling with a short backoff, at most ``wait`` seconds, then
:class:`SessionBusy`). The lease (``lease`` seconds) is renewed every third of it while the step
runs, and frees the session when the replica holding it dies. :meth:`RedisStore.save` writes the
snapshot, moves the deadline, updates the message index and releases the lock in one script
(one round trip), and only while the lock is still this step's (compare the token): a replica
whose lease ran out (a long pause) cannot overwrite the work of the one that took over
(:class:`LockLost`). A click therefore costs two round trips.

A lock rather than optimistic concurrency (compare-and-set on a version, retry on conflict):
a step has effects outside the store (Discord edits, your database, ``on_action`` hooks) that
cannot be undone and replayed when a conflict is found at the end, and the engine's contract is
that a session's clicks run one after the other, which is what the in-process store gives too.

Snapshots hold interaction tokens (valid 15 minutes): keep the Redis private (network, ACL).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING

import redis.asyncio as aioredis

from flowfsm.engine.session import Clock, Session
from flowfsm.engine.snapshot import encode_session, read_snapshot, restore
from flowfsm.engine.stores import redis_scripts as scripts
from flowfsm.engine.stores.redis_lease import Held, Leases, retry_while_busy
from flowfsm.engine.stores.redis_live import RedisLive
from flowfsm.errors import AlreadyHandled, FlowError, LockLost, SessionBusy, SnapshotRefused

if TYPE_CHECKING:
    from flowfsm.define.flow import Flow

__all__ = ["LockLost", "RedisStore", "SessionBusy"]

log = logging.getLogger("flowfsm.engine.stores.redis")

DEFAULT_LEASE = 10.0
"""Seconds a session's lock lasts unless renewed (renewed every third of it while a step runs)."""
DEFAULT_WAIT = 2.5
"""Seconds a click waits for another step of its session (Discord wants an answer within 3 s)."""
DEFAULT_GRACE = 86_400.0
"""Seconds a snapshot outlives its deadline when no replica claims it."""
DEFAULT_POLL = 1.0
"""Seconds between two looks of a process for due sessions (deadlines other replicas set)."""


class RedisStore(RedisLive):
    """Sessions as snapshots in Redis, shared by every process that uses the same Redis.

    Args:
        redis: a ``redis://`` URL, or a ``redis.asyncio.Redis`` client (with
            ``decode_responses=False``: snapshots are bytes).
        prefix: the start of every key (several bots can share a Redis).
        lease: seconds a session's lock lasts unless renewed (renewed while a step runs).
        wait: seconds a click waits for a running step of the same session before
            :class:`SessionBusy`.
        grace: seconds a snapshot outlives its deadline when no replica claims it.
        poll: seconds between two looks of each process for due sessions (a session expires at
            most this late).
        wall: the wall clock (Unix seconds) that snapshots and deadlines are kept in.
    """

    def __init__(
        self,
        redis: str | aioredis.Redis,
        *,
        prefix: str = "flowfsm:",
        lease: float = DEFAULT_LEASE,
        wait: float = DEFAULT_WAIT,
        grace: float = DEFAULT_GRACE,
        poll: float = DEFAULT_POLL,
        wall: Clock = time.time,
    ) -> None:
        if isinstance(redis, str):
            self.redis = aioredis.Redis.from_url(redis)
            self._own_client = True
        else:
            if redis.connection_pool.connection_kwargs.get("decode_responses"):
                raise ValueError(
                    "RedisStore needs a client with decode_responses=False (snapshots are bytes)"
                )
            self.redis = redis
            self._own_client = False
        if not lease > 0 or not poll > 0 or wait < 0 or grace < 0:
            raise ValueError("lease and poll must be positive; wait and grace 0 or more")
        self.prefix = prefix
        self.lease = lease
        self.wait = wait
        self.grace = grace
        self.poll = poll
        self.wall = wall
        self.flows: Mapping[str, Flow] = {}
        self.clock: Clock = time.monotonic
        self.leases = Leases(lease, self._extend_lock)
        self._interrupted: set[str] = set()
        self._load_and_lock = self.redis.register_script(scripts.LOAD_AND_LOCK)
        self._add_locked = self.redis.register_script(scripts.ADD_LOCKED)
        self._take = self.redis.register_script(scripts.TAKE)
        self._register_live()
        self._release = self.redis.register_script(scripts.RELEASE)
        self._extend = self.redis.register_script(scripts.EXTEND)
        self._remove = self.redis.register_script(scripts.REMOVE)
        self._by_message = self.redis.register_script(scripts.BY_MESSAGE)
        self._claim = self.redis.register_script(scripts.CLAIM)

    def __repr__(self) -> str:
        return f"<RedisStore prefix={self.prefix!r}>"

    # -- keys and time ---------------------------------------------------------------------------------

    def session_key(self, session_id: str) -> str:
        """The hash holding a session's snapshot and message id."""
        return f"{self.prefix}s:{session_id}"

    def lock_key(self, session_id: str) -> str:
        """The key of a session's lock."""
        return f"{self.prefix}lock:{session_id}"

    def message_key(self, message_id: int) -> str:
        """The key naming the session whose menu is message ``message_id``."""
        return f"{self.prefix}msg:{message_id}"

    def _offset(self) -> float:
        """Wall clock minus the engine's clock, now (see :mod:`flowfsm.engine.snapshot` on times)."""
        return self.wall() - self.clock()

    # -- the protocol ----------------------------------------------------------------------------------

    def bind(self, flows: Mapping[str, Flow], clock: Clock) -> None:
        """Use these flows (by name) to restore sessions, and the engine's clock for times."""
        self.flows = flows
        self.clock = clock

    async def load(self, session_id: str) -> Session | None:
        """The session, without locking it; ``None`` when unknown, expired or refused."""
        blob: bytes | None = await self.redis.hget(self.session_key(session_id), "snap")  # type: ignore[assignment]
        return None if blob is None else await self._restore(session_id, blob)

    async def add(self, session: Session) -> None:
        """Store a new session (its id must be new)."""
        if await self._write(session, "", "add") == -2:
            raise FlowError(f"session {session.id} already exists in the store")

    async def save(self, session: Session) -> None:
        """Store the session after a step: the snapshot, its deadline and message, in one round trip.

        Inside :meth:`lock` this also releases the lock, only if it is still this step's
        (:class:`LockLost` otherwise). Outside a lock it refuses to write while another step holds
        the session (:class:`SessionBusy`). A session removed meanwhile (expired, or its message
        deleted) is not brought back. :class:`~flowfsm.errors.SnapshotError` when a value cannot
        be stored; the lock is then still held, and released when :meth:`lock` exits.
        """
        held = self.leases.get(session.id)
        token = held.token if held is not None else ""
        blob = self._encode(session)
        if held is not None:
            # Forget the lock before Redis releases it: another click of this process may take it
            # while the reply travels back.
            self.leases.forget(session.id, held)
        result = await self._write(session, token, "save", blob)
        if result == -1:
            raise LockLost(session.id)
        if result == 0:
            raise SessionBusy(session.id)
        if result == -3:
            log.info("session %s was removed during its step; its save is dropped", session.id)

    async def remove(self, session: Session) -> None:
        """Forget the session: snapshot, deadline, message index and lock, in one round trip."""
        held = self.leases.get(session.id)
        if held is not None:
            self.leases.forget(session.id, held)
        await self._remove(**self._forget_args(session.id))

    async def by_message(self, message_id: int) -> Session | None:
        """The session whose menu is message ``message_id`` (unlocked), in one round trip."""
        found = await self._by_message(keys=[self.message_key(message_id)], args=[self.session_key("")])
        if not found:
            return None
        session_id, blob = found
        return await self._restore(session_id.decode(), blob)

    async def claim_expired(self, now: float, limit: int = 100) -> list[Session]:
        """Remove and return up to ``limit`` sessions whose deadline is at or before ``now``
        (engine clock). One script does it, so each session is claimed by exactly one caller,
        whichever replica runs it; a session whose step is running is left to that step."""
        found = await self._claim(
            keys=[self.deadlines_key],
            args=[
                now + self._offset(),
                limit,
                self.session_key(""),
                self.lock_key(""),
                self.message_key_prefix,
                self.prefix,
            ],
        )
        sessions: list[Session] = []
        for index in range(0, len(found), 2):
            session = await self._restore(found[index].decode(), found[index + 1], drop=False)
            if session is not None:
                sessions.append(session)
        return sessions

    async def next_deadline(self) -> float | None:
        """The earliest deadline of any stored session (engine clock), or ``None``."""
        first = await self.redis.zrange(self.deadlines_key, 0, 0, withscores=True)
        return float(first[0][1]) - self._offset() if first else None

    def lock(
        self, session_id: str, interaction_id: int | None = None
    ) -> AbstractAsyncContextManager[Session | None]:
        """Load the session and hold its lock while the ``async with`` block runs a step.

        With ``interaction_id``, an interaction that already took this session once (a replay, or
        a step whose process died before its save, sent again to another process) raises
        :class:`~flowfsm.errors.AlreadyHandled` instead: one interaction never runs twice, whichever
        processes receive it (the engine's own memory of interactions is per process).

        Yields ``None`` (and holds nothing) when the session is unknown, expired or refused.
        Call :meth:`save` (which releases the lock) or :meth:`remove` inside the block; leaving
        without either releases the lock and keeps the stored session as it was.
        """
        return self._locked(session_id, interaction_id)

    # -- beyond the protocol -------------------------------------------------------------------------------

    async def memory_usage(self, session_id: str) -> int | None:
        """Bytes Redis uses for a session's hash (``MEMORY USAGE``), or ``None``."""
        used = await self.redis.memory_usage(self.session_key(session_id), samples=0)
        return None if used is None else int(used)

    async def extend(self, session_id: str) -> bool:
        """Renew the lease of a lock this store holds; ``False`` when it is not ours any more."""
        return await self.leases.renew(session_id)

    def check(self, session: Session) -> None:
        """Raise :class:`~flowfsm.errors.SnapshotError` (naming flow, state and key) when
        ``session`` cannot be stored as it is (the engine calls it when a step renders)."""
        self._encode(session)

    def lock_new(self, session: Session) -> AbstractAsyncContextManager[str | None]:
        """Store a new session and hold its lock while the ``async with`` block runs its first
        step (one round trip); :meth:`save` inside the block stores the step and lets go.

        It becomes its user's session of its flow; the block gets the id of the one it replaces
        (``None`` if none), for the engine to :meth:`take` and close.
        :class:`~flowfsm.errors.SnapshotError` when it cannot be stored; :class:`FlowError` when
        its id is taken."""
        return self._locked_new(session)

    def interrupted(self, session: Session) -> bool:
        """Whether the step before the one holding ``session`` now died with its process, after it
        began and before its save (it may have had effects the stored session does not show)."""
        return session.id in self._interrupted

    async def take(self, session_id: str) -> Session | None:
        """Remove a session whatever holds it and return it (``None`` when it is gone), in one
        round trip: a session replaced by its user's new one. A step of it running elsewhere
        finds it gone at its save and stores nothing."""
        blob = await self._take(**self._forget_args(session_id))
        return None if blob is None else await self._restore(session_id, blob, drop=False)

    async def user_session(self, user_id: int, flow: str) -> str | None:
        """The id of ``user_id``'s latest session of ``flow`` (one round trip), or ``None``; it may
        have ended since (locking it then finds nothing)."""
        found = await self.redis.get(self.user_key(user_id, flow))
        return None if found is None else (found.decode() if isinstance(found, bytes) else str(found))

    def user_key(self, user_id: int, flow: str) -> str:
        """The key naming a user's session of a flow (a new one replaces it)."""
        return f"{self.prefix}u:{user_id}:{flow}"

    def _written_keys(self, session: Session) -> list[str]:
        """The keys the add and save scripts write, in their ``KEYS`` order: the session's hash,
        its lock, the deadlines, the user's index entry."""
        return [
            self.session_key(session.id),
            self.lock_key(session.id),
            self.deadlines_key,
            self.user_key(session.user_id, session.root_flow.name),
        ]

    async def close(self) -> None:
        """Close the client when the store created it from a URL."""
        if self._own_client:
            await self.redis.aclose()

    # -- inside ------------------------------------------------------------------------------------------

    def _lease_ms(self) -> int:
        return max(1, round(self.lease * 1000))

    def _ttl_ms(self, deadline: float) -> int:
        """How long a snapshot with this deadline (Unix seconds) stays when nobody claims it."""
        return max(1, round((deadline - self.wall() + self.grace) * 1000))

    def _encode(self, session: Session) -> bytes:
        return encode_session(session, wall_offset=self._offset())

    async def _restore(self, session_id: str, blob: bytes, *, drop: bool = True) -> Session | None:
        """The session of a snapshot; ``None`` (and the snapshot removed) when it cannot carry on."""
        try:
            return restore(read_snapshot(blob), self.flows, wall_offset=self._offset())
        except SnapshotRefused as exc:
            log.info("session %s cannot carry on and is dropped: %s", session_id, exc)
            if drop:
                await self._remove(**self._forget_args(session_id))
            return None

    async def _acquire(self, session_id: str, interaction_id: int | None = None) -> tuple[str, bytes | None]:
        """Take the session's lock and read its snapshot (one round trip per try)."""
        token = secrets.token_hex(16)
        keys = [self.session_key(session_id), self.lock_key(session_id)]
        args: list[str | int] = [
            token,
            self._lease_ms(),
            "" if interaction_id is None else str(interaction_id),
        ]
        found = await retry_while_busy(
            lambda: self._load_and_lock(keys=keys, args=args), session_id, self.wait
        )
        if found[0] == 3:
            raise AlreadyHandled(session_id, interaction_id or 0)
        if found[0] == 1 and found[2]:
            self._interrupted.add(session_id)
        return token, found[1] if found[0] == 1 else None

    @asynccontextmanager
    async def _locked(self, session_id: str, interaction_id: int | None) -> AsyncIterator[Session | None]:
        token, blob = await self._acquire(session_id, interaction_id)
        if blob is None:
            yield None
            return
        held = self.leases.hold(session_id, token)
        session = await self._restore(session_id, blob)
        if session is None:  # refused: _restore removed it, lock included
            self.leases.forget(session_id, held)
            yield None
            return
        try:
            yield session
        finally:
            await self._let_go(session_id, held)

    @asynccontextmanager
    async def _locked_new(self, session: Session) -> AsyncIterator[str | None]:
        token = secrets.token_hex(16)
        offset = self._offset()
        deadline = session.last_active + offset + session.timeout
        added = await self._add_locked(
            keys=self._written_keys(session),
            args=[
                token,
                self._encode(session),
                self._ttl_ms(deadline),
                repr(deadline),
                session.id,
                self._lease_ms(),
            ],
        )
        if not added[0]:
            raise FlowError(f"session {session.id} already exists in the store")
        held = self.leases.hold(session.id, token)
        previous = added[1].decode() if added[1] else None
        try:
            yield previous if previous != session.id else None
        finally:
            await self._let_go(session.id, held)

    async def _let_go(self, session_id: str, held: Held) -> None:
        """Release a lock still held when its block ends without a save or a removal."""
        self._interrupted.discard(session_id)
        if self.leases.get(session_id) is held:
            self.leases.forget(session_id, held)
            await self._release(
                keys=[self.lock_key(session_id), self.session_key(session_id)], args=[held.token]
            )

    async def _extend_lock(self, session_id: str, token: str) -> bool:
        renewed = await self._extend(keys=[self.lock_key(session_id)], args=[token, self._lease_ms()])
        return bool(renewed)
