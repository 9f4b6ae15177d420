"""What every part of the engine shares: the manager's state (declared here, set by
:class:`~flowfsm.engine.manager.FlowManager`), the REST client, the response mode, ending a session.

A part of :class:`~flowfsm.engine.manager.FlowManager` (see ARCHITECTURE.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Any

import hikari
import miru

from flowfsm.define.context import Context
from flowfsm.define.flow import Flow
from flowfsm.define.i18n import LocalizedTexts
from flowfsm.define.texts import Texts
from flowfsm.define.tracing import Tracer
from flowfsm.engine import trust
from flowfsm.engine.cooldowns import Cooldowns
from flowfsm.engine.deadlines import Deadlines
from flowfsm.engine.outbox import Outbox
from flowfsm.engine.response import ArcContextLike, Responder, ResponseMode
from flowfsm.engine.session import Clock, Session
from flowfsm.engine.store import RemoteStore, SessionStore

__all__ = ["EngineCore"]


class EngineCore:
    """What every part of the engine shares: the manager's state (declared here, set by"""

    # The manager's state, set by FlowManager.__init__; declared here so every part can use it.
    client: miru.Client
    clock: Clock
    localized: LocalizedTexts
    locale: str
    texts: Texts
    nav: Any
    defer_after: float
    step_timeout: float
    auto_expire: bool
    max_waiting: int
    max_sessions_per_user: int
    max_sessions: int
    sessions: SessionStore
    remote: RemoteStore | None
    outbox: Outbox
    telemetry: Any
    flows: dict[str, Flow]
    application_id: int | None
    tracer: Tracer | None
    global_hooks: dict[str, list[Callable[..., Any]]]
    cooldowns: Cooldowns
    _seen: trust.SeenInteractions
    _error_handler: Callable[[Context, BaseException], Awaitable[None] | None] | None
    _timer: asyncio.TimerHandle | None
    _timer_at: float | None
    _poller: asyncio.Task[None] | None
    _poll_wake: asyncio.Event | None
    _poll_at: float
    _tasks: set[asyncio.Task[Any]]
    _defers: Deadlines[Responder]
    _limits: Deadlines[Responder]
    _overran: set[Responder]
    _awaiting: dict[tuple[int, int], Session]
    _previous_component_hook: Any
    _previous_modal_hook: Any
    # Live menus (engine/external.py, timed.py, watch.py).
    refresh_interval: float
    live_stats: Any
    _live_by_flow: dict[str, dict[str, Session]]
    _timed: Any
    _watched: dict[str, dict[Hashable, int]]
    _watchers: dict[Hashable, dict[str, Session]]
    _dirty: dict[str, Session]
    _refreshing: set[str]
    _flush_at: float | None
    _last_flush: float
    _screen_hooks: tuple[Callable[[Session], None], ...]
    """What each part does when a screen is shown, in order (set once by FlowManager.__init__: a
    tuple of bound methods rather than a chain of ``super()`` overrides, which every render of
    every click would walk)."""

    def _track_input(self, session: Session) -> None:
        """Keep the index of sessions waiting for a text message current (see
        :class:`~flowfsm.engine.text_input.TextInput`, which overrides this)."""
        raise NotImplementedError

    def register(self, flow: Flow) -> Flow:
        """Compile and register a flow (:class:`~flowfsm.engine.manager.FlowManager` overrides this)."""
        raise NotImplementedError

    async def fire(self, ctx: Context, trigger: str, options: Mapping[str, Any]) -> bool:
        """Fire ``trigger`` on the session's machine (:class:`~flowfsm.engine.step.Steps` overrides this)."""
        raise NotImplementedError

    async def _remote_click(
        self,
        remote: RemoteStore,
        interaction: hikari.ComponentInteraction | hikari.ModalInteraction,
        responder: Responder,
    ) -> None:
        """A click of a session kept in ``remote`` (:class:`~flowfsm.engine.remote.Remote` overrides this)."""
        raise NotImplementedError

    def watch(self, session: Session, key: Hashable) -> None:
        """Record what a screen shows (:class:`~flowfsm.engine.watch.Watching` overrides this)."""
        raise NotImplementedError

    def invalidate(self, *key: Hashable, skip: Session | None = None) -> int:
        """Refresh the sessions watching ``key`` (:class:`~flowfsm.engine.watch.Watching` overrides this)."""
        raise NotImplementedError

    @property
    def rest(self) -> hikari.api.RESTClient:
        """The REST client of the miru client's app."""
        return self.client.rest

    def _mode(self, arc_ctx: ArcContextLike | None) -> ResponseMode:
        if arc_ctx is not None:
            return ResponseMode.ARC
        return ResponseMode.BUILDER if self.client.is_rest else ResponseMode.REST

    def _end(self, session: Session, reason: str) -> None:
        """End ``session`` for ``reason`` (one of :data:`flowfsm.engine.telemetry.END_REASONS`)."""
        session.ended = True
        session.items = ()
        if self.sessions.remove(session):
            self.telemetry.session_ended(session, reason)
        if self._awaiting:
            self._track_input(session)
