"""The process-scoped flow manager: the façade bot authors use (register, start, hooks, errors, close).

The path of a click reads straight through :meth:`FlowManager.handle_component`:
miru client -> parse the custom id -> find the session, check the owner, take its lock ->
the item's action or the flow machine's trigger -> the state's render function -> render ->
the response.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping
from typing import Any

import hikari
import miru

from flowfsm.define.context import Context
from flowfsm.define.flow import HOOK_NAMES, Flow
from flowfsm.define.i18n import DEFAULT_LOCALE, LocalizedTexts, builtin_texts
from flowfsm.define.texts import Texts
from flowfsm.define.tracing import Tracer
from flowfsm.engine import rate_limit_guard, telemetry, trust
from flowfsm.engine.cooldowns import DEFAULT_MAX_ENTRIES, Cooldowns
from flowfsm.engine.deadlines import Deadlines
from flowfsm.engine.memory_store import MemoryStore
from flowfsm.engine.outbox import Outbox
from flowfsm.engine.remote_watch import RemoteWatching
from flowfsm.engine.response import ArcContextLike, Responder
from flowfsm.engine.session import Clock, Session
from flowfsm.engine.store import RemoteStore, SessionStore
from flowfsm.engine.telemetry import MetricsSink
from flowfsm.engine.timed import TimedSchedule
from flowfsm.engine.watch import LiveStats
from flowfsm.errors import FlowDefinitionError, FlowError

__all__ = ["ErrorHandler", "FlowManager", "Texts"]


ErrorHandler = Callable[[Context, BaseException], Awaitable[None] | None]
"""A custom error handler: receives the context and the exception."""

GLOBAL_HOOK_NAMES = tuple(name for name in HOOK_NAMES if name != "setup")
"""Hooks that can also be registered globally on the manager."""


class FlowManager(RemoteWatching):
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
        store: where open sessions live (a :class:`~flowfsm.engine.store.SessionStore`); default a
            :class:`~flowfsm.engine.memory_store.MemoryStore` of this process. A
            :class:`~flowfsm.engine.store.RemoteStore` (e.g.
            :class:`~flowfsm.engine.stores.redis.RedisStore`) keeps them outside the process, for
            restarts, replicas and shards (see :mod:`flowfsm.engine.remote`).
        max_cooldowns: entries of the table of button cooldowns and flow rate limits (see
            :mod:`flowfsm.engine.cooldowns`): memory stays bounded however many users click.
        refresh_interval: seconds between two refresh edits of one session after
            :meth:`invalidate` (bursts are coalesced, see :mod:`flowfsm.engine.watch`).
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
        store: SessionStore | RemoteStore | None = None,
        max_cooldowns: int = DEFAULT_MAX_ENTRIES,
        refresh_interval: float = 1.0,
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
        self.cooldowns = Cooldowns(clock, max_cooldowns)
        # A remote store is reached at the edges of a step; during it the session sits in the
        # process's working set, a MemoryStore (see flowfsm.engine.remote).
        self.remote: RemoteStore | None = store if isinstance(store, RemoteStore) else None
        local = None if isinstance(store, RemoteStore) else store
        self.sessions: SessionStore = local if local is not None else MemoryStore(clock)
        self.outbox = Outbox(outbox_concurrency)
        rate_limit_guard.install()  # a cancelled REST call must not wedge hikari's bucket
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
        self._poller: asyncio.Task[None] | None = None
        self._poll_wake: asyncio.Event | None = None
        self._poll_at = math.inf
        self._tasks: set[asyncio.Task[Any]] = set()
        # One loop timer each for every step's two deadlines (see flowfsm.engine.deadlines).
        self._defers: Deadlines[Responder] = Deadlines(Responder.defer_now)
        self._limits: Deadlines[Responder] = Deadlines(self._overrun)
        self._overran: set[Responder] = set()
        self._awaiting: dict[tuple[int, int], Session] = {}
        if self.remote is not None:
            self.remote.bind(self.flows, clock)
        # Live menus: sends, timed edges, invalidation-driven refresh (engine/external, timed, watch).
        if not refresh_interval >= 0:
            raise ValueError("refresh_interval must be a number of seconds, 0 or more")
        self.refresh_interval = float(refresh_interval)
        self.live_stats = LiveStats()
        self._live_by_flow: dict[str, dict[str, Session]] = {}
        self._timed = TimedSchedule()
        self._watched: dict[str, dict[Hashable, int]] = {}
        self._watchers: dict[Hashable, dict[str, Session]] = {}
        self._dirty: dict[str, Session] = {}
        self._refreshing: set[str] = set()
        self._flush_at: float | None = None
        self._last_flush = -math.inf
        shown: list[Callable[[Session], None]] = [self._index_live, self._plan_shown]
        if self.remote is not None:
            shown = [self._adopt_shown, *shown, self._watches_shown]
        self._screen_hooks = tuple(shown)
        for flow in flows:
            self.register(flow)
        self._install_hooks()

    # -- set-up ------------------------------------------------------------------------------------

    def register(self, flow: Flow) -> Flow:
        """Compile and register a flow (raises :class:`FlowDefinitionError` on mistakes)."""
        flow.compile()
        self._check_text_input(flow)
        self._check_remote_live(flow)
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
            if self.remote is not None:
                raise FlowDefinitionError(
                    flow.name,
                    "text input (on_message) waits in the process that showed the menu: it needs the "
                    "default MemoryStore, not a remote store",
                    state=spec.name,
                )
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

    # -- clicks ------------------------------------------------------------------------------------

    # -- one step: callbacks, render, response -----------------------------------------------------

    # -- expiry ------------------------------------------------------------------------------------

    # -- shutdown and inspection -------------------------------------------------------------------

    async def drain(self) -> None:
        """Wait for queued background work (expiry edits) and in-flight REST-bot steps."""
        while self.outbox or self._tasks:
            await self.outbox.join()
            if self._tasks:
                # wait, not gather: a drain given up on (cancelled) must not cancel the steps
                await asyncio.wait(list(self._tasks))

    async def close(self) -> None:
        """Stop the expiry timer (or task) and finish queued work."""
        await self._stop_remote()
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
