"""The process-scoped flow manager: registers flows, starts sessions, runs clicks, expires sessions.

The path of a click reads straight through :meth:`FlowManager.handle_component`:
miru client -> parse the custom id -> find the session, check the owner, take its lock ->
the item's action or the flow machine's trigger -> the state's render function -> render ->
the response.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from typing import Any

import hikari
import miru
from hikari.impl import InteractionDeferredBuilder, MessageActionRowBuilder, TextDisplayComponentBuilder
from transitions.core import MachineError

from flowfsm import eager
from flowfsm.define import lifecycle
from flowfsm.define.context import Context
from flowfsm.define.flow import HOOK_NAMES, Flow, call_hook
from flowfsm.define.i18n import DEFAULT_LOCALE, Chrome, LocalizedTexts, builtin_texts
from flowfsm.define.modals import Modal, build_modal, fields_from
from flowfsm.define.pagination import page_state
from flowfsm.define.screen import Button, as_screen
from flowfsm.define.selects import SELECT_TYPES, values_from
from flowfsm.define.texts import Texts
from flowfsm.define.tracing import Tracer
from flowfsm.engine import custom_id, logs, telemetry, trust
from flowfsm.engine.deadlines import Deadlines
from flowfsm.engine.outbox import Outbox
from flowfsm.engine.render import (
    COMPONENTS_V2,
    EPHEMERAL,
    NEXT_KEY,
    PREVIOUS_KEY,
    Rendered,
    item_key,
    render_screen,
)
from flowfsm.engine.response import ArcContextLike, Responder, ResponseMode
from flowfsm.engine.session import Clock, Session, SessionStore
from flowfsm.engine.telemetry import AFTER, RENDER, RESPONSE, MetricsSink
from flowfsm.errors import FlowDefinitionError, FlowError, GuardFailure, RenderError

__all__ = ["ErrorHandler", "FlowManager", "Texts"]

_LOG = logs.get_logger("flowfsm")

ErrorHandler = Callable[[Context, BaseException], Awaitable[None] | None]
"""A custom error handler: receives the context and the exception."""

GLOBAL_HOOK_NAMES = tuple(name for name in HOOK_NAMES if name != "setup")
"""Hooks that can also be registered globally on the manager."""

_UNKNOWN_INTERACTION = 10062
# A webhook token is good for 15 minutes; past this age, edits go through the channel instead.
_TOKEN_LIFETIME = 14.5 * 60


class FlowManager:
    """Holds the flows and the open sessions of one process, wired into a ``miru.Client``.

    Args:
        client: the miru client (gateway, REST bot, or ``miru.Client.from_arc``).
        flows: flows to register now (more with :meth:`register`).
        clock: monotonic seconds; inject a fake one in tests to drive timeouts.
        texts: user-facing texts for refused clicks and errors: a :class:`Texts` (those of
            ``locale``; shipped translations serve other locales) or locale -> :class:`Texts`
            (see :func:`flowfsm.define.i18n.builtin_texts`). Replies follow the user's locale.
        locale: the default locale: of flows without translations, and of users whose locale
            has no texts.
        defer_after: seconds a step may take before the interaction is deferred (Discord's
            deadline is 3 s; keep a margin).
        step_timeout: upper bound in seconds for one step's callbacks; past it the session ends
            with an error reply.
        outbox_concurrency: at most this many background edits (expiry) in flight.
        auto_expire: arm a timer that expires sessions on their deadline (turn off when a test
            drives :meth:`expire_due` itself).
        tracer: a :class:`~flowfsm.define.tracing.Tracer` recording every transition (off by default).
        stable_nav: page navigation keeps both Previous and Next, disabled at the ends (FlowCord's
            default); ``False`` shows only the applicable ones.
        metrics: a metrics backend, e.g. :class:`flowfsm.engine.metrics.PrometheusMetrics` (off by default).
        traces: OpenTelemetry spans of every step: ``None`` (default) writes them when
            ``opentelemetry-api`` is installed and the application configured a tracer provider;
            ``False`` never; a ``TracerProvider`` to write them through.
        max_waiting: clicks that may wait for one session's running step; more get ``Texts.busy``.
        max_sessions_per_user: open sessions one user may hold (a new session of a flow the user
            already has open replaces that one instead); past it, ``Texts.too_many``.
        max_sessions: open sessions in total; past it, ``Texts.too_many``.
    """

    def __init__(
        self,
        client: miru.Client,
        flows: Iterable[Flow] = (),
        *,
        clock: Clock = time.monotonic,
        texts: Texts | Mapping[str, Texts] | None = None,
        locale: str = DEFAULT_LOCALE,
        defer_after: float = 2.0,
        step_timeout: float = 600.0,
        outbox_concurrency: int = 4,
        auto_expire: bool = True,
        tracer: Tracer | None = None,
        stable_nav: bool = True,
        metrics: MetricsSink | None = None,
        traces: Any = None,
        max_waiting: int = 2,
        max_sessions_per_user: int = 10,
        max_sessions: int = 500_000,
    ) -> None:
        self.client = client
        self.clock = clock
        if isinstance(texts, Texts):
            texts = {**builtin_texts(), locale: texts}
        self.localized = LocalizedTexts(texts or builtin_texts(), locale, stable_nav)
        self.locale = self.localized.default
        chrome = self.localized.chrome(self.locale)
        self.texts = chrome.texts
        self.defer_after = defer_after
        self.step_timeout = step_timeout
        self.auto_expire = auto_expire
        self.max_waiting = max_waiting
        self.max_sessions_per_user = max_sessions_per_user
        self.max_sessions = max_sessions
        self._seen = trust.SeenInteractions()
        self.sessions = SessionStore(clock)
        self.outbox = Outbox(outbox_concurrency)
        self.telemetry = telemetry.build(metrics, telemetry.spans_from(traces))
        self.telemetry.bind(self)
        self.flows: dict[str, Flow] = {}
        self.application_id: int | None = None
        self.tracer = tracer
        self.nav = chrome.nav
        self.global_hooks: dict[str, list[Callable[..., Any]]] = {}
        self._error_handler: ErrorHandler | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at: float | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        # One loop timer each for every step's two deadlines (see flowfsm.engine.deadlines).
        self._defers: Deadlines[Responder] = Deadlines(Responder.defer_now)
        self._limits: Deadlines[Responder] = Deadlines(self._overrun)
        self._overran: set[Responder] = set()
        self._awaiting: dict[tuple[int, int], Session] = {}
        for flow in flows:
            self.register(flow)
        self._install_hooks()

    # -- set-up ------------------------------------------------------------------------------------

    @property
    def rest(self) -> hikari.api.RESTClient:
        """The REST client of the miru client's app."""
        return self.client.rest

    def register(self, flow: Flow) -> Flow:
        """Compile and register a flow (raises :class:`FlowDefinitionError` on mistakes)."""
        flow.compile()
        self._check_text_input(flow)
        existing = self.flows.get(flow.name)
        if existing is not None and existing is not flow:
            raise FlowDefinitionError(flow.name, "another flow with this name is already registered")
        self.flows[flow.name] = flow
        self.telemetry.flow_registered(flow)
        return flow

    def _check_text_input(self, flow: Flow) -> None:
        """States reading the user's next message need message events with their content."""
        for spec in flow.states.values():
            if spec.on_message is None:
                continue
            if self.client.is_rest:
                raise FlowDefinitionError(
                    flow.name,
                    "text input (on_message) needs a gateway bot: REST bots get no message events",
                    state=spec.name,
                )
            intents = getattr(self.client.app, "intents", None)
            needed = (
                hikari.Intents.MESSAGE_CONTENT | hikari.Intents.GUILD_MESSAGES | hikari.Intents.DM_MESSAGES
            )
            if intents is not None and (intents & needed) != needed:
                raise FlowDefinitionError(
                    flow.name,
                    "text input (on_message) needs the MESSAGE_CONTENT, GUILD_MESSAGES and DM_MESSAGES intents: "
                    "hikari.GatewayBot(..., intents=hikari.Intents.ALL_UNPRIVILEGED | hikari.Intents.MESSAGE_CONTENT) "
                    "and enable 'Message Content Intent' in the Developer Portal",
                    state=spec.name,
                )

    def on_error(self, handler: ErrorHandler) -> ErrorHandler:
        """Set a custom error handler (usable as a decorator); it replaces the default reply.

        The session still ends; the handler decides what the user is told.
        """
        self._error_handler = handler
        return handler

    def add_hook(self, name: str, hook: Callable[..., Any]) -> None:
        """Register a global hook, run before each state's own hook of the same name.

        Names: every per-state hook but ``setup`` (see :data:`flowfsm.define.flow.HOOK_NAMES`).
        """
        if name not in GLOBAL_HOOK_NAMES:
            raise ValueError(f"unknown global hook {name!r}; global hooks are {list(GLOBAL_HOOK_NAMES)}")
        self.global_hooks.setdefault(name, []).append(hook)

    def hook(self, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator form of :meth:`add_hook`: ``@flows.hook("on_enter")``."""

        def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
            self.add_hook(name, fn)
            return fn

        return decorator

    def _install_hooks(self) -> None:
        # Chain to hooks the bot author already set: custom ids that are not ours go there.
        self._previous_component_hook = getattr(self.client, "_unhandled_comp_hook", None)
        self._previous_modal_hook = getattr(self.client, "_unhandled_modal_hook", None)
        self.client.set_unhandled_component_interaction_hook(self.handle_component)
        self.client.set_unhandled_modal_interaction_hook(self.handle_modal)
        if not self.client.is_rest:
            self.client.event_manager.subscribe(hikari.MessageDeleteEvent, self._on_message_delete)
            self.client.event_manager.subscribe(hikari.MessageCreateEvent, self._on_message_create)
            return
        server = getattr(self.client.app, "interaction_server", None)
        if server is not None:
            trust.refuse_stale_requests(server)

    async def _on_message_create(self, event: hikari.MessageCreateEvent) -> None:
        """A user's message in a channel where their menu waits for text input."""
        if not self._awaiting or event.author.is_bot:
            return
        session = self._awaiting.get((int(event.channel_id), int(event.author_id)))
        if session is None:
            return
        async with session.lock():
            if (
                session.ended
                or self._awaiting.get((int(event.channel_id), int(event.author_id))) is not session
            ):
                return
            await self._text_input(session, event.message)
        session.release_lock_if_idle()

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
            _LOG.error(
                "flowfsm: error in text input of flow %r, state %r, session %s",
                session.flow.name,
                session.state,
                session.id,
                exc_info=exc,
                extra=logs.fields(session),
            )
            self._end(session, "error")
            self.outbox.put(lambda: self._close_message(session, disabled=True, ctx=ctx))
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

    def _mode(self, arc_ctx: ArcContextLike | None) -> ResponseMode:
        if arc_ctx is not None:
            return ResponseMode.ARC
        return ResponseMode.BUILDER if self.client.is_rest else ResponseMode.REST

    # -- starting a session ------------------------------------------------------------------------

    async def start(
        self,
        target: hikari.CommandInteraction | hikari.ComponentInteraction | ArcContextLike,
        flow: Flow | str,
        *,
        options: Mapping[str, Any] | None = None,
        at: str | None = None,
    ) -> Any:
        """Open ``flow`` for the user of a command interaction (or an arc context).

        ``at`` opens the flow at another state than its initial one (its history is empty, so
        Back goes to that state's fallback).

        Gateway bots and arc: ``await flows.start(...)`` sends the menu and returns ``None``.
        REST bots: return the result from your interaction-server listener:
        ``return await flows.start(interaction, "weather")``.

        Raises :class:`FlowError` when ``flow`` is not registered or has no state ``at``; a
        gateway or arc command first gets the ephemeral ``texts.unavailable`` reply, so the user
        is not left with silence (a REST bot's listener raising makes Discord say it failed).
        """
        arc_ctx: ArcContextLike | None = None
        if isinstance(target, hikari.PartialInteraction):
            interaction = target
        else:
            arc_ctx = target
            interaction = target.interaction
        try:
            resolved = self._resolve(flow)
            if at is not None and at not in resolved.states:
                raise FlowError(f"flow {resolved.name!r} has no state {at!r} to start at")
        except FlowError:
            await self._refuse_start(interaction, arc_ctx)
            raise
        if not self._seen.first_time(int(interaction.id)):
            return self._replayed(interaction)
        session = self._new_session(resolved, interaction, options)
        if at is not None:
            session.state = at
        responder = Responder(
            interaction, self._mode(arc_ctx), creates=True, ephemeral=resolved.ephemeral, arc_ctx=arc_ctx
        )
        return await self._dispatch(responder, self._begin(session, interaction, responder))

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

    async def _dispatch(self, responder: Responder, work: Coroutine[Any, Any, None]) -> Any:
        """Run a step: in the listener's task when the initial response is a REST call (gateway
        bots, arc); for a REST bot, eagerly, returning its first response (the HTTP reply) while
        whatever waits goes on in a task of its own (see :mod:`flowfsm.eager`)."""
        if responder.future is None:
            responder.task = asyncio.current_task()
            await work
            return None
        try:
            task = eager.run_eagerly(work)
        except Exception:
            # _step handles the step's errors; this is a bug in the engine, not in a callback.
            _LOG.exception("flowfsm: an interaction failed outside its step")
            task = None
        if task is None:
            responder.fail_safe()
            return responder.future.result()
        responder.task = task
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._step_task_done(done, responder))
        return await responder.future

    def _step_task_done(self, task: asyncio.Task[Any], responder: Responder) -> None:
        self._tasks.discard(task)
        responder.fail_safe()

    # -- clicks ------------------------------------------------------------------------------------

    async def handle_component(self, interaction: hikari.ComponentInteraction) -> Any:
        """miru's unhandled-component hook: run a click on one of our menus, or pass it on."""
        if not custom_id.is_ours(interaction.custom_id):
            if self._previous_component_hook is not None:
                return await self._previous_component_hook(interaction)
            return self._not_ours(interaction)
        if not self._seen.first_time(interaction.id):
            return self._replayed(interaction)
        responder = Responder(interaction, self._mode(None), creates=False)
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
        resume_flow = custom_id.parse_resume(interaction.custom_id)
        if resume_flow is not None and isinstance(interaction, hikari.ComponentInteraction):
            return await self._resume(interaction, responder, resume_flow)
        parsed = custom_id.parse(interaction.custom_id)
        flow = self.flows.get(parsed.flow) if parsed is not None else None
        if parsed is None or flow is None:
            return await self._refuse(responder, self.texts.invalid, flow, reason="invalid")
        session = self.sessions.get(parsed.session_id)
        if session is None or session.flow is not flow:
            return await self._refuse(
                responder, self.texts.expired, flow, reason="expired", offer_resume=True
            )
        if int(interaction.user.id) != session.user_id:
            return await self._refuse(responder, self.texts.not_yours, flow, reason="not_yours")
        lock = session.lock()
        if lock.locked() and len(getattr(lock, "_waiters", None) or ()) >= self.max_waiting:
            return await self._refuse(responder, self.texts.busy, flow, reason="busy")
        # Waiting for another step of this session counts towards the step's deadlines.
        self._defers.add(responder, self.defer_after)
        waits = lock.locked()
        if waits:
            self._limits.add(responder, self.step_timeout)
        try:
            async with lock:
                await self._click_locked(session, parsed, interaction, responder)
        except asyncio.CancelledError:
            if not self._forgive_overrun(responder):
                raise
            await self._refuse(responder, self.texts.timeout, flow, reason="error")
        finally:
            self._defers.discard(responder)
            if waits:
                self._limits.discard(responder)
                self._forgive_overrun(responder)
        session.release_lock_if_idle()
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
            parsed.screen != session.screen % custom_id.SCREENS
            or parsed.state_index != flow.state_index(session.state)
            or item is None
        ):
            # An earlier screen: a double-click, a replay, or a menu the session has moved on from.
            self._trace_stale(session, parsed)
            return await self._refuse(responder, self.texts.stale, flow, reason="earlier_screen")
        message = getattr(interaction, "message", None)
        if message is not None and session.message_id is not None and int(message.id) != session.message_id:
            # The session's id on a message that is not its menu: forged, or an old copy.
            self._trace_stale(session, parsed)
            return await self._refuse(responder, self.texts.stale, flow, reason="earlier_screen")
        problem = self._untrusted(session, parsed, item, interaction, message)
        if problem is not None:
            _LOG.info("flowfsm: refused a click on session %s: %s", session.id, problem)
            return await self._refuse(responder, self.texts.invalid, flow, reason="invalid")
        self.sessions.touch(session)
        if session.message_id is None:
            # Only now, with the session's current custom ids found on it, is this its menu.
            self.sessions.set_message(session, int(message.id))  # type: ignore[union-attr]
        if isinstance(item, Button) and item.modal is not None and responder.responded:
            # Deferred while it waited for the session: too late to open a modal.
            self._trace_stale(session, parsed)
            return await self._refuse(responder, self.texts.stale, flow, reason="earlier_screen")
        if lifecycle.detailed(self):
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
        if isinstance(interaction, hikari.ModalInteraction):
            ctx.fields = fields_from(interaction)
        else:
            ctx.values = values_from(interaction)
        await self._step(ctx, responder, lambda: self._run_item(ctx, item))
        return None

    def _untrusted(
        self,
        session: Session,
        parsed: custom_id.ParsedId,
        item: Any,
        interaction: hikari.ComponentInteraction | hikari.ModalInteraction,
        message: hikari.Message | None,
    ) -> str | None:
        """Why a click on the current screen cannot run (``None`` when it can): it must come from
        ``message`` (the one that shows this screen), be of the kind rendered, with values it offered."""
        if isinstance(interaction, hikari.ModalInteraction):
            if not isinstance(item, Modal):
                return "a modal submit for an item that is not a modal"
            prefix = custom_id.encode(session.flow.name, session.id, parsed.state_index, "", session.screen)
            if not trust.message_carries(message, prefix, prefix=True):
                return "a modal submit not from the menu's message"
            return trust.fields_problem(item, fields_from(interaction))
        if isinstance(item, Modal) or not item.fires or item.disabled:
            return "an item that cannot be clicked"
        if not trust.message_carries(message, interaction.custom_id):
            return "a custom id that is not on the clicked message"
        return trust.values_problem(item, interaction)

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

    async def _run_item(self, ctx: Context, item: Any) -> None:
        """``on_action`` hooks, then the item: page navigation, a modal's submit, a select's or a
        button's action, or its trigger."""
        await lifecycle.run_hooks(ctx, "on_action")
        key = getattr(item, "id", None)
        if key in (NEXT_KEY, PREVIOUS_KEY):
            ctx.session.page += 1 if key == NEXT_KEY else -1
            await self._page_state(ctx)
            await lifecycle.run_hooks(ctx, "on_next" if key == NEXT_KEY else "on_previous")
            return
        if isinstance(item, Modal):
            if item.on_submit is not None:
                await call_hook(item.on_submit, ctx, ctx.fields)
            if item.trigger is not None:
                await self.fire(ctx, item.trigger, {"fields": ctx.fields})
            return
        is_select = isinstance(item, SELECT_TYPES)
        options = getattr(item, "options_kw", None) if is_select else item.options
        if item.action is not None:
            if is_select:
                await call_hook(item.action, ctx, ctx.values)
            else:
                await call_hook(item.action, ctx)
        elif item.trigger is not None:
            await self.fire(ctx, item.trigger, options or {})

    async def fire(self, ctx: Context, trigger: str, options: Mapping[str, Any]) -> bool:
        """Fire ``trigger`` on the flow's machine with the session as its model."""
        session = ctx.session
        flow = session.flow
        event = flow.machine.events.get(trigger)
        if event is None:
            raise FlowError(f"flow {flow.name!r}, state {session.state!r}: unknown trigger {trigger!r}")
        previous = ctx.trigger_options
        ctx.trigger_options = options
        source = session.state
        try:
            fired = bool(await event.trigger(session, ctx=ctx))
            if lifecycle.detailed(self):
                # A sub-flow opener leaves the flow: the event is the parent's, its dest the child.
                dest = session.state if session.flow is flow else f"flow {session.flow.name}"
                detail = "ok" if fired else "refused"
                lifecycle.trace(ctx, "fire", source, dest, trigger, detail, flow=flow.name)
            return fired
        except MachineError as exc:
            raise FlowError(
                f"flow {flow.name!r}, state {session.state!r}: trigger {trigger!r} cannot fire here ({exc.value})"
            ) from None
        finally:
            ctx.trigger_options = previous

    # -- one step: callbacks, render, response -----------------------------------------------------

    async def _step(self, ctx: Context, responder: Responder, work: Callable[[], Awaitable[None]]) -> None:
        """One step of a session: callbacks, render, response, ``after_render`` — bounded in time,
        deferred in time, and any error handed to :meth:`_fail`."""
        session = ctx.session
        before = (session.flow, session.state)
        probe = self.telemetry.step(ctx, responder)
        self._defers.add(responder, self.defer_after)
        self._limits.add(responder, self.step_timeout)
        try:
            try:
                await work()
                probe.mark(RENDER)
                rendered = await self._render_for_step(ctx)
            except GuardFailure as refusal:
                probe.outcome("guard")
                await self._refused_by_guard(ctx, responder, refusal)
                return
            probe.mark(RESPONSE)
            if not await self._show(ctx, responder, rendered, before):
                probe.outcome("gone")
                return
            probe.mark(AFTER)
            if session.ended:
                self._end(session, ctx.end_reason)
            else:
                if (
                    responder.future is not None
                    and responder.future.done()
                    and lifecycle.has_hooks(ctx, "after_render")
                ):
                    # REST bot: let the interaction server send the reply before after_render runs.
                    await eager.own_task()
                    await asyncio.sleep(0)
                await lifecycle.run_hooks(ctx, "after_render")
        except asyncio.CancelledError:
            if not self._forgive_overrun(responder):
                probe.outcome("cancelled")
                raise
            probe.outcome("timeout")
            await self._fail(ctx, responder, TimeoutError(f"the step took longer than {self.step_timeout} s"))
        except Exception as exc:
            probe.outcome("error", exc)
            self._limits.discard(responder)  # the error reply is not bounded by the step's limit
            await self._fail(ctx, responder, exc)
        finally:
            self._limits.discard(responder)
            self._defers.discard(responder)
            # Still marked when the step swallowed its cancellation and finished anyway.
            self._forgive_overrun(responder)
            probe.done()

    def _overrun(self, responder: Responder) -> None:
        """A step ran past ``step_timeout``: cancel it (:meth:`_step` turns that into an error reply).

        A step still running at a deadline has waited for something, so it runs in a task."""
        task = responder.task
        if task is None or task.done():
            return
        self._overran.add(responder)
        task.cancel()

    def _forgive_overrun(self, responder: Responder) -> bool:
        """Whether the step was cancelled for running too long; if so, take the cancellation
        back from its task (the step ends with the timeout reply, or went on regardless)."""
        if responder not in self._overran:
            return False
        self._overran.discard(responder)
        assert responder.task is not None  # only a step with a task is cancelled
        responder.task.uncancel()
        return True

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

    async def _refused_by_guard(self, ctx: Context, responder: Responder, refusal: GuardFailure) -> None:
        """A guard said no: tell the user, keep the state, re-render the menu in place."""
        session = ctx.session
        self.telemetry.refused(session.flow, "guard")
        lifecycle.trace(ctx, "guard", session.state, session.state, None, refusal.message)
        try:
            await responder.ephemeral_text(refusal.message)
        except hikari.NotFoundError as gone:
            _LOG.info(
                "flowfsm: session %s ended, its interaction is gone (%s)",
                session.id,
                gone.code,
                extra=logs.fields(session),
            )
            self._end(session, "message_deleted")
            responder.fail_safe()
            return
        if session.token is None:
            # Refused before the menu ever showed (a guard in setup): there is no menu to keep.
            self._end(session, "cancelled")
            return
        rendered = await self._render_for_step(ctx)
        await self._edit_menu(
            session, content=rendered.content, embeds=rendered.embeds, components=rendered.components
        )
        if session.ended:
            self._end(session, ctx.end_reason)

    async def _render_for_step(self, ctx: Context) -> Rendered:
        session = ctx.session
        if session.ended and session.end_text is not None:
            return self._text_message(session, session.end_text)
        if session.flow.is_final(session.state):
            session.ended = True
        return await self.render(ctx, interactive=not session.ended)

    def _text_message(self, session: Session, text: str) -> Rendered:
        """A message that is only ``text`` (a closed menu), in the mode of the current message."""
        ephemeral = bool(session.msg_flags & EPHEMERAL)
        if session.msg_flags & COMPONENTS_V2:
            # A Components v2 message cannot go back to plain content: the text is a component.
            flags = COMPONENTS_V2 | (EPHEMERAL if ephemeral else 0)
            return Rendered(None, [], [TextDisplayComponentBuilder(content=text)], (), ephemeral, flags)
        return Rendered(text, [], [], (), ephemeral, EPHEMERAL if ephemeral else 0)

    async def _page_state(self, ctx: Context) -> tuple[bool, bool] | None:
        """For a state that paginates a list: count the items, set ``ctx.page``; return (prev, next)."""
        session = ctx.session
        paginate = session.flow.states[session.state].paginate
        if paginate is None:
            return None
        total = await call_hook(paginate.count, ctx)
        ctx.page = page_state(session.page, paginate.per_page, int(total))
        session.page = ctx.page.current
        return ctx.page.has_previous, ctx.page.has_next

    async def render(self, ctx: Context, *, interactive: bool = True, disabled: bool = False) -> Rendered:
        """Run ``before_render`` hooks and the current state's render function; build the message."""
        session = ctx.session
        flow = session.flow
        spec = flow.states[session.state]
        assert spec.render is not None
        list_pages = await self._page_state(ctx)
        if interactive and not disabled:
            await lifecycle.run_hooks(ctx, "before_render")
            session.screen += 1  # a new screen: clicks on the previous one are now stale
        value = await call_hook(spec.render, ctx)
        chrome = self.localized.for_screen(ctx)
        screen = as_screen(value)
        if screen is None:
            raise RenderError(
                flow.name,
                session.state,
                f"render function returned {type(value).__name__}; expected Screen, str or hikari.Embed",
            )
        rendered = render_screen(
            flow,
            session.state,
            session.id,
            screen,
            interactive=interactive,
            disabled=disabled,
            reserved=self._reserved(session, chrome) if interactive else (),
            page=session.page,
            list_pages=list_pages,
            nav=chrome.nav,
            ephemeral=spec.ephemeral if spec.ephemeral is not None else flow.ephemeral,
            screen_number=session.screen,
        )
        session.page = rendered.page
        session.items = rendered.items if interactive and not disabled else ()
        if lifecycle.detailed(self) and not disabled:  # a final state renders without items
            lifecycle.trace(ctx, "render", session.state, session.state, None, _item_list(session.items))
        return rendered

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

    def _reserved(self, session: Session, chrome: Chrome) -> list[Button]:
        """Back / Cancel buttons of returnable / cancellable states, for the reserved row."""
        spec = session.flow.states[session.state]
        buttons: list[Button] = []
        if spec.returnable:
            buttons.append(chrome.back)
        if spec.cancellable:
            buttons.append(chrome.cancel)
        return buttons

    async def _fail(self, ctx: Context, responder: Responder, exc: BaseException) -> None:
        session = ctx.session
        texts = self.localized.for_user(ctx.interaction)
        text = texts.timeout if isinstance(exc, TimeoutError) else texts.error
        _LOG.error(
            "flowfsm: error in flow %r, state %r, session %s (user %s)",
            session.flow.name,
            session.state,
            session.id,
            session.user_id,
            exc_info=exc,
            extra=logs.fields(session),
        )
        was_open = self.sessions.get(session.id) is session
        lifecycle.trace(
            ctx, "error", session.state, session.state, None, trust.redact(f"{type(exc).__name__}: {exc}")
        )
        self._end(session, "error")
        try:
            if self._error_handler is not None:
                await call_hook(self._error_handler, ctx, exc)
                if not responder.responded:
                    await responder.ephemeral_text(text)
            else:
                await responder.ephemeral_text(text)
        except Exception:
            _LOG.exception(
                "flowfsm: the error reply failed for session %s", session.id, extra=logs.fields(session)
            )
        finally:
            responder.fail_safe()
        if was_open:
            self.outbox.put(lambda: self._close_message(session, disabled=True, ctx=ctx))

    def _end(self, session: Session, reason: str) -> None:
        """End ``session`` for ``reason`` (one of :data:`flowfsm.engine.telemetry.END_REASONS`)."""
        session.ended = True
        session.items = ()
        if self.sessions.remove(session):
            self.telemetry.session_ended(session, reason)
        if self._awaiting:
            self._track_input(session)

    # -- expiry ------------------------------------------------------------------------------------

    def expire_due(self, now: float | None = None) -> int:
        """Expire every session past its deadline: each is removed now; its on-timeout hooks
        and the edit disabling its components are queued on the outbox. Returns the count."""
        expired = self.sessions.pop_expired(now)
        self.telemetry.sessions_expired(expired)
        for session in expired:
            session.ended = True
            if self._awaiting:
                self._track_input(session)
        self.outbox.put_each(self._timed_out, expired)
        self._arm_timer()
        return len(expired)

    def _finish(self, session: Session, reason: str) -> None:
        """End a session from outside its steps (its menu was deleted or replaced): its
        ``on_timeout`` hooks run with ``ctx.end_reason`` set, after any running step."""
        self._end(session, "message_deleted" if reason == "deleted" else reason)
        self.outbox.put(lambda: self._timed_out(session, reason))

    async def _timed_out(self, session: Session, reason: str = "timeout") -> None:
        """Run an ended session's ``on_timeout`` hooks and disable its menu.

        Serialized with the session's steps: a step that was running when the session expired
        finishes first (its result stands, shown without live components since the session has
        ended), then ``on_timeout`` runs — on the state the step left, so a sub-flow's completion
        handler has returned to the parent before the parent's hooks run.
        """
        async with session.lock():
            ctx = Context(self, session, None)
            ctx.end_reason = reason
            if reason == "timeout" and lifecycle.detailed(self):
                lifecycle.trace(ctx, "timeout", session.state, session.state, None)
            try:
                await lifecycle.run_hooks(ctx, "on_timeout")
            except Exception as exc:
                _LOG.error(
                    "flowfsm: on_timeout hook failed in flow %r, session %s: %s",
                    session.flow.name,
                    session.id,
                    trust.redact(repr(exc)),
                    extra=logs.fields(session),
                )
            if reason != "deleted":
                await self._close_message(session, disabled=True, ctx=ctx)
        session.release_lock_if_idle()

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
            _LOG.warning(
                "flowfsm: could not edit the menu of session %s: %s",
                session.id,
                trust.redact(str(exc), session.token),
                extra=logs.fields(session),
            )
            return False
        return True

    def _arm_timer(self) -> None:
        if not self.auto_expire:
            return
        deadline = self.sessions.next_deadline()
        if deadline is None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = self._timer_at = None
            return
        if self._timer is not None and self._timer_at is not None and self._timer_at <= deadline:
            return
        if self._timer is not None:
            self._timer.cancel()
        loop = asyncio.get_running_loop()
        self._timer_at = deadline
        self._timer = loop.call_later(max(0.0, deadline - self.clock()), self._on_timer)

    def _on_timer(self) -> None:
        self._timer = self._timer_at = None
        self.expire_due()

    # -- shutdown and inspection -------------------------------------------------------------------

    async def drain(self) -> None:
        """Wait for queued background work (expiry edits) and in-flight REST-bot steps."""
        while self.outbox or self._tasks:
            await self.outbox.join()
            if self._tasks:
                await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        """Stop the expiry timer and finish queued work."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = self._timer_at = None
        await self.drain()
        self._defers.close()
        self._limits.close()

    def session_for(self, user_id: int, flow: str | None = None) -> Session | None:
        """An open session of ``user_id`` (of ``flow`` if given); for debugging and tests."""
        for session in self.sessions:
            if session.user_id == user_id and (flow is None or session.flow.name == flow):
                return session
        return None


def _item_list(items: Iterable[Any]) -> str:
    """The items of a rendered screen for a ``render`` trace: ``key=label`` separated by newlines."""
    parts = []
    for index, item in enumerate(items):
        label = (
            getattr(item, "label", None) or getattr(item, "placeholder", None) or getattr(item, "title", None)
        )
        parts.append(f"{item_key(item, index)}={label or ''}")
    return "\n".join(parts)
