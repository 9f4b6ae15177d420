"""From an interaction to a session: parse the custom id, find the session, check owner, screen
identity and what was rendered, refuse clearly, serialize, and "Open again".

A part of :class:`~flowfsm.engine.manager.FlowManager` (see ARCHITECTURE.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import hikari
from hikari.impl import InteractionDeferredBuilder, MessageActionRowBuilder

from flowfsm.define import lifecycle
from flowfsm.define.context import Context
from flowfsm.define.flow import Flow
from flowfsm.define.machine import call_hook
from flowfsm.define.modals import Modal, build_modal, fields_from
from flowfsm.define.screen import Button
from flowfsm.define.selects import values_from
from flowfsm.engine import custom_id, logs, trust
from flowfsm.engine.admission import Admission
from flowfsm.engine.render import (
    item_key,
)
from flowfsm.engine.response import ArcContextLike, Responder, ResponseMode
from flowfsm.engine.session import Session
from flowfsm.errors import FlowError

__all__ = ["Routing"]

_LOG = logs.get_logger("flowfsm")


class Routing(Admission):
    """From an interaction to a session: parse the custom id, find the session, check owner, screen"""

    async def handle_component(self, interaction: hikari.ComponentInteraction) -> Any:
        """miru's unhandled-component hook: run a click on one of our menus, or pass it on."""
        if not custom_id.is_ours(interaction.custom_id):
            if self._previous_component_hook is not None:
                return await self._previous_component_hook(interaction)
            return self._not_ours(interaction)
        if not self._seen.first_time(interaction.id):
            return self._replayed(interaction)
        responder = Responder(interaction, self._mode(None), creates=False)
        if self.remote is not None:  # a stored session: load, run, save (engine/remote.py)
            return await self._dispatch(responder, self._remote_click(self.remote, interaction, responder))
        return await self._dispatch(responder, self._click(interaction, responder))

    def _not_ours(self, interaction: hikari.ComponentInteraction | hikari.ModalInteraction) -> Any:
        """A custom id nobody handles. A gateway bot stays silent (another listener may answer);
        a REST bot must answer its HTTP request, so it acknowledges without changing anything."""
        _LOG.debug("flowfsm: ignoring interaction with foreign custom id %r", interaction.custom_id)
        if not self.client.is_rest:
            return None
        return InteractionDeferredBuilder(hikari.ResponseType.DEFERRED_MESSAGE_UPDATE)

    async def handle_modal(self, interaction: hikari.ModalInteraction) -> Any:
        """miru's unhandled-modal hook: run a modal submitted from one of our menus, or pass it on."""
        if not custom_id.is_ours(interaction.custom_id):
            if self._previous_modal_hook is not None:
                return await self._previous_modal_hook(interaction)
            return self._not_ours(interaction)
        if not self._seen.first_time(interaction.id):
            return self._replayed(interaction)
        responder = Responder(interaction, self._mode(None), creates=False)
        if self.remote is not None:  # a stored session: load, run, save (engine/remote.py)
            return await self._dispatch(responder, self._remote_click(self.remote, interaction, responder))
        return await self._dispatch(responder, self._click(interaction, responder))

    async def _refuse(
        self, responder: Responder, text: str, flow: Flow | None, *, reason: str, offer_resume: bool = False
    ) -> None:
        self.telemetry.refused(flow, reason)
        command = flow.command if flow is not None else "the command"
        components: list[hikari.api.ComponentBuilder] = []
        text = self.localized.reply(text, responder.interaction)  # in the clicking user's locale
        if offer_resume and flow is not None and flow.resume is not None:
            row = MessageActionRowBuilder()
            label = self.localized.for_user(responder.interaction).open_again
            row.add_interactive_button(
                hikari.ButtonStyle.PRIMARY, custom_id.resume_id(flow.name), label=label
            )
            components.append(row)
        try:
            await responder.ephemeral_text(text.format(command=command), components=components)
        except hikari.HikariError:
            _LOG.warning("could not send a refusal reply", exc_info=True)

    async def _click(
        self, interaction: hikari.ComponentInteraction | hikari.ModalInteraction, responder: Responder
    ) -> None:
        """A click, a select or a modal submit: find the session, check the owner, serialize."""
        parsed = custom_id.parse(interaction.custom_id)
        if parsed is None:  # "Open again" ids do not parse as an item's (no session, no screen)
            resume_flow = custom_id.parse_resume(interaction.custom_id)
            if resume_flow is not None and isinstance(interaction, hikari.ComponentInteraction):
                return await self._resume(interaction, responder, resume_flow)
        flow = self.flows.get(parsed.flow) if parsed is not None else None
        if parsed is None or flow is None:
            return await self._refuse(responder, self.texts.invalid, flow, reason="invalid")
        session = self.sessions.get(parsed.session_id)
        if session is None or session.flow is not flow:
            return await self._refuse(
                responder, self.texts.expired, flow, reason="expired", offer_resume=True
            )
        if int(interaction.user.id) != session.user_id or flow.rate_limit is not None:
            refusal = await self._admit(session, parsed, interaction)  # access, rate (admission.py)
            if refusal is not None:
                return await self._refuse(responder, refusal[0], flow, reason=refusal[1])
        lock = self.sessions.lock(session)
        if lock.locked() and len(getattr(lock, "_waiters", None) or ()) >= self._max_waiting(session):
            return await self._refuse(responder, self._busy_text(session), flow, reason="busy")
        # Waiting for another step of this session counts towards the step's deadlines (the step
        # starts them itself when it need not wait).
        waits = lock.locked()
        if waits:
            self._defers.add(responder, self.defer_after)
            self._limits.add(responder, self.step_timeout)
        try:
            # acquire/release rather than ``async with``: two coroutines less on every click.
            await lock.acquire()
            try:
                await self._click_locked(session, parsed, interaction, responder)
            finally:
                lock.release()
        except asyncio.CancelledError:
            if not self._forgive_overrun(responder):
                raise
            await self._refuse(responder, self.texts.timeout, flow, reason="error")
        finally:
            if waits:
                self._defers.discard(responder)
                self._limits.discard(responder)
                self._forgive_overrun(responder)
        self.sessions.release(session)
        return None

    async def _click_locked(
        self,
        session: Session,
        parsed: custom_id.ParsedId,
        interaction: hikari.ComponentInteraction | hikari.ModalInteraction,
        responder: Responder,
    ) -> None:
        flow = session.flow
        if session.ended or self.sessions.get(session.id) is not session:
            return await self._refuse(responder, self.texts.expired, flow, reason="expired")
        item = session.find_item(parsed.item)
        if (
            parsed.state_index != flow.state_index(session.state)
            or item is None
            or not self._on_screen(session, parsed, item, int(interaction.user.id))
        ):
            # An earlier screen: a double-click, a replay, or a menu the session has moved on from.
            self._trace_stale(session, parsed)
            return await self._refuse(responder, self.texts.stale, flow, reason="earlier_screen")
        message = getattr(interaction, "message", None)
        if message is not None and session.message_id is not None and int(message.id) != session.message_id:
            # The session's id on a message that is not its menu: forged, or an old copy.
            self._trace_stale(session, parsed)
            return await self._refuse(responder, self.texts.stale, flow, reason="earlier_screen")
        modal_submit = _is_modal(interaction)
        problem = self._untrusted(session, parsed, item, interaction, message, modal_submit)
        if problem is not None:
            _LOG.info("flowfsm: refused a click on session %s: %s", session.id, problem)
            return await self._refuse(responder, self.texts.invalid, flow, reason="invalid")
        slow_down = self._cooled_down(session, parsed, item, interaction)  # a button's cooldown
        if slow_down is not None:
            return await self._refuse(responder, slow_down, flow, reason="rate_limited")
        self.sessions.touch(session)
        if session.message_id is None:
            # Only now, with the session's current custom ids found on it, is this its menu.
            self.sessions.set_message(session, int(message.id))  # type: ignore[union-attr]
        if isinstance(item, Button) and item.modal is not None and responder.responded:
            # Deferred while it waited for the session: too late to open a modal.
            self._trace_stale(session, parsed)
            return await self._refuse(responder, self.texts.stale, flow, reason="earlier_screen")
        tracer = self.tracer  # lifecycle.detailed, inlined (every click asks)
        if tracer is not None and tracer.detailed:
            clicked = Context(self, session, interaction)
            clicked.item = item
            lifecycle.trace(clicked, "click", session.state, session.state, None, parsed.item)
        if isinstance(item, Button) and item.modal is not None:
            # A modal must be the click's initial response: no hooks, no defer before it.
            modal = next(m for m in session.items if isinstance(m, Modal) and m.id == item.modal)
            cid = custom_id.encode(
                flow.name, session.id, parsed.state_index, item_key(modal, 0), session.screen
            )
            return await responder.modal(build_modal(interaction, modal, cid))  # type: ignore[arg-type]
        ctx = Context(self, session, interaction)
        ctx.item = item
        if modal_submit:
            ctx.fields = fields_from(interaction)  # type: ignore[arg-type]
        else:
            ctx.values = values_from(interaction)  # type: ignore[arg-type]
        await self._step(ctx, responder, lambda: self._run_item(ctx, item))
        if ctx.notes:
            await self._tell(ctx, responder)
        return None

    def _untrusted(
        self,
        session: Session,
        parsed: custom_id.ParsedId,
        item: Any,
        interaction: hikari.ComponentInteraction | hikari.ModalInteraction,
        message: hikari.Message | None,
        modal_submit: bool,
    ) -> str | None:
        """Why a click on the current screen cannot run (``None`` when it can): it must come from
        ``message`` (the one that shows this screen), be of the kind rendered, with values it offered."""
        if modal_submit:
            if not isinstance(item, Modal):
                return "a modal submit for an item that is not a modal"
            prefix = custom_id.encode(session.flow.name, session.id, parsed.state_index, "", session.screen)
            if not trust.message_carries(message, prefix, prefix=True):
                return "a modal submit not from the menu's message"
            return trust.fields_problem(item, fields_from(interaction))  # type: ignore[arg-type]
        if isinstance(item, Modal) or not item.fires or item.disabled:
            return "an item that cannot be clicked"
        if not trust.message_carries(message, interaction.custom_id):
            return "a custom id that is not on the clicked message"
        return trust.values_problem(item, interaction)  # type: ignore[arg-type]

    def _trace_stale(self, session: Session, parsed: custom_id.ParsedId) -> None:
        """Record a stale click on the tracer, under the state whose screen showed the item."""
        if not lifecycle.detailed(self):
            return
        shown = session.flow.state_at(parsed.state_index) or session.state
        lifecycle.trace(Context(self, session, None), "stale", shown, session.state, None, parsed.item)

    async def _resume(
        self, interaction: hikari.ComponentInteraction, responder: Responder, flow_name: str
    ) -> None:
        """The "Open again" button of an expired menu: start the flow afresh from durable data."""
        flow = self.flows.get(flow_name)
        if flow is None or flow.resume is None:
            return await self._refuse(responder, self.texts.invalid, flow, reason="invalid")
        # The resume function gets a step's deadlines: deferred in time, cancelled past step_timeout.
        self._defers.add(responder, self.defer_after)
        self._limits.add(responder, self.step_timeout)
        try:
            options = await call_hook(flow.resume, interaction)
        except asyncio.CancelledError:
            if not self._forgive_overrun(responder):
                raise
            _LOG.warning(
                "flowfsm: resume function of flow %r took longer than %s s", flow.name, self.step_timeout
            )
            return await self._refuse(responder, self.texts.timeout, flow, reason="error")
        except Exception as exc:
            _LOG.error("flowfsm: resume function of flow %r failed: %s", flow.name, trust.redact(repr(exc)))
            return await self._refuse(responder, self.texts.error, flow, reason="error")
        finally:
            self._limits.discard(responder)
            self._forgive_overrun(responder)
        if options is None:
            return await self._refuse(responder, self.texts.expired, flow, reason="expired")
        session = self._new_session(flow, interaction, options)
        responder.creates = True
        responder.ephemeral = flow.ephemeral
        await self._begin(session, interaction, responder)
        return None

    async def _refuse_start(
        self, interaction: hikari.PartialInteraction, arc_ctx: ArcContextLike | None
    ) -> None:
        """Tell the user a command opened nothing, before the bot author's code gets the error."""
        mode = self._mode(arc_ctx)
        if mode is ResponseMode.BUILDER:
            return  # the HTTP reply is the listener's return value, which the raise replaces
        responder = Responder(interaction, mode, creates=True, ephemeral=True, arc_ctx=arc_ctx)  # type: ignore[arg-type]
        try:
            await responder.ephemeral_text(self.localized.for_user(interaction).unavailable)
        except Exception:
            _LOG.exception("flowfsm: the reply to a command with no flow failed")

    def _new_session(
        self, flow: Flow, interaction: hikari.PartialInteraction, options: Mapping[str, Any] | None
    ) -> Session:
        return Session(
            custom_id.new_session_id(),
            flow,
            int(interaction.user.id),
            options=options,
            now=self.clock(),
            channel_id=int(interaction.channel_id),
        )

    def _resolve(self, flow: Flow | str) -> Flow:
        if isinstance(flow, Flow):
            return self.flows.get(flow.name) or self.register(flow)
        try:
            return self.flows[flow]
        except KeyError:
            raise FlowError(f"no flow named {flow!r} is registered (known: {sorted(self.flows)})") from None

    async def _begin(
        self, session: Session, interaction: hikari.PartialInteraction, responder: Responder
    ) -> None:
        self.application_id = int(interaction.application_id)
        if not self._make_room(session):
            return await self._refuse(responder, self.texts.too_many, session.flow, reason="rate_limited")
        self.sessions.add(session)
        self.telemetry.session_started(session)
        if self._timer is None or self._timer_at is None or self._timer_at > session.deadline:
            self._arm_timer()
        ctx = Context(self, session, interaction)
        lifecycle.trace(ctx, "start", "", session.state, None)
        await self._step(ctx, responder, lambda: lifecycle.enter_state(ctx, session.options or None))
        if ctx.notes:
            await self._tell(ctx, responder)

    def _make_room(self, session: Session) -> bool:
        """Room for a new session: the user's open session of the same flow is replaced (its menu
        disabled); ``False`` when the user or the process holds too many sessions."""
        mine = self.sessions.of_user(session.user_id)
        previous = mine.get(session.flow.name)
        if previous is not None:
            self._finish(previous, "replaced")
            return True
        return len(mine) < self.max_sessions_per_user and len(self.sessions) < self.max_sessions

    def _replayed(self, interaction: hikari.PartialInteraction) -> Any:
        """An interaction id already handled (a replay, a duplicate delivery): nothing runs again."""
        _LOG.info("flowfsm: ignoring interaction %s, already handled", int(interaction.id))
        if not self.client.is_rest:
            return None
        kind = (
            hikari.ResponseType.DEFERRED_MESSAGE_CREATE
            if isinstance(interaction, hikari.CommandInteraction)
            else hikari.ResponseType.DEFERRED_MESSAGE_UPDATE
        )
        return InteractionDeferredBuilder(kind)


def _is_modal(interaction: hikari.PartialInteraction) -> bool:
    """``isinstance(interaction, hikari.ModalInteraction)``, its type tested first: hikari's
    entities are ABCs, and an ``isinstance`` through ``ABCMeta`` costs about a microsecond."""
    kind = type(interaction)
    if kind is hikari.ComponentInteraction:
        return False
    return kind is hikari.ModalInteraction or isinstance(interaction, hikari.ModalInteraction)
