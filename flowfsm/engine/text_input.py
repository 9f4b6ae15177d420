"""States that read the user's next message, and menus whose message was deleted (gateway events).

A part of :class:`~flowfsm.engine.manager.FlowManager` (see ARCHITECTURE.md).
"""

from __future__ import annotations

import asyncio

import hikari

from flowfsm.define import lifecycle
from flowfsm.define.context import Context
from flowfsm.define.machine import call_hook
from flowfsm.engine import logs
from flowfsm.engine.routing import Routing
from flowfsm.engine.session import Session
from flowfsm.engine.telemetry import RENDER, RESPONSE
from flowfsm.errors import GuardFailure

__all__ = ["TextInput"]

_LOG = logs.get_logger("flowfsm")


class TextInput(Routing):
    """States that read the user's next message, and menus whose message was deleted (gateway events)."""

    async def _on_message_create(self, event: hikari.MessageCreateEvent) -> None:
        """A user's message in a channel where their menu waits for text input."""
        if not self._awaiting or event.author.is_bot:
            return
        session = self._awaiting.get((int(event.channel_id), int(event.author_id)))
        if session is None:
            return
        async with self.sessions.lock(session):
            if (
                session.ended
                or self._awaiting.get((int(event.channel_id), int(event.author_id))) is not session
            ):
                return
            await self._text_input(session, event.message)
        self.sessions.release(session)

    async def _text_input(self, session: Session, message: hikari.Message) -> None:
        spec = session.flow.states[session.state]
        assert spec.on_message is not None
        self.sessions.touch(session)
        ctx = Context(self, session, None)
        ctx.values = [message.content or ""]
        probe = self.telemetry.step(ctx, None, "text")
        try:
            async with asyncio.timeout(self.step_timeout):
                await call_hook(spec.on_message, ctx, message.content or "")
                if spec.delete_message:
                    try:
                        await self.rest.delete_message(message.channel_id, message.id)
                    except (hikari.NotFoundError, hikari.ForbiddenError):
                        _LOG.info(
                            "flowfsm: could not delete the input message of session %s",
                            session.id,
                            extra=logs.fields(session),
                        )
                probe.mark(RENDER)
                rendered = await self._render_for_step(ctx)
            probe.mark(RESPONSE)
            await self._edit_menu(
                session, content=rendered.content, embeds=rendered.embeds, components=rendered.components
            )
            session.msg_flags = rendered.flags
            if session.ended:
                self._end(session, ctx.end_reason)
            else:
                self._track_input(session)
        except GuardFailure as refusal:
            probe.outcome("guard")
            self.telemetry.refused(session.flow, "guard")
            lifecycle.trace(ctx, "guard", session.state, session.state, None, refusal.message)
        except Exception as exc:
            probe.outcome("timeout" if isinstance(exc, TimeoutError) else "error", exc)
            self._fail_unanswered(ctx, exc, "text input")
        finally:
            probe.done()

    def _track_input(self, session: Session) -> None:
        """Keep the index of sessions waiting for a text message up to date."""
        if session.channel_id is None:
            return
        key = (session.channel_id, session.user_id)
        if not session.ended and session.flow.states[session.state].on_message is not None:
            self._awaiting[key] = session
        elif self._awaiting.get(key) is session:
            del self._awaiting[key]

    async def _on_message_delete(self, event: hikari.MessageDeleteEvent) -> None:
        """A menu's message was deleted: its session can never be clicked again."""
        session = self.sessions.by_message(int(event.message_id))
        if session is not None:
            _LOG.info(
                "flowfsm: session %s ended, its message was deleted", session.id, extra=logs.fields(session)
            )
            self._finish(session, "deleted")
