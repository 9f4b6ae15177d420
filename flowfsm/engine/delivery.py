"""Getting a step's message to Discord: in place or as a new message (cleanup policies), token
freshness, edits through the webhook or the channel, what happens when a response fails.

A part of :class:`~flowfsm.engine.manager.FlowManager` (see ARCHITECTURE.md).
"""

from __future__ import annotations

from typing import Any

import hikari
from hikari.impl import TextDisplayComponentBuilder

from flowfsm import eager
from flowfsm.define.context import Context
from flowfsm.define.flow import Flow
from flowfsm.engine import logs, trust
from flowfsm.engine.render import (
    COMPONENTS_V2,
    EPHEMERAL,
    Rendered,
)
from flowfsm.engine.response import Responder
from flowfsm.engine.screens import Screens
from flowfsm.engine.session import Session

__all__ = ["Delivery"]

_LOG = logs.get_logger("flowfsm")
_UNKNOWN_INTERACTION = 10062
# A webhook token is good for 15 minutes; past this age, edits go through the channel instead.
_TOKEN_LIFETIME = 14.5 * 60


class Delivery(Screens):
    """Getting a step's message to Discord: in place or as a new message (cleanup policies), token"""

    async def _show(
        self, ctx: Context, responder: Responder, rendered: Rendered, before: tuple[Flow, str]
    ) -> bool:
        """Send the step's message (in place, or as a new one per the cleanup policy) and record
        where the menu now is; ``False`` when the message or interaction is gone."""
        session = ctx.session
        policy = None if responder.creates else self._post_policy(ctx, rendered, before)
        old = (session.token, session.token_at, session.msg_flags, session.message_id)
        posted = responder.creates or policy is not None
        if policy is not None:
            responder.creates = True
        delivered = True
        try:
            await responder.update(rendered)
        except hikari.NotFoundError as gone:
            if gone.code != _UNKNOWN_INTERACTION or posted:
                # Unknown Message, or a new message that could not be posted: nothing to show; end quietly.
                _LOG.info(
                    "flowfsm: session %s ended, its message or interaction is gone (%s)",
                    session.id,
                    gone.code,
                    extra=logs.fields(session),
                )
                self._end(session, "message_deleted")
                responder.fail_safe()
                return False
            if not await self._undelivered(ctx, responder, rendered, gone):
                return False
            delivered = False
        except (hikari.HTTPError, hikari.RateLimitTooLongError) as exc:
            if posted:
                await self._undelivered_post(ctx, responder, exc)
                return False
            if not await self._undelivered(ctx, responder, rendered, exc):
                return False
            delivered = False
        session.msg_flags = rendered.flags
        if responder.message_id is not None:
            self.sessions.set_message(session, responder.message_id)
        elif posted:
            # A REST bot's HTTP reply does not tell the new message's id: learn it on the next click.
            self.sessions.forget_message(session)
        if delivered:
            # The interaction's webhook now holds the menu (not so when it was shown another way).
            session.token = getattr(ctx.interaction, "token", None)
            session.token_at = self.clock()
        if policy is not None:
            await self._clean_up(session, policy, *old)
        if self._awaiting or session.flow.states[session.state].on_message is not None:
            self._track_input(session)
        return True

    async def _undelivered(
        self, ctx: Context, responder: Responder, rendered: Rendered, exc: BaseException
    ) -> bool:
        """A click's reply failed (Unknown Interaction, 5xx after retries, 429 past Discord's
        3 s) after its step committed. The menu on screen must not disagree with the session:
        it is edited to the new screen through the channel (or the previous interaction's
        webhook); when neither is possible the session ends and the user is told if the
        interaction can still answer. Logged at WARNING. ``True`` when the session goes on."""
        session = ctx.session
        responder.fail_safe()
        _LOG.warning(
            "flowfsm: the reply to a click on session %s failed (%s); showing the new screen another way",
            session.id,
            trust.redact(str(exc), session.token, getattr(ctx.interaction, "token", None)),
        )
        if await self._show_elsewhere(session, rendered):
            return True
        self._end(session, "error")
        try:
            await responder.ephemeral_text(self.texts.not_delivered.format(command=session.root_flow.command))
        except hikari.HikariError:
            _LOG.warning("flowfsm: session %s closed; its user could not be told", session.id)
        return False

    async def _show_elsewhere(self, session: Session, rendered: Rendered) -> bool:
        """Edit the menu to ``rendered`` without the failed interaction; ``False`` if impossible."""
        fields: dict[str, Any] = {
            "content": rendered.content,
            "embeds": rendered.embeds,
            "components": rendered.components,
        }
        try:
            if (
                session.message_id is not None
                and session.channel_id is not None
                and not session.msg_flags & EPHEMERAL
            ):
                await self.rest.edit_message(session.channel_id, session.message_id, **fields)
                return True
            if self._token_fresh(session.token, session.token_at):
                await self.rest.edit_interaction_response(self.application_id, session.token, **fields)  # type: ignore[arg-type]
                return True
        except hikari.HikariError as exc:
            _LOG.warning(
                "flowfsm: could not show session %s's new screen either: %s",
                session.id,
                trust.redact(str(exc), session.token),
            )
        return False

    async def _undelivered_post(self, ctx: Context, responder: Responder, exc: BaseException) -> None:
        """A new menu message could not be posted: the session ends (its old menu, if any, is
        disabled) and the user is told if the interaction can still answer. WARNING."""
        session = ctx.session
        responder.fail_safe()
        _LOG.warning(
            "flowfsm: the menu of session %s could not be posted (%s); closing it",
            session.id,
            trust.redact(str(exc), getattr(ctx.interaction, "token", None)),
        )
        was_open = self.sessions.get(session.id) is session and session.token is not None
        self._end(session, "error")
        try:
            await responder.ephemeral_text(self.texts.not_delivered.format(command=session.root_flow.command))
        except hikari.HikariError:
            _LOG.warning("flowfsm: session %s closed; its user could not be told", session.id)
        if was_open:
            self.outbox.put(lambda: self._close_message(session, disabled=True, ctx=ctx))

    def _post_policy(self, ctx: Context, rendered: Rendered, before: tuple[Flow, str]) -> str | None:
        """Whether this step's result goes to a new message, and what happens to the old one.

        Precedence, strongest first: the clicked item's ``cleanup``, the state's, the flow's,
        then ``"edit"``. A new message is posted when the policy is not ``"edit"`` and the state
        changed, when the state says ``post=True``, or when the message cannot be edited into
        the new one (public <-> ephemeral, Components v2 -> classic); an ``"edit"`` policy then
        strips the old message's components.
        """
        session = ctx.session
        spec = session.flow.states[session.state]
        policy = getattr(ctx.item, "cleanup", None) or spec.cleanup or session.flow.cleanup
        old = session.msg_flags
        forced = bool(old & EPHEMERAL) != rendered.ephemeral or (
            bool(old & COMPONENTS_V2) and not rendered.layout
        )
        moved = (session.flow, session.state) != before
        if forced or (moved and (policy != "edit" or spec.post)):
            return "strip" if policy == "edit" else policy
        return None

    async def _clean_up(
        self,
        session: Session,
        policy: str,
        token: str | None,
        token_at: float,
        flags: int,
        message_id: int | None,
    ) -> None:
        """Handle the previous message after a new one was posted: delete, strip or replace it."""
        await eager.own_task()
        ephemeral = bool(flags & EPHEMERAL)
        v2 = bool(flags & COMPONENTS_V2)
        if policy == "delete" and ephemeral:
            policy = "replace"  # ephemeral messages cannot be deleted by the bot
        if policy == "strip" and v2:
            policy = "replace"  # a v2 message's text is made of components
        fresh = self._token_fresh(token, token_at)
        try:
            if policy == "delete":
                if fresh:
                    await self.rest.delete_interaction_response(self.application_id, token)  # type: ignore[arg-type]
                elif message_id is not None and session.channel_id is not None:
                    await self.rest.delete_message(session.channel_id, message_id)
                return
            moved = self.localized.for_session(session).moved
            if policy == "strip":
                fields: dict[str, Any] = {"components": []}
            elif v2:
                fields = {"components": [TextDisplayComponentBuilder(content=moved)]}
            else:
                fields = {"content": moved, "embeds": [], "components": []}
            if fresh:
                await self.rest.edit_interaction_response(self.application_id, token, **fields)  # type: ignore[arg-type]
            elif message_id is not None and session.channel_id is not None and not ephemeral:
                await self.rest.edit_message(session.channel_id, message_id, **fields)
        except (hikari.NotFoundError, hikari.ForbiddenError):
            _LOG.info(
                "flowfsm: the previous message of session %s is gone", session.id, extra=logs.fields(session)
            )
        except Exception as exc:
            # The new message is already posted: the session goes on there.
            _LOG.warning(
                "flowfsm: could not clean up the previous message of session %s: %s",
                session.id,
                trust.redact(str(exc), token),
            )

    async def _close_message(self, session: Session, *, disabled: bool, ctx: Context) -> None:
        """Edit an ended session's message so its components are disabled (or removed)."""
        try:
            rendered = await self.render(ctx, interactive=True, disabled=disabled)
            components: list[hikari.api.ComponentBuilder] = rendered.components
            content, embeds = rendered.content, rendered.embeds
        except Exception:
            _LOG.warning(
                "flowfsm: render for closing session %s failed; removing components",
                session.id,
                extra=logs.fields(session),
            )
            components, content, embeds = [], hikari.UNDEFINED, hikari.UNDEFINED  # type: ignore[assignment]
        session.items = ()
        self.telemetry.outbox_edit(
            await self._edit_menu(session, content=content, embeds=embeds, components=components)
        )

    def _token_fresh(self, token: str | None, token_at: float) -> bool:
        """Whether ``token``'s webhook can still edit the menu (tokens live 15 minutes)."""
        return (
            token is not None
            and self.application_id is not None
            and self.clock() - token_at < _TOKEN_LIFETIME
        )

    async def _edit_menu(self, session: Session, **fields: Any) -> bool:
        """Edit the session's menu: through the latest interaction's webhook while its token lives,
        else through the channel (not possible for an ephemeral message). ``True`` if it was edited."""
        await eager.own_task()
        try:
            if self._token_fresh(session.token, session.token_at):
                await self.rest.edit_interaction_response(self.application_id, session.token, **fields)  # type: ignore[arg-type]
            elif (
                session.message_id is not None
                and session.channel_id is not None
                and not session.msg_flags & EPHEMERAL
            ):
                await self.rest.edit_message(session.channel_id, session.message_id, **fields)
            else:
                return False
        except (hikari.NotFoundError, hikari.ForbiddenError):
            _LOG.info(
                "flowfsm: message of session %s is gone; nothing to disable",
                session.id,
                extra=logs.fields(session),
            )
            return False
        except hikari.HTTPError as exc:
            return self._edit_failed(session, exc)
        return True

    def _edit_failed(self, session: Session, exc: Exception) -> bool:
        """Log an edit of ``session``'s menu that Discord refused (the token redacted from hikari's
        message, which ends with the URL); returns ``False``, the edit's outcome."""
        _LOG.warning(
            "flowfsm: could not edit the menu of session %s: %s",
            session.id,
            trust.redact(str(exc), session.token),
            extra=logs.fields(session),
        )
        return False

    def _fail_unanswered(self, ctx: Context, exc: BaseException, what: str) -> None:
        """A step with no interaction to answer (``what``: a text input, a send, a timed edge)
        failed: log it, end the session and queue the edit disabling its menu."""
        session = ctx.session
        _LOG.error(
            "flowfsm: error in %s of flow %r, state %r, session %s",
            what,
            session.flow.name,
            session.state,
            session.id,
            exc_info=exc,
            extra=logs.fields(session),
        )
        self._end(session, "error")
        self.outbox.put(lambda: self._close_message(session, disabled=True, ctx=ctx))
