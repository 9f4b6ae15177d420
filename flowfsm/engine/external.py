"""Triggers from outside a click: ``flows.send`` (a webhook, a scheduled job, another user's
action), ``flows.open_sessions`` (the open sessions of a flow or a user), and the one step every
trigger without an interaction runs (sends, timed edges, refreshes reuse it).

A step without an interaction has no response to give: it fires the trigger under the session's
lock (taken through the :class:`~flowfsm.engine.store.SessionStore`, so a click and a send of one
session never interleave), renders, and edits the menu — through the latest interaction's webhook
while its token is fresh, else through the channel message endpoint.

**Policy for a menu nothing can reach** (an ephemeral message whose last token is older than
Discord's 15 minutes, or a message whose id is unknown once the token is stale): the trigger is
*not* fired. Changing the session where the user cannot see it would leave an old menu on their
screen whose buttons all answer "this menu has moved on"; left as it is, the menu still works, and
its next click brings a fresh token. The caller gets :data:`UNREACHABLE` and an INFO log line;
a timed edge waits for that next click (see :mod:`flowfsm.engine.timed`).

A part of :class:`~flowfsm.engine.manager.FlowManager` (see ARCHITECTURE.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import hikari

from flowfsm.define import lifecycle
from flowfsm.define.context import Context
from flowfsm.define.flow import Flow
from flowfsm.engine import logs, trust
from flowfsm.engine.render import EPHEMERAL, Rendered
from flowfsm.engine.session import Session
from flowfsm.engine.text_input import TextInput
from flowfsm.errors import FlowError, GuardFailure

__all__ = [
    "AMBIGUOUS",
    "BUSY",
    "ERROR",
    "NOT_HERE",
    "NO_SESSION",
    "REFUSED",
    "SEND_STATUSES",
    "SENT",
    "UNDELIVERED",
    "UNREACHABLE",
    "External",
    "SendResult",
    "check_declared",
]

_LOG = logs.get_logger("flowfsm")

SENT = "sent"
"""The trigger fired and the menu was edited to the new screen."""
REFUSED = "refused"
"""A condition or guard refused the trigger: nothing changed."""
NOT_HERE = "not_here"
"""The session's state has no such trigger (it moved on): nothing changed."""
NO_SESSION = "no_session"
"""No open session matches (unknown, expired, ended)."""
AMBIGUOUS = "ambiguous"
"""The user has several open sessions and no ``flow=`` says which."""
UNREACHABLE = "unreachable"
"""No edit can reach the menu (ephemeral past its 15-minute token): nothing fired (see the module)."""
UNDELIVERED = "undelivered"
"""The trigger fired but the edit failed (the message is gone, Discord refused)."""
BUSY = "busy"
"""Another step of the session (on another replica, with a remote store) held it past the store's
``wait``: nothing changed; sending again later may succeed."""
ERROR = "error"
"""A callback raised: the session ended as a failed step does (logged at ERROR)."""
_REPLY_RETRIES = (0.05, 0.2, 0.5, None)
"""Seconds between tries of a REST bot's webhook edit while Discord has not processed its reply."""
_REPLY_WINDOW = 5.0
"""Seconds after a reply during which its webhook not being there yet is worth waiting for."""

SEND_STATUSES = (SENT, REFUSED, NOT_HERE, NO_SESSION, AMBIGUOUS, BUSY, UNREACHABLE, UNDELIVERED, ERROR)
"""Every :attr:`SendResult.status`."""


def check_declared(session: Session, trigger: str) -> None:
    """Raise :class:`FlowError` when neither ``session``'s flow nor its root flow declares
    ``trigger`` (a caller's mistake, not a state of the session)."""
    if trigger not in session.flow.machine.events and trigger not in session.root_flow.machine.events:
        raise FlowError(f"flow {session.flow.name!r} declares no trigger {trigger!r}")


@dataclass(frozen=True, slots=True)
class SendResult:
    """What :meth:`External.send` did: ``status`` (one of :data:`SEND_STATUSES`), the session it
    reached (if any) and the state the session is in afterwards, and a human-readable ``detail``."""

    status: str
    session_id: str | None = None
    state: str | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        """Whether the trigger fired and the user sees the new screen."""
        return self.status == SENT


class External(TextInput):
    """Triggers from outside a click: ``flows.send``, ``flows.sessions``, the interaction-less step."""

    async def send(
        self,
        target: Session | str | int | hikari.SnowflakeishOr[hikari.User],
        trigger: str,
        *,
        flow: Flow | str | None = None,
        **options: Any,
    ) -> SendResult:
        """Fire ``trigger`` on an open session from outside a click, with the usual hooks, render
        and a message edit; ``options`` become ``ctx.trigger_options``.

        ``target`` is a :class:`Session`, a session id (``str``), or a user (id or object) whose
        open session of ``flow`` is meant (``flow`` may be left out when the user has one open
        session). Never raises for a session that is gone or busy: the :class:`SendResult` says
        what happened. Raises :class:`FlowError` only for a trigger the flow does not declare.
        """
        session, problem = self._target(target, flow)
        if session is None:
            return SendResult(AMBIGUOUS if problem.startswith("several") else NO_SESSION, detail=problem)
        check_declared(session, trigger)
        return await self._external_step(session, trigger, options, origin="send")

    def open_sessions(
        self, *, flow: Flow | str | None = None, user: hikari.SnowflakeishOr[hikari.User] | None = None
    ) -> list[Session]:
        """The open sessions of ``flow`` (by the flow they were started with) and/or ``user``.

        With a user, only that user's sessions are looked at; with a flow only, the flow's own
        index; with neither, every open session (a copy of the whole store). (Named
        ``open_sessions`` because ``flows.sessions`` is the session store.)"""
        name = flow.name if isinstance(flow, Flow) else flow
        if user is not None:
            found = list(self.sessions.of_user(int(user)).values())
            return [s for s in found if name is None or s.root_flow.name == name]
        if name is None:
            return list(self.sessions)
        index = self._live_by_flow.get(name)
        if not index:
            return []
        alive = [s for s in index.values() if not s.ended and self.sessions.get(s.id) is s]
        if len(alive) != len(index):
            self._live_by_flow[name] = {s.id: s for s in alive}  # prune what expired meanwhile
        return alive

    def _target(
        self, target: Session | str | int | hikari.SnowflakeishOr[hikari.User], flow: Flow | str | None
    ) -> tuple[Session | None, str]:
        """The open session ``target`` names, or ``None`` and why."""
        if isinstance(target, Session):
            target = target.id
        if isinstance(target, str):
            session = self.sessions.get(target)
            return (session, "") if session is not None else (None, f"no open session {target!r}")
        user = int(target)
        mine = self.sessions.of_user(user)
        if flow is not None:
            name = flow.name if isinstance(flow, Flow) else flow
            session = mine.get(name)
            return (session, "") if session is not None else (None, f"user {user} has no open {name!r} menu")
        if len(mine) == 1:
            return next(iter(mine.values())), ""
        if not mine:
            return None, f"user {user} has no open menu"
        return None, f"several open menus of user {user} ({', '.join(sorted(mine))}): say which with flow="

    def _index_live(self, session: Session) -> None:
        """Every interactive render: index the session by its flow for ``open_sessions(flow=...)``
        (a dict lookup once it is indexed; its first screen indexes it)."""
        name = session.root_flow.name
        index = self._live_by_flow.get(name)
        if index is None:
            index = self._live_by_flow[name] = {}
        if session.id not in index and not session.ended:
            index[session.id] = session

    def _end(self, session: Session, reason: str) -> None:
        super()._end(session, reason)
        self._forget_live(session)

    async def _timed_out(self, session: Session, reason: str = "timeout") -> None:
        self._forget_live(session)
        await super()._timed_out(session, reason)

    def _forget_live(self, session: Session) -> None:
        """Drop an ended session from the live indexes (timed edges and watches extend this)."""
        index = self._live_by_flow.get(session.root_flow.name)
        if index is not None and index.pop(session.id, None) is not None and not index:
            del self._live_by_flow[session.root_flow.name]

    def _reachable(self, session: Session) -> bool:
        """Whether an edit can reach the menu: a fresh token, or a known non-ephemeral message."""
        if self._token_fresh(session.token, session.token_at):
            return True
        return (
            session.message_id is not None
            and session.channel_id is not None
            and not session.msg_flags & EPHEMERAL
        )

    async def _external_step(
        self,
        session: Session,
        trigger: str | None,
        options: Mapping[str, Any],
        *,
        origin: str,
        still: Callable[[], bool] | None = None,
    ) -> SendResult:
        """Fire ``trigger`` (``None``: only re-render) on ``session`` under its lock and edit its
        menu; ``still`` (checked once the lock is held) says whether the step is still wanted."""
        try:
            async with self.sessions.lock(session):
                if still is not None and not still():
                    return SendResult(NOT_HERE, session.id, session.state, "the session moved on")
                return await self._external_locked(session, trigger, options, origin)
        finally:
            self.sessions.release(session)

    async def _external_locked(
        self, session: Session, trigger: str | None, options: Mapping[str, Any], origin: str
    ) -> SendResult:
        if session.ended or self.sessions.get(session.id) is not session:
            return SendResult(NO_SESSION, session.id, session.state, "the session has ended")
        if trigger is not None and trigger not in session.flow.triggers_from(session.state):
            return SendResult(
                NOT_HERE, session.id, session.state, f"state {session.state!r} has no {trigger!r}"
            )
        if not self._reachable(session):
            _LOG.info(
                "flowfsm: %s %r not run on session %s: its ephemeral menu is past its 15-minute token "
                "(it waits for the user's next click)",
                origin,
                trigger,
                session.id,
                extra=logs.fields(session),
            )
            return SendResult(
                UNREACHABLE, session.id, session.state, "ephemeral menu past its 15-minute token"
            )
        ctx = Context(self, session, None)
        probe = self.telemetry.step(ctx, None, trigger or origin)
        try:
            async with asyncio.timeout(self.step_timeout):
                if trigger is not None and not await self.fire(ctx, trigger, options):
                    probe.outcome("guard")
                    return SendResult(REFUSED, session.id, session.state, "a condition refused it")
                rendered = await self._live_render(ctx, refresh=trigger is None)
            return await self._deliver_live(ctx, rendered)
        except GuardFailure as refusal:
            probe.outcome("guard")
            self.telemetry.refused(session.flow, "guard")
            lifecycle.trace(ctx, "guard", session.state, session.state, None, refusal.message)
            return SendResult(REFUSED, session.id, session.state, refusal.message)
        except Exception as exc:
            probe.outcome("timeout" if isinstance(exc, TimeoutError) else "error", exc)
            self._fail_unanswered(ctx, exc, f"{origin} {trigger!r}")
            return SendResult(ERROR, session.id, session.state, trust.redact(f"{type(exc).__name__}: {exc}"))
        finally:
            probe.done()

    async def _live_render(self, ctx: Context, *, refresh: bool) -> Rendered:
        """The new screen of an interaction-less step (a refresh keeps the screen's custom ids
        when it offers the same items, see :mod:`flowfsm.engine.watch`)."""
        return await self._render_for_step(ctx)

    async def _deliver_live(self, ctx: Context, rendered: Rendered) -> SendResult:
        """Edit the menu to ``rendered``; end the session if the step closed it, else after_render."""
        session = ctx.session
        fields = {"content": rendered.content, "embeds": rendered.embeds, "components": rendered.components}
        public = session.message_id is not None and session.channel_id is not None
        public = public and not session.msg_flags & EPHEMERAL
        if self.client.is_rest and self._token_fresh(session.token, session.token_at):
            edited = await self._edit_after_reply(session, fields, public)
        elif public:
            # A public message the session knows: the channel endpoint needs no token.
            edited = await self._edit_in_channel(session, fields)
        else:
            edited = await self._edit_menu(session, **fields)
        if edited:
            session.msg_flags = rendered.flags
        if session.ended:
            self._end(session, ctx.end_reason)
        else:
            await lifecycle.run_hooks(ctx, "after_render")
        if not edited:
            return SendResult(UNDELIVERED, session.id, session.state, "the menu could not be edited")
        return SendResult(SENT, session.id, session.state)

    async def _edit_after_reply(self, session: Session, fields: dict[str, Any], public: bool) -> bool:
        """A REST bot's edit through the last interaction's webhook. That interaction was answered
        by an HTTP reply, which has no order with our own REST calls: an edit sent just after it
        could reach Discord first and be overwritten by it. The webhook's original message exists
        only once Discord processed the reply (Unknown Message before), so within a few seconds of
        the reply the edit is retried briefly until it does. A webhook still unknown after that is
        dead: the session forgets the token, and a public message is edited through its channel."""
        young = self.clock() - session.token_at < _REPLY_WINDOW
        for delay in _REPLY_RETRIES if young else (None,):
            try:
                await self.rest.edit_interaction_response(self.application_id, session.token, **fields)  # type: ignore[arg-type]
                return True
            except hikari.NotFoundError:
                if delay is not None:
                    await asyncio.sleep(delay)
            except (hikari.HTTPError, hikari.RateLimitTooLongError) as exc:
                return self._edit_failed(session, exc)
        session.token = None
        return await self._edit_in_channel(session, fields) if public else False

    async def _edit_in_channel(self, session: Session, fields: dict[str, Any]) -> bool:
        """Edit the session's public menu message through the channel endpoint."""
        assert session.channel_id is not None and session.message_id is not None
        try:
            await self.rest.edit_message(session.channel_id, session.message_id, **fields)
        except (hikari.NotFoundError, hikari.ForbiddenError) as exc:
            _LOG.info(
                "flowfsm: the menu of session %s cannot be edited (%s)",
                session.id,
                type(exc).__name__,
                extra=logs.fields(session),
            )
            return False
        except (hikari.HTTPError, hikari.RateLimitTooLongError) as exc:
            return self._edit_failed(session, exc)
        return True
