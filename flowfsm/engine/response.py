"""The miru side: routing interactions into flowfsm and answering them exactly once.

flowfsm does not start a ``miru.View`` per session (that would cost a View and an asyncio
timeout task per idle menu). Instead it installs itself as the miru client's
unhandled-component and unhandled-modal hook: every click miru cannot route reaches
:meth:`FlowManager.handle_component`, custom ids that are not ours go on to the hook the bot
author had set before (if any).

:class:`Responder` hides the three ways an interaction gets its initial response: a REST call
(gateway bots), the builder returned to hikari's interaction server (REST bots), or an arc
context. It can defer at any moment (:meth:`Responder.defer_now`); the manager does so when a step is
slow, so Discord's 3-second deadline holds.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Sequence
from typing import Any, Protocol

import hikari
from hikari.impl import InteractionDeferredBuilder, InteractionMessageBuilder

from flowfsm.eager import own_task
from flowfsm.engine.logs import get_logger
from flowfsm.engine.render import COMPONENTS_V2, Rendered

__all__ = ["ArcContextLike", "Responder", "ResponseMode"]

_LOG = get_logger("flowfsm.response")
_UNKNOWN_WEBHOOK = 10015

ResponseBuilder = InteractionMessageBuilder | InteractionDeferredBuilder | hikari.api.InteractionModalBuilder


class ArcContextLike(Protocol):
    """The part of a hikari-arc context flowfsm uses."""

    @property
    def interaction(self) -> hikari.CommandInteraction: ...

    async def respond_with_builder(self, builder: Any) -> Any: ...


class ResponseMode(enum.Enum):
    """How the initial response reaches Discord."""

    REST = "rest"
    """``interaction.create_initial_response`` (gateway bots)."""
    BUILDER = "builder"
    """Returned to hikari's interaction server as the HTTP reply (REST bots)."""
    ARC = "arc"
    """``arc.Context.respond_with_builder`` (arc handles either kind of bot)."""


class _Phase(enum.Enum):
    PENDING = 0
    DEFERRED = 1
    RESPONDED = 2


class Responder:
    """Answers one interaction: the initial response once, then edits and follow-ups.

    Args:
        interaction: the command, component or modal interaction.
        mode: how the initial response is sent.
        creates: ``True`` for a command (the menu is a new message), ``False`` for a click
            on the menu (the menu message is updated in place).
        ephemeral: whether a new menu message is ephemeral.
        arc_ctx: the arc context, in ``ARC`` mode.
    """

    __slots__ = (
        "_defer_task",
        "_phase",
        "arc_ctx",
        "creates",
        "ephemeral",
        "future",
        "interaction",
        "message_id",
        "mode",
        "task",
    )

    def __init__(
        self,
        interaction: hikari.CommandInteraction | hikari.ComponentInteraction | hikari.ModalInteraction,
        mode: ResponseMode,
        *,
        creates: bool,
        ephemeral: bool = False,
        arc_ctx: ArcContextLike | None = None,
    ) -> None:
        self.interaction = interaction
        self.mode = mode
        self.creates = creates
        self.ephemeral = ephemeral
        self.arc_ctx = arc_ctx
        self.future: asyncio.Future[ResponseBuilder] | None = (
            asyncio.get_running_loop().create_future() if mode is ResponseMode.BUILDER else None
        )
        self.message_id: int | None = None
        self._phase = _Phase.PENDING
        self._defer_task: asyncio.Task[None] | None = None
        self.task: asyncio.Task[Any] | None = None
        """The task running this interaction's step (once it has one)."""

    @property
    def responded(self) -> bool:
        """Whether the initial response (or a defer) has been issued."""
        return self._phase is not _Phase.PENDING

    @property
    def deferred(self) -> bool:
        """Whether the interaction was deferred (later output goes through edits)."""
        return self._phase is _Phase.DEFERRED

    # -- deferring in time -------------------------------------------------------------------------

    def defer_now(self) -> None:
        """Acknowledge the interaction now, if nothing has been sent yet (the step is slow: its
        output then goes through edits). The manager calls this when ``defer_after`` has passed."""
        if self._phase is not _Phase.PENDING:
            return
        self._phase = _Phase.DEFERRED
        kind = (
            hikari.ResponseType.DEFERRED_MESSAGE_CREATE
            if self.creates
            else hikari.ResponseType.DEFERRED_MESSAGE_UPDATE
        )
        flags = hikari.MessageFlag.EPHEMERAL if self.creates and self.ephemeral else hikari.UNDEFINED
        builder = InteractionDeferredBuilder(kind, flags=flags)
        if self.future is not None:
            self._hand_over(builder)
            return
        self._defer_task = asyncio.get_running_loop().create_task(self._send_initial(builder))

    async def _settle_defer(self) -> None:
        if self._defer_task is not None:
            task, self._defer_task = self._defer_task, None
            await task

    # -- sending -----------------------------------------------------------------------------------

    def _hand_over(self, builder: ResponseBuilder) -> None:
        """A REST bot's initial response: the HTTP reply its interaction server sends."""
        assert self.future is not None
        if not self.future.done():
            self.future.set_result(builder)

    async def _send_initial(self, builder: ResponseBuilder) -> None:
        if self.mode is ResponseMode.BUILDER:
            self._hand_over(builder)
            return
        if self.mode is ResponseMode.ARC:
            assert self.arc_ctx is not None
            await self.arc_ctx.respond_with_builder(builder)
            return
        if isinstance(builder, InteractionDeferredBuilder):
            await self.interaction.create_initial_response(builder.type, flags=builder.flags)  # type: ignore[arg-type]
            return
        assert isinstance(builder, InteractionMessageBuilder)
        response = await self.interaction.create_initial_response(
            builder.type,  # type: ignore[arg-type]
            content=builder.content,
            embeds=builder.embeds,
            components=builder.components,
            attachments=builder.attachments,
            flags=builder.flags,
        )
        resource = getattr(response, "resource", hikari.UNDEFINED)
        message = getattr(resource, "message", hikari.UNDEFINED) if resource else hikari.UNDEFINED
        if message:
            self.message_id = int(message.id)

    async def _respond(self, builder: ResponseBuilder) -> None:
        """Send the initial response; the interaction counts as answered only once it went out
        (a failed send leaves it pending, so an error reply is still an initial response)."""
        self._phase = _Phase.RESPONDED
        try:
            await self._send_initial(builder)
        except BaseException:
            self._phase = _Phase.PENDING
            raise

    async def update(self, rendered: Rendered) -> None:
        """Show the menu: create it (command) or update it in place (click), or edit after a defer."""
        if self._defer_task is not None:
            await self._settle_defer()
        if self._phase is _Phase.PENDING:
            kind = hikari.ResponseType.MESSAGE_CREATE if self.creates else hikari.ResponseType.MESSAGE_UPDATE
            # An update may add the Components v2 flag (never remove it); ephemerality is fixed.
            flags = rendered.flags if self.creates else (rendered.flags & COMPONENTS_V2)
            builder = InteractionMessageBuilder(
                kind,
                content=rendered.content,
                flags=flags,
                # None (JSON null) clears a field; hikari's builder drops empty lists.
                embeds=list(rendered.embeds) or None,
                components=list(rendered.components) or None,
                attachments=list(rendered.attachments) or hikari.UNDEFINED,
            )
            if (
                self.mode is ResponseMode.BUILDER
                and (rendered.attachments or rendered.flags & COMPONENTS_V2)
                and builder.build(self.interaction.app.entity_factory)[1]
            ):
                # hikari's interaction server would fetch and re-upload every file of an HTTP reply,
                # media URLs included: acknowledge now and send the files through the REST client.
                self.defer_now()
            elif self.future is not None:
                # _respond without its coroutines: a REST bot's reply is handed over, not awaited.
                self._phase = _Phase.RESPONDED
                self._hand_over(builder)
                return
            else:
                await self._respond(builder)
                return
        message = await self._after_reply(
            self.interaction.edit_initial_response,
            content=rendered.content,
            embeds=rendered.embeds,
            components=rendered.components,
            attachments=list(rendered.attachments) or hikari.UNDEFINED,
        )
        self.message_id = int(message.id)

    async def _after_reply(self, call: Any, **fields: Any) -> Any:
        """A webhook call that must come after the initial response.

        A REST bot's initial response travels back as its HTTP reply, which Discord may not have
        processed yet when we edit: a 404 Unknown Webhook (10015) then means "not yet", so retry
        briefly (about 1.5 s). Unknown Message / Unknown Interaction are final.
        """
        await own_task()
        attempts = 6 if self.mode is ResponseMode.BUILDER else 1
        for attempt in range(attempts):
            try:
                return await call(**fields)
            except hikari.NotFoundError as exc:
                if attempt == attempts - 1 or exc.code != _UNKNOWN_WEBHOOK:
                    raise
                await asyncio.sleep(0.05 * 2**attempt)
        raise AssertionError("unreachable")

    async def modal(self, builder: hikari.api.InteractionModalBuilder) -> None:
        """Open a modal: only possible as the initial response (never after a defer)."""
        if self._phase is not _Phase.PENDING:
            raise RuntimeError("a modal can only be the initial response of an interaction")
        if self.mode is ResponseMode.REST:
            self._phase = _Phase.RESPONDED
            try:
                await self.interaction.create_modal_response(  # type: ignore[union-attr]
                    builder.title, builder.custom_id, components=builder.components
                )
            except BaseException:
                self._phase = _Phase.PENDING
                raise
            return
        await self._respond(builder)

    async def ephemeral_text(
        self, text: str, *, components: Sequence[hikari.api.ComponentBuilder] = ()
    ) -> None:
        """Tell the user something only they see (errors, refusals), optionally with buttons."""
        await self._settle_defer()
        if self._phase is _Phase.PENDING:
            await self._respond(
                InteractionMessageBuilder(
                    hikari.ResponseType.MESSAGE_CREATE,
                    content=text,
                    flags=hikari.MessageFlag.EPHEMERAL,
                    components=list(components) if components else hikari.UNDEFINED,
                )
            )
            return
        if self.creates and self._phase is _Phase.DEFERRED:
            # The deferred "thinking…" placeholder is the only message there is: it becomes the text.
            await self._after_reply(
                self.interaction.edit_initial_response, content=text, embeds=[], components=[]
            )
            return
        await self._after_reply(
            self.interaction.execute,
            content=text,
            flags=hikari.MessageFlag.EPHEMERAL,
            components=list(components) or hikari.UNDEFINED,
        )

    def fail_safe(self) -> None:
        """Make sure a REST bot's HTTP reply is never left hanging (after an internal error)."""
        if self.future is not None and not self.future.done():
            self.future.set_result(
                InteractionMessageBuilder(
                    hikari.ResponseType.MESSAGE_CREATE,
                    content="Something went wrong.",
                    flags=hikari.MessageFlag.EPHEMERAL,
                )
            )
