"""The playground's live side: one :class:`~flowfsm.testing.Harness` driving every flow in-process.

Every action of the page is an interaction sent through exactly the production path: a
Discord-shaped JSON payload -> hikari's entity factory -> hikari's event manager -> the real
``miru.Client`` -> :class:`~flowfsm.FlowManager` -> hikari's REST client -> the loopback
:class:`~flowfsm.testing.discord_api.FakeDiscord`. The page then draws the messages that the fake
Discord holds; nothing here renders flow logic.

The transition log comes from the manager's :class:`~flowfsm.define.tracing.Tracer` (transitions, guard
refusals, errors, sub-flow calls), completed with what the tracer cannot see: the session's state
before and after, refusals that never reach a session ("not your menu", expired, stale), modals
opened, and errors the engine logged.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
import traceback
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import hikari

from flowfsm.define.flow import Flow
from flowfsm.define.tracing import TraceEvent, Tracer
from flowfsm.engine import custom_id as custom_ids
from flowfsm.engine.session import Session
from flowfsm.errors import FlowDefinitionError
from flowfsm.testing import payloads
from flowfsm.testing.harness import DEFAULT_USER, OTHER_USER, Harness, Reply

__all__ = [
    "DEFAULT_USERS",
    "SHARED_USERS",
    "FakeUser",
    "LogEntry",
    "Modal",
    "Move",
    "Playground",
    "PlaygroundError",
    "View",
]

_GUILD_ID = 111
_FIRST_CHANNEL = 5000
_ROLES = ((3001, "Moderator"), (3002, "Member"))
_CHANNELS = ((222, "general"), (223, "announcements"))
LOCALES = tuple(str(locale) for locale in hikari.Locale)
"""The locales Discord clients send, offered by the page."""


class PlaygroundError(Exception):
    """A request the playground cannot carry out (unknown flow or user, no open modal...)."""


@dataclass(frozen=True)
class FakeUser:
    """A user the page can act as. ``name`` is what Discord payloads call them (``user<id>``);
    ``roles`` are the role ids their guild member holds (sent as ``member.roles``)."""

    id: int
    name: str
    roles: tuple[int, ...] = ()


DEFAULT_USERS = (
    FakeUser(DEFAULT_USER, f"user{DEFAULT_USER}", roles=(_ROLES[0][0], _ROLES[1][0])),
    FakeUser(OTHER_USER, f"user{OTHER_USER}", roles=(_ROLES[1][0],)),
)
"""Two users, so that "not your menu" can be shown."""

SHARED_USERS = (FakeUser(3003, "user3003", roles=(_ROLES[1][0],)), FakeUser(4004, "user4004"))
"""Two more users the page offers when a flow is a shared menu (``Flow(access=...)``), to act as
several players of one lobby."""


@dataclass
class Move:
    """One event the engine traced during an interaction (see :class:`~flowfsm.define.tracing.TraceEvent`)."""

    kind: str
    flow: str
    trigger: str | None
    source: str
    dest: str
    detail: str | None = None


@dataclass
class LogEntry:
    """One interaction in the transition log.

    ``outcome`` sums it up: ``start``, ``moved`` (a transition happened), ``stayed`` (an action
    or internal transition; the state re-rendered), ``refused`` (not your menu, expired, stale),
    ``guard`` (a guard refused with a message), ``modal`` (a modal opened), ``error``, ``expired``
    and ``clock`` (time moved, nothing expired). ``moves`` are the traced events, in order.
    """

    step: int
    user: str
    action: str
    trigger: str | None
    source: str | None
    dest: str | None
    outcome: str
    detail: str = ""
    ended: bool = False
    moves: list[Move] = field(default_factory=list)


@dataclass
class Modal:
    """A modal Discord would show now: the callback's ``data`` and where it was opened."""

    data: dict[str, Any]
    user: int
    message_id: int | None
    channel_id: int


@dataclass
class View:
    """One started session as the page shows it: its channel, path, log and open modal."""

    flow: Flow
    owner: int
    channel_id: int
    session: Session | None = None
    path: list[tuple[str, str]] = field(default_factory=list)
    """``(flow name, state)`` visited, in order (sub-flows included)."""
    log: list[LogEntry] = field(default_factory=list)
    seen_by: dict[int, int] = field(default_factory=dict)
    """Ephemeral message id -> the user who sees it."""
    invoked: dict[int, tuple[int, str]] = field(default_factory=dict)
    """Message id -> ``(user, command)`` of the slash command that created it."""
    modal: Modal | None = None
    known: set[int] = field(default_factory=set)

    @property
    def current_flow(self) -> Flow:
        """The flow the session is in now (a sub-flow while one runs)."""
        return self.session.flow if self.session is not None else self.flow

    @property
    def state(self) -> str | None:
        """The session's current state (kept after it ended)."""
        return self.session.state if self.session is not None else None

    @property
    def ended(self) -> bool:
        """Whether the session is over (closed, expired or failed)."""
        return self.session is None or self.session.ended

    def states_walked(self) -> list[str]:
        """The path so far within the current flow (for its diagram)."""
        name = self.current_flow.name
        return [state for flow, state in self.path if flow == name]


class _Errors(logging.Handler):
    """Collects the engine's error log records while one interaction runs."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno < logging.ERROR and record.exc_info is None:
            return
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            self.lines.append(traceback.format_exception_only(type(exc), exc)[-1].strip())
        else:
            self.lines.append(record.getMessage())


@contextmanager
def _capture_errors() -> Iterator[_Errors]:
    handler = _Errors()
    logger = logging.getLogger("flowfsm")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def _metrics() -> Any:
    """Fresh metrics for one playground, if prometheus-client is installed (``flowfsm[metrics]``)."""
    try:
        from flowfsm.engine.metrics import PrometheusMetrics
    except ImportError:
        return None
    return PrometheusMetrics()


def _describe_item(item: object) -> str | None:
    """The trigger an item fires, or the name of the callback it runs."""
    trigger = getattr(item, "trigger", None)
    if isinstance(trigger, str):
        return trigger
    modal = getattr(item, "modal", None)
    if isinstance(modal, str):
        return f"modal {modal}"
    for attribute in ("action", "on_select", "on_submit", "handler"):
        fn = getattr(item, attribute, None)
        if callable(fn):
            return f"{getattr(fn, '__name__', attribute)}()"
    return None


class Playground:
    """Flows, fake users and a harness; every page action is one interaction.

    Args:
        flows: the flows to offer (each is compiled; one that fails is listed in ``errors``).
        users: the users the page can act as (at least two, for "not your menu").
        errors: problems found while loading the flows, shown on the page.

    Use ``async with Playground(flows) as play:`` or :meth:`start`/:meth:`close`.
    """

    def __init__(
        self, flows: Iterable[Flow], *, users: Sequence[FakeUser] = DEFAULT_USERS, errors: Iterable[str] = ()
    ) -> None:
        self.errors = list(errors)
        self.flows: dict[str, Flow] = {}
        for flow in flows:
            try:
                flow.compile()
            except FlowDefinitionError as exc:
                self.errors.append(str(exc))
                continue
            self.flows[flow.name] = flow
        if len(users) < 2:
            raise ValueError("the playground needs at least two users")
        if users == DEFAULT_USERS and any(flow.access.shared for flow in self.flows.values()):
            users = (*DEFAULT_USERS, *SHARED_USERS)
        self.users = list(users)
        self.roles = list(_ROLES)
        self.channels = list(_CHANNELS)
        self.acting = self.users[0].id
        self.selected: str | None = next(iter(self.flows), None)
        """The flow picked in the sidebar (its diagram is shown until a session of it starts)."""
        self.view: View | None = None
        self.tracer = Tracer(size=10_000)
        self.metrics = _metrics()
        """The manager's Prometheus metrics, shown in the page's counters panel (``None`` without
        prometheus-client)."""
        self.harness = Harness(self.flows.values(), tracer=self.tracer, metrics=self.metrics)
        self.harness.roles.update({user.id: list(user.roles) for user in self.users})
        self._lock = asyncio.Lock()
        self._channels = itertools.count(_FIRST_CHANNEL)
        self._ids = payloads.Ids(1_150_000_000_000_000_000)
        self._sessions: dict[str, Session] = {}

    # -- lifecycle -----------------------------------------------------------------------------------------

    async def start(self) -> Playground:
        """Start the fake Discord, the bot, the miru client and the flow manager."""
        await self.harness.start()
        return self

    async def close(self) -> None:
        """Stop everything the playground started."""
        await self.harness.close()

    async def __aenter__(self) -> Playground:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- reading -------------------------------------------------------------------------------------------

    def user(self, user_id: int) -> FakeUser:
        """The fake user with this id."""
        for user in self.users:
            if user.id == user_id:
                return user
        raise PlaygroundError(f"unknown user {user_id} (known: {[u.id for u in self.users]})")

    def messages(self) -> list[dict[str, Any]]:
        """The messages of the current view's channel, oldest first, as the fake Discord holds them."""
        if self.view is None:
            return []
        channel = str(self.view.channel_id)
        return [m for m in self.harness.discord.messages.values() if m.get("channel_id") == channel]

    @property
    def now(self) -> float:
        """Seconds the fake clock has moved since the playground started."""
        return self.harness.clock.now - 1000.0

    def remaining(self) -> float | None:
        """Seconds until the current session expires, if it is open."""
        view = self.view
        if view is None or view.session is None or view.ended:
            return None
        return max(0.0, view.session.deadline - self.harness.clock.now)

    # -- acting --------------------------------------------------------------------------------------------

    def select(self, flow_name: str) -> None:
        """Pick a flow in the sidebar: the composer offers its command, the diagram shows it."""
        if flow_name not in self.flows:
            raise PlaygroundError(f"no flow named {flow_name!r} (known: {sorted(self.flows)})")
        self.selected = flow_name

    @property
    def locale(self) -> str:
        """The locale the acting users' interactions carry (their Discord client's language)."""
        return self.harness.locale

    def set_locale(self, locale: str) -> None:
        """Act in another locale from now on: translated flows and flowfsm's own texts follow it."""
        if locale not in LOCALES:
            raise PlaygroundError(f"unknown locale {locale!r} (known: {', '.join(LOCALES)})")
        self.harness.locale = locale

    def set_user(self, user_id: int) -> None:
        """Act as another user from now on (clicks on someone else's menu get "not your menu")."""
        self.acting = self.user(user_id).id

    async def run_command(self, flow_name: str, user_id: int | None = None) -> View:
        """Send the flow's slash command as ``user_id``: a new session in a fresh channel."""
        flow = self.flows.get(flow_name)
        if flow is None:
            raise PlaygroundError(f"no flow named {flow_name!r} (known: {sorted(self.flows)})")
        user = self.user(self.acting if user_id is None else user_id)
        async with self._lock:
            self.acting = user.id
            self.selected = flow.name
            view = View(flow, user.id, next(self._channels))
            self.view = view
            before = {s.id for s in self.harness.manager.sessions}
            traced = self._trace_mark()
            with _capture_errors() as errors:
                reply = await self.harness.command(
                    flow.command, user=user.id, guild_id=_GUILD_ID, channel_id=view.channel_id
                )
            new = [s for s in self.harness.manager.sessions if s.id not in before and s.flow is flow]
            view.session = new[0] if new else None
            if view.session is not None:
                self._sessions[view.session.id] = view.session
            created = self._note_new_messages(user.id)
            public = [
                m for m in created if not self._flags(self.harness.discord.messages[m]) & payloads.EPHEMERAL
            ]
            if created:
                view.invoked[(public or created)[0]] = (user.id, flow.command)
            entry = LogEntry(
                len(view.log) + 1, user.name, f"/{flow.command}", None, None, view.state, "start"
            )
            self._finish(entry, view, reply, errors, traced, was_ended=False, state_before=None)
            return view

    async def component(
        self,
        message_id: int,
        custom_id: str,
        *,
        user_id: int | None = None,
        component_type: int = 2,
        values: Sequence[str] | None = None,
        label: str | None = None,
    ) -> LogEntry:
        """Click a button (``component_type`` 2) or choose in a select (3, 5-8) on a message."""
        user = self.user(self.acting if user_id is None else user_id)
        view = self._require_view()
        message = self.harness.discord.messages.get(int(message_id))
        if message is None:
            raise PlaygroundError(f"message {message_id} is gone")
        chosen = list(values or ())
        if component_type == 2:
            action = f"click {label or custom_id}"
        else:
            action = f"select {', '.join(self._value_name(v) for v in chosen) or '(nothing)'}"

        async def send() -> Reply:
            if component_type in (5, 6, 7, 8):
                return await self._send_select(message, custom_id, component_type, chosen, user.id)
            return await self.harness.send_component(
                custom_id,
                message=message,
                user=user.id,
                component_type=component_type,
                values=chosen if component_type != 2 else None,
                guild_id=_GUILD_ID,
            )

        return await self._interact(view, user, action, custom_id, send, opened_on=int(message_id))

    async def submit_modal(self, fields: Mapping[str, str], *, user_id: int | None = None) -> LogEntry:
        """Submit the open modal with ``fields`` (text input custom id -> value)."""
        view = self._require_view()
        modal = view.modal
        if modal is None:
            raise PlaygroundError("no modal is open")
        user = self.user(modal.user if user_id is None else user_id)
        modal_id = str(modal.data.get("custom_id", ""))
        view.modal = None
        title = modal.data.get("title") or modal_id
        message = (
            self.harness.discord.messages.get(modal.message_id) if modal.message_id is not None else None
        )

        async def send() -> Reply:
            return await self.harness.send_modal(modal_id, dict(fields), user=user.id, message=message)

        return await self._interact(view, user, f"submit modal {title!r}", modal_id, send, opened_on=None)

    def dismiss_modal(self) -> None:
        """Close the open modal without submitting (Discord sends nothing)."""
        if self.view is not None:
            self.view.modal = None

    async def say(self, text: str, *, user_id: int | None = None) -> LogEntry:
        """The acting user types ``text`` in the session's channel (for states that take text input)."""
        view = self._require_view()
        user = self.user(self.acting if user_id is None else user_id)
        if not text.strip():
            raise PlaygroundError("type something first")

        async def send() -> Reply:
            before = len(self.harness.discord.requests)
            await self.harness.say(text, user=user.id, channel_id=view.channel_id, guild_id=_GUILD_ID)
            return Reply(0, "", self.harness.discord.requests[before:])

        session_id = view.session.id if view.session is not None else None
        return await self._interact(
            view, user, f"say {text!r}", None, send, opened_on=None, session_id=session_id
        )

    async def advance(self, seconds: float | None = None) -> LogEntry:
        """Move the fake clock (default: past the current flow's timeout) and expire due sessions."""
        view = self._require_view()
        seconds = view.current_flow.timeout + 1 if seconds is None else float(seconds)
        async with self._lock:
            state, was_ended = view.state, view.ended
            traced = self._trace_mark()
            with _capture_errors() as errors:
                count = await self.harness.advance(seconds)
            expired = not was_ended and view.ended
            entry = LogEntry(
                len(view.log) + 1,
                "clock",
                f"advance {seconds:g} s",
                None,
                state if expired else None,
                None,
                "expired" if expired else "clock",
                f"{count} session(s) expired",
                ended=expired,
            )
            entry.moves = self._moves(traced, view)
            if errors.lines:
                entry.outcome, entry.detail = "error", "; ".join(errors.lines)
            view.log.append(entry)
            self._note_new_messages(view.owner)
            return entry

    # -- plumbing ------------------------------------------------------------------------------------------

    def _require_view(self) -> View:
        if self.view is None:
            raise PlaygroundError("start a flow first")
        return self.view

    @staticmethod
    def _flags(message: Mapping[str, Any]) -> int:
        return int(message.get("flags") or 0)

    def _trace_mark(self) -> int:
        """A position in the tracer's history that survives old events dropping off."""
        return len(self.tracer) + self.tracer.dropped

    def _events_since(self, mark: int) -> list[TraceEvent]:
        return list(itertools.islice(self.tracer, max(0, mark - self.tracer.dropped), None))

    def _value_name(self, value: str) -> str:
        """A select value as the page names it (users, roles and channels by name)."""
        for pool in (
            [(u.id, f"@{u.name}") for u in self.users],
            [(i, f"@{n}") for i, n in self.roles],
            [(i, f"#{n}") for i, n in self.channels],
        ):
            for ident, name in pool:
                if str(ident) == value:
                    return name
        return value

    async def _interact(
        self,
        view: View,
        user: FakeUser,
        action: str,
        custom_id: str | None,
        send: Callable[[], Awaitable[Reply]],
        *,
        opened_on: int | None,
        session_id: str | None = None,
    ) -> LogEntry:
        async with self._lock:
            parsed = custom_ids.parse(custom_id) if custom_id is not None else None
            if parsed is not None:
                session_id = parsed.session_id
            session = self._sessions.get(session_id) if session_id is not None else None
            trigger = None
            if session is not None and parsed is not None and not session.ended:
                if session.flow.name == parsed.flow and parsed.state_index == session.flow.state_index(
                    session.state
                ):
                    trigger = _describe_item(session.find_item(parsed.item))
            state_before = session.state if session is not None else None
            was_ended = session is None or session.ended
            traced = self._trace_mark()
            with _capture_errors() as errors:
                reply = await send()
            self._note_new_messages(user.id)
            entry = LogEntry(
                len(view.log) + 1,
                user.name,
                action,
                trigger,
                state_before,
                session.state if session is not None else None,
                "stayed",
            )
            if reply.type == 9:
                data = dict((reply.callback or {}).get("data") or {})
                view.modal = Modal(data, user.id, opened_on, view.channel_id)
            self._finish(
                entry,
                view,
                reply,
                errors,
                traced,
                was_ended=was_ended,
                state_before=state_before,
                session=session,
            )
            return entry

    def _moves(self, traced: int, view: View) -> list[Move]:
        """The tracer's events since index ``traced`` for the view's session; the path grows with them."""
        events = self._events_since(traced)
        session_id = view.session.id if view.session is not None else None
        moves = []
        for event in events:
            if event.session_id != session_id:
                continue
            moves.append(Move(event.kind, event.flow, event.trigger, event.source, event.dest, event.detail))
            if event.kind in ("start", "transition", "subflow", "complete"):
                flow, _, state = (
                    event.dest.rpartition(":") if event.kind == "subflow" else ("", "", event.dest)
                )
                step = (flow or event.flow, state)
                if not view.path or view.path[-1] != step:
                    view.path.append(step)
        return moves

    def _finish(
        self,
        entry: LogEntry,
        view: View,
        reply: Reply,
        errors: _Errors,
        traced: int,
        *,
        was_ended: bool,
        state_before: str | None,
        session: Session | None = None,
    ) -> None:
        session = session if session is not None else view.session
        entry.moves = self._moves(traced, view) if session is view.session else []
        text = reply.ephemeral_text
        flow = session.flow if session is not None else view.flow
        texts = self.harness.manager.texts
        refusals = set()
        for name in ("expired", "not_yours", "stale", "invalid"):
            template = getattr(texts, name, None)
            if isinstance(template, str):
                refusals |= {
                    template.format(command=c) for c in (flow.command, view.flow.command, "the command")
                }
        kinds = [m.kind for m in entry.moves]
        traced_error = next((m.detail for m in entry.moves if m.kind == "error"), None)
        traced_guard = next((m.detail for m in entry.moves if m.kind == "guard"), None)
        transitions = [m for m in entry.moves if m.kind in ("transition", "subflow", "complete")]
        if transitions and entry.trigger is None:
            entry.trigger = transitions[0].trigger
        if errors.lines or traced_error:
            entry.outcome, entry.detail = "error", traced_error or "; ".join(errors.lines)
        elif reply.type == 9:
            entry.outcome = "modal"
            entry.detail = f"opened modal {(reply.callback or {}).get('data', {}).get('title', '')!r}"
        elif entry.outcome == "start":
            entry.detail = text or ""
        elif text is not None and text in refusals:
            entry.outcome, entry.detail = "refused", text
        elif traced_guard is not None or (text and "guard" in kinds):
            entry.outcome, entry.detail = "guard", traced_guard or text or ""
        elif transitions or (
            session is not None and state_before is not None and session.state != state_before
        ):
            entry.outcome = "moved"
        elif text and text.startswith(texts.cooldown.partition("{seconds}")[0]):
            entry.outcome, entry.detail = "refused", text  # a cooldown or the flow's rate limit
        elif text and reply.type == 7:
            entry.detail = f"told {entry.user}: {text}"  # ctx.tell, after the menu was updated
        elif text:
            entry.outcome, entry.detail = "guard", text
        if session is not None and transitions and session.flow is not view.flow:
            entry.detail = entry.detail or f"in sub-flow {session.flow.name}"
        if session is not None and not was_ended and session.ended:
            entry.ended = True
        view.log.append(entry)

    def _note_new_messages(self, user_id: int) -> list[int]:
        """Remember who saw each message created since the last call; return the new ids."""
        view = self.view
        if view is None:
            return []
        created = []
        for message in self.messages():
            message_id = int(message["id"])
            if message_id in view.known:
                continue
            view.known.add(message_id)
            created.append(message_id)
            if self._flags(message) & payloads.EPHEMERAL:
                view.seen_by[message_id] = user_id
        return created

    def _resolved(self, values: Sequence[str]) -> dict[str, Any]:
        """The ``resolved`` objects Discord sends with an auto-populated select's values."""
        resolved: dict[str, dict[str, Any]] = {}
        users = {str(u.id): u for u in self.users}
        roles = {str(i): n for i, n in self.roles}
        channels = {str(i): n for i, n in self.channels}
        for value in values:
            if value in users:
                resolved.setdefault("users", {})[value] = payloads.user(int(value), users[value].name)
                member = payloads.guild_member(int(value), users[value].name, with_user=False)
                resolved.setdefault("members", {})[value] = member
            elif value in roles:
                resolved.setdefault("roles", {})[value] = {
                    "id": value,
                    "name": roles[value],
                    "color": 0,
                    "hoist": False,
                    "position": 1,
                    "permissions": "0",
                    "managed": False,
                    "mentionable": True,
                    "flags": 0,
                }
            elif value in channels:
                resolved.setdefault("channels", {})[value] = {
                    "id": value,
                    "name": channels[value],
                    "type": 0,
                    "permissions": str(payloads.ALL_PERMISSIONS),
                }
        return resolved

    async def _send_select(
        self, message: dict[str, Any], custom_id: str, component_type: int, values: list[str], user_id: int
    ) -> Reply:
        """A user, role, mentionable or channel select, with the ``resolved`` data Discord adds.

        (``Harness.send_component`` sends no ``resolved``; this delivers the same way it does.)
        """
        harness = self.harness
        iid, token = self._ids.next(), f"pg-{secrets.token_hex(6)}"
        channel_id = int(message.get("channel_id", 0))
        payload = payloads.component_interaction(
            interaction_id=iid,
            token=token,
            user_id=user_id,
            custom_id=custom_id,
            message=message,
            component_type=component_type,
            values=values,
            resolved=self._resolved(values) or None,
            guild_id=_GUILD_ID,
            channel_id=channel_id,
            application_id=harness.discord.application_id,
        )
        harness.discord.register_interaction(iid, token, channel_id=channel_id, message_id=int(message["id"]))
        before = len(harness.discord.requests)
        event = harness.bot.event_factory.deserialize_interaction_create_event(None, payload)  # type: ignore[union-attr,arg-type]
        await harness.bot.event_manager.dispatch(event, return_tasks=True)  # type: ignore[union-attr]
        await harness.manager.drain()
        return Reply(iid, token, harness.discord.requests[before:])
