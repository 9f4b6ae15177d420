"""Live menus with a remote store: what reaches a session kept outside the process.

With a :class:`~flowfsm.engine.store.RemoteStore` a session sits in the process's working set only
while one of its steps runs (see :mod:`flowfsm.engine.remote`); between steps it is in the store,
possibly last touched by another replica. So:

* **``flows.send`` works across replicas.** A target given as a session (or its id) is loaded and
  locked from the store, put in the working set, the trigger fired as the usual interaction-less
  step (:mod:`flowfsm.engine.external`), then the session leaves the working set and is saved and
  let go, exactly like a click. The lock is taken without an interaction id: a send is no
  interaction, so the store's replay guard (the last interaction that took the session) is left
  as the last click set it. A user target is resolved through the store's per-user index when it
  has one (:class:`~flowfsm.engine.store.UserIndexedStore`; RedisStore keeps it to replace a
  user's session of a flow), else the result says to send to the session id. Another step holding
  the session past the store's ``wait`` gives :data:`~flowfsm.engine.external.BUSY`, never an
  exception.
* **Timed edges and ``invalidate`` work across replicas** with a store that is also a
  :class:`~flowfsm.engine.store.LiveStore` (RedisStore is): the plan and the watched keys travel
  with the session into the store, and each replica's poll task claims due edges and refreshes
  (see :mod:`flowfsm.engine.remote_timed` and :mod:`flowfsm.engine.remote_watch`). A remote store
  that is not a ``LiveStore`` refuses flows with timed edges at registration
  (:class:`FlowDefinitionError`), and its ``invalidate`` reaches only the working set.

A part of :class:`~flowfsm.engine.manager.FlowManager` (see ARCHITECTURE.md).
"""

from __future__ import annotations

from typing import Any

import hikari

from flowfsm.define.flow import Flow
from flowfsm.engine import logs
from flowfsm.engine.external import AMBIGUOUS, BUSY, ERROR, NO_SESSION, SendResult, check_declared
from flowfsm.engine.remote import Remote
from flowfsm.engine.session import Session
from flowfsm.engine.store import LiveStore, RemoteStore, UserIndexedStore
from flowfsm.errors import FlowDefinitionError, FlowError, SessionBusy

__all__ = ["RemoteLive"]

_LOG = logs.get_logger("flowfsm")


class RemoteLive(Remote):
    """Sends with a remote store, and the check of what a remote store can run (see the module)."""

    def _check_remote_live(self, flow: Flow) -> None:
        """Refuse a flow with timed edges on a remote store that cannot keep their plans."""
        if self.remote is None or isinstance(self.remote, LiveStore):
            return
        timed = [tr for tr in flow.transitions if tr.timed is not None]
        if timed:
            raise FlowDefinitionError(
                flow.name,
                f"timed edge {timed[0].trigger!r} ({timed[0].time_label}): this remote store cannot keep "
                "timed plans (it is no LiveStore); use RedisStore or the default MemoryStore",
            )

    async def send(
        self,
        target: Session | str | int | hikari.SnowflakeishOr[hikari.User],
        trigger: str,
        *,
        flow: Flow | str | None = None,
        **options: Any,
    ) -> SendResult:
        remote = self.remote
        if remote is None:
            return await super().send(target, trigger, flow=flow, **options)
        session_id, status, problem = await self._stored_target(remote, target, flow)
        if session_id is None:
            return SendResult(status, detail=problem)
        try:
            return await self._send_stored(remote, session_id, trigger, options)
        except SessionBusy:
            return SendResult(BUSY, session_id, detail="another step held the session past the store's wait")
        except FlowError:
            raise  # a trigger the flow does not declare: the caller's mistake, as without a store
        except Exception:
            _LOG.exception("flowfsm: the session store failed for a send to session %s", session_id)
            return SendResult(ERROR, session_id, detail="the session store failed (logged)")

    async def _send_stored(
        self, remote: RemoteStore, session_id: str, trigger: str, options: dict[str, Any]
    ) -> SendResult:
        """Load and lock the session, run the send's step in the working set, save and let go."""
        async with remote.lock(session_id) as session:  # no interaction id: a send is none
            if session is None:
                return SendResult(
                    NO_SESSION, session_id, detail=f"no open session {session_id!r} in the store"
                )
            check_declared(session, trigger)
            await self._know_application()
            self.sessions.add(session)
            try:
                result = await self._external_step(session, trigger, options, origin="send")
            finally:
                held = self._leave_working_set(session)
            await self._commit(remote, session, held)
            return result

    async def _know_application(self) -> None:
        """Learn the bot's application id (its webhooks edit menus) when no interaction told this
        process yet: a replica that fires a step for a session another replica opened."""
        if self.application_id is None:
            try:
                self.application_id = int((await self.rest.fetch_application()).id)
            except Exception:  # the edit then goes through the channel, or fails and says so
                _LOG.warning("flowfsm: fetching the bot's application id failed", exc_info=True)

    async def _stored_target(
        self,
        remote: RemoteStore,
        target: Session | str | int | hikari.SnowflakeishOr[hikari.User],
        flow: Flow | str | None,
    ) -> tuple[str | None, str, str]:
        """The id of the stored session ``target`` names, or ``None`` with a status and why."""
        if isinstance(target, Session):
            return target.id, "", ""
        if isinstance(target, str):
            return target, "", ""
        user = int(target)
        if not isinstance(remote, UserIndexedStore):
            return (
                None,
                NO_SESSION,
                "with this session store a send needs the session (or its id), not a user",
            )
        name = flow.name if isinstance(flow, Flow) else flow
        if name is None:
            if len(self.flows) != 1:
                return None, AMBIGUOUS, f"user {user}: with a remote store say which flow with flow="
            name = next(iter(self.flows))
        found = await remote.user_session(user, name)
        if found is None:
            return None, NO_SESSION, f"user {user} has no open {name!r} menu"
        return found, "", ""
