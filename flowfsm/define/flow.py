"""The flow definition: states, triggers, conditions and hooks, compiled once into a transitions machine.

A :class:`Flow` is declared once at import time. :meth:`Flow.compile` validates it and builds
one :class:`transitions.extensions.asyncio.AsyncMachine` for the whole flow (``model=None``):
sessions are not added to it as models; the engine fires the machine's events with a session
as the model, so a session costs only its own small object.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeAlias

from transitions.core import EventData
from transitions.extensions.asyncio import AsyncMachine

from flowfsm.define.access import Access, AccessLike, as_access
from flowfsm.define.cooldowns import RateLimit
from flowfsm.define.machine import FlowMachine, context_of, event_adapter, traced_predicate
from flowfsm.errors import FlowDefinitionError, GuardFailure

if TYPE_CHECKING:
    from typing_extensions import TypeVar

    from flowfsm.define.context import Context
    from flowfsm.define.i18n import Translations
    from flowfsm.define.screen import ScreenLike
else:
    from typing import TypeVar

__all__ = ["DEFAULT_TIMEOUT", "DataT", "Flow", "Hook", "RenderFn", "Sample", "StateSpec", "TransitionSpec"]

DEFAULT_TIMEOUT = 300.0
"""Seconds of inactivity after which a session expires (five minutes)."""

RenderFn: TypeAlias = "Callable[[Context], Awaitable[ScreenLike] | ScreenLike]"
"""A state's render function: receives the context, returns the message (sync or async)."""

Hook: TypeAlias = "Callable[[Context], Awaitable[Any] | Any]"
"""A callback receiving the context; sync or async."""

CompletionHandler: TypeAlias = "Callable[[Context, Any], Awaitable[Any] | Any]"
"""A sub-flow completion handler: receives the parent's context and the child's result."""

RESERVED_TRIGGERS = ("back", "cancel")
"""Triggers generated for returnable and cancellable states."""

_NAME = re.compile(r"^[A-Za-z0-9_\-]{1,32}$")
_STATE_NAME = re.compile(r"^[^:\s][^:]{0,63}$")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _seconds(flow: str, trigger: str, name: str, value: object) -> float:
    """A timed edge's seconds: a positive number (``after=`` also takes hooks, ``every=`` only this)."""
    if not _is_number(value) or not value > 0:  # type: ignore[operator]
        raise FlowDefinitionError(
            flow, f"timed transition {trigger!r}: {name}= must be a positive number of seconds, got {value!r}"
        )
    return float(value)  # type: ignore[arg-type]


def _as_list(value: Hook | Sequence[Hook] | None) -> list[Hook]:
    if value is None:
        return []
    if callable(value) or isinstance(value, str):
        return [value]
    return list(value)


HOOK_NAMES = (
    "setup",
    "on_enter",
    "before_render",
    "after_render",
    "on_action",
    "on_next",
    "on_previous",
    "on_leave",
    "on_cancel",
    "on_timeout",
)
"""Per-state hooks, in the order they can fire (see :mod:`flowfsm.define.lifecycle`)."""

CLEANUP_POLICIES = ("edit", "delete", "strip", "replace")
"""How the previous message is handled when a state posts a new one."""


@dataclass(slots=True)
class StateSpec:
    """One state of a flow: its render function, its navigation marks, and its hooks.

    Navigation marks: ``tracked`` (leaving it pushes it on the history stack), ``preserve``
    (re-entry restores its per-state data instead of running setup again), ``returnable``
    (offers Back, which pops the history), ``cancellable`` (offers Cancel), ``fallback``
    (where Back goes when the history is empty, with ``fallback_options``).
    """

    name: str
    render: RenderFn | None = None
    final: bool = False
    tracked: bool = False
    preserve: bool = False
    returnable: bool = False
    cancellable: bool = False
    fallback: str | None = None
    fallback_options: Mapping[str, Any] | None = None
    ephemeral: bool | None = None
    cleanup: str | None = None
    post: bool = False
    paginate: Any = None
    on_message: Hook | None = None
    delete_message: bool = False
    description: str = ""
    setup: list[Hook] = field(default_factory=list)
    on_enter: list[Hook] = field(default_factory=list)
    before_render: list[Hook] = field(default_factory=list)
    after_render: list[Hook] = field(default_factory=list)
    on_action: list[Hook] = field(default_factory=list)
    on_next: list[Hook] = field(default_factory=list)
    on_previous: list[Hook] = field(default_factory=list)
    on_leave: list[Hook] = field(default_factory=list)
    on_cancel: list[Hook] = field(default_factory=list)
    on_timeout: list[Hook] = field(default_factory=list)

    def hooks(self, name: str) -> list[Hook]:
        """The hooks registered under ``name`` (one of :data:`HOOK_NAMES`)."""
        return getattr(self, name)


@dataclass(slots=True)
class TransitionSpec:
    """A trigger moving the machine from ``source`` to ``dest`` when its conditions hold.

    ``dest=None`` is an internal transition: callbacks run, the state is not left.
    """

    trigger: str
    source: str | tuple[str, ...]
    dest: str | None
    conditions: list[Hook] = field(default_factory=list)
    unless: list[Hook] = field(default_factory=list)
    before: list[Hook] = field(default_factory=list)
    after: list[Hook] = field(default_factory=list)
    kind: str = "normal"
    """``"normal"``, or generated: ``"back"`` (history), ``"cancel"``, ``"subflow"`` (opens a child flow)."""
    subflow: str | None = None
    """For ``kind="subflow"``: the child flow's name."""
    on_complete: str | None = None
    """For ``kind="subflow"``: the completion handler (declared with :meth:`Flow.on_complete`)."""
    options: Mapping[str, Any] | None = None
    """Options given to the state entered (sub-flow options, fallback options)."""
    every: float | None = None
    """A timed edge: fires by itself every ``every`` seconds while the session is in its source."""
    delay: float | None = None
    """A timed edge (``transition(..., after=30)``): fires by itself ``delay`` seconds after the
    session entered its source."""

    @property
    def timed(self) -> float | None:
        """The seconds of a timed edge (``every`` or ``after``), ``None`` for a clicked one."""
        return self.every if self.every is not None else self.delay

    @property
    def time_label(self) -> str:
        """How diagrams and ``check`` name a timed edge's time: ``"every 5 s"``, ``"after 30 s"``."""
        if self.every is not None:
            return f"every {self.every:g} s"
        return f"after {self.delay:g} s" if self.delay is not None else ""

    def sources(self, all_states: Iterable[str]) -> tuple[str, ...]:
        """The concrete source states (``"*"`` means every state)."""
        if self.source == "*":
            return tuple(all_states)
        return (self.source,) if isinstance(self.source, str) else self.source


@dataclass(frozen=True, slots=True)
class Sample:
    """Inputs a state can be opened with on its own, by ``flowfsm check`` and ``flowfsm explore``
    (see :meth:`Flow.sample`): start options, session data, and a name for reports."""

    state: str
    options: Mapping[str, Any]
    data: Mapping[str, Any]
    name: str


if TYPE_CHECKING:
    DataT = TypeVar("DataT", default=Any)
else:  # typing.TypeVar has no default before Python 3.13; only type checkers read it
    DataT = TypeVar("DataT")
"""The type of a flow's session data (``Flow("shop", data=Cart)``). A bare ``Flow`` or ``Context``
(no type argument) has untyped data: a dict, typed ``Any``, so that flows with and without typed
data go through the same engine functions."""


class Flow(Generic[DataT]):
    """A menu flow: named states with render functions and the triggers between them.

    Args:
        name: unique name (letters, digits, ``_`` and ``-``, at most 32 characters); it is part
            of every custom id so that stale clicks can be answered after a restart.
        timeout: seconds of inactivity before a session expires (default five minutes).
        command: the slash command that opens this flow, named in the "expired" reply
            (default: the flow's name).
        ephemeral: whether the flow's messages are visible only to the user.
        description: one line shown by diagrams and the playground.
        resume: ``fn(interaction) -> options | None`` (sync or async). When set, a click on an
            expired menu of this flow is answered with an "Open again" button that starts the
            flow afresh with the options ``fn`` returns (read them from your database; ``None``
            refuses). Sessions never survive a restart; this re-opens from durable data.
        cleanup: how the previous message is handled when a state change posts a new one:
            ``"edit"`` (default: edit in place), ``"delete"``, ``"strip"`` (keep it, drop its
            components) or ``"replace"`` (a short "continues below" note). A state's
            ``cleanup=`` and a button's ``cleanup=`` override it, in that order of strength.
        translations: the flow's :class:`~flowfsm.define.i18n.Translations` (Fluent catalogs), read by
            ``ctx.t(key, ...)``; screens follow the user's locale (see :mod:`flowfsm.define.i18n`).
        locale: the locale a flow without translations is written in (its Back, Cancel,
            Previous and Next follow it; default: the manager's). With translations, their
            default locale.
        data: the type of the session data (a dataclass or ``msgspec.Struct`` whose fields all
            have defaults): ``ctx.data`` is then that type (``Context[Cart]`` for mypy) and a
            remote store encodes it with its schema. Without it ``ctx.data`` is a dict.
        migrations: ``{"old_state": "new_state"}``: a stored session (see
            :mod:`flowfsm.engine.snapshot`) sitting in a state that was renamed or removed since it was
            saved carries on in the new state instead of expiring.
        access: who may click the flow's menus: the opener only (default), ``"channel"``,
            :class:`~flowfsm.define.access.Access` ``.members(users=..., roles=...)`` or a
            predicate ``fn(ctx) -> bool`` (see :mod:`flowfsm.define.access`). Clicks of a shared
            menu run one at a time; ``ctx.member_data`` holds each user's own data.
        rate_limit: at most so many clicks per user per interval across the flow's menus, a
            :class:`~flowfsm.define.cooldowns.RateLimit`; a faster click runs nothing and gets
            an ephemeral "slow down" (``Texts.cooldown``).

    Example::

        flow = Flow("weather")

        @flow.state(initial=True)
        def report(ctx):
            return Screen("Sunny", items=[Button("Details", trigger="details")])

        @flow.state()
        def details(ctx):
            return Screen("22 °C", items=[Button("Back", trigger="back")])

        flow.transition("details", "report", "details")
        flow.transition("back", "details", "report")
    """

    def __init__(
        self,
        name: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        command: str | None = None,
        ephemeral: bool = False,
        description: str = "",
        resume: Callable[[Any], Any] | None = None,
        cleanup: str = "edit",
        translations: Translations | None = None,
        locale: str | None = None,
        data: type[DataT] | None = None,
        migrations: Mapping[str, str] | None = None,
        access: AccessLike | None = None,
        rate_limit: RateLimit | None = None,
    ) -> None:
        if not isinstance(name, str) or not _NAME.match(name):
            raise FlowDefinitionError(
                str(name), "a flow name is 1-32 letters, digits, '_' or '-' (it goes into custom ids)"
            )
        self.name = name
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
            raise FlowDefinitionError(name, f"timeout must be a positive number of seconds, got {timeout!r}")
        self.timeout = float(timeout)
        self.command = command or name
        self.ephemeral = ephemeral
        self.description = description
        if resume is not None and not callable(resume):
            raise FlowDefinitionError(name, f"resume must be callable, got {resume!r}")
        self.resume = resume
        if cleanup not in CLEANUP_POLICIES:
            raise FlowDefinitionError(name, f"cleanup must be one of {CLEANUP_POLICIES}, got {cleanup!r}")
        self.cleanup = cleanup
        if translations is not None and locale not in (None, translations.default):
            raise FlowDefinitionError(
                name,
                f"locale {locale!r} differs from the default locale of its translations, {translations.default!r}",
            )
        self.translations = translations
        self.locale = translations.default if translations is not None else locale
        if data is not None:
            from flowfsm.define.data import validate_data_type

            validate_data_type(name, data)
        self.data_type: type[DataT] | None = data
        self.migrations: dict[str, str] = dict(migrations or {})
        try:
            self.access: Access = as_access(access)
        except ValueError as exc:
            raise FlowDefinitionError(name, str(exc)) from None
        if rate_limit is not None and not isinstance(rate_limit, RateLimit):
            raise FlowDefinitionError(name, f"rate_limit must be a RateLimit, got {rate_limit!r}")
        self.rate_limit = rate_limit
        self._version: str | None = None
        self.states: dict[str, StateSpec] = {}
        self.transitions: list[TransitionSpec] = []
        self.initial: str | None = None
        self._machine: AsyncMachine | None = None
        self._state_index: dict[str, int] = {}
        self._state_names: list[str] = []
        self._triggers: dict[str, frozenset[str]] = {}
        self._timed: dict[str, tuple[TransitionSpec, ...]] = {}
        self.completions: dict[str, CompletionHandler] = {}
        self.guards: dict[str, Any] = {}
        self.samples: list[Sample] = []
        """Sample inputs per state for ``flowfsm check`` and ``flowfsm explore`` (see :meth:`sample`)."""

    def __repr__(self) -> str:
        return f"Flow({self.name!r}, states={list(self.states)!r})"

    @property
    def version(self) -> str:
        """A short, stable hash of the flow's graph (see :func:`flowfsm.define.versions.flow_version`).

        It changes when states, their marks, transitions, sub-flow calls or the data type's fields
        change, never when only callbacks do; a stored session records it (cached once compiled).
        """
        if self._version is not None:
            return self._version
        from flowfsm.define.versions import flow_version

        version = flow_version(self)
        if self._machine is not None:
            self._version = version
        return version

    # -- definition --------------------------------------------------------------------------------

    def add_state(
        self,
        name: str,
        render: RenderFn | None = None,
        *,
        initial: bool = False,
        final: bool = False,
        tracked: bool = False,
        preserve: bool = False,
        returnable: bool = False,
        cancellable: bool = False,
        fallback: str | None = None,
        fallback_options: Mapping[str, Any] | None = None,
        ephemeral: bool | None = None,
        cleanup: str | None = None,
        post: bool = False,
        paginate: Any = None,
        on_message: Hook | None = None,
        delete_message: bool = False,
        description: str = "",
        **hooks: Hook | Sequence[Hook] | None,
    ) -> StateSpec:
        """Declare a state. Its render function may be attached later with :meth:`render`.

        Hooks are given by name (``setup=``, ``on_enter=``, ``before_render=``, ... see
        :data:`HOOK_NAMES`), each a callback or a list of callbacks receiving the context.
        """
        self._check_open()
        if not isinstance(name, str) or not _STATE_NAME.match(name):
            raise FlowDefinitionError(
                self.name, "a state name is 1-64 characters without ':' or leading space", state=str(name)
            )
        if name in self.states:
            raise FlowDefinitionError(self.name, "duplicate state name", state=name)
        unknown = sorted(set(hooks) - set(HOOK_NAMES))
        if unknown:
            raise FlowDefinitionError(
                self.name, f"unknown hook(s) {unknown}; hooks are {list(HOOK_NAMES)}", state=name
            )
        if cleanup is not None and cleanup not in CLEANUP_POLICIES:
            raise FlowDefinitionError(
                self.name, f"cleanup must be one of {CLEANUP_POLICIES}, got {cleanup!r}", state=name
            )
        if initial:
            if self.initial is not None:
                raise FlowDefinitionError(
                    self.name, f"two initial states: {self.initial!r} is already initial", state=name
                )
            self.initial = name
        if not description and render is not None:
            description = (inspect.getdoc(render) or "").split("\n")[0]
        spec = StateSpec(
            name,
            render,
            final=final,
            tracked=tracked,
            preserve=preserve,
            returnable=returnable or fallback is not None,
            cancellable=cancellable,
            fallback=fallback,
            fallback_options=fallback_options,
            ephemeral=ephemeral,
            cleanup=cleanup,
            post=post,
            paginate=paginate,
            on_message=on_message,
            delete_message=delete_message,
            description=description,
            **{hook: _as_list(fns) for hook, fns in hooks.items()},
        )
        self.states[name] = spec
        return spec

    def state(
        self, name: str | None = None, *, initial: bool = False, final: bool = False, **options: Any
    ) -> Callable[[RenderFn], RenderFn]:
        """Decorator declaring a state whose render function is the decorated function.

        The state is named after the function unless ``name`` is given; other keyword
        arguments are those of :meth:`add_state` (navigation marks and hooks).
        """

        def decorator(fn: RenderFn) -> RenderFn:
            self.add_state(name or fn.__name__, fn, initial=initial, final=final, **options)
            return fn

        return decorator

    def hook(self, state: str, name: str) -> Callable[[Hook], Hook]:
        """Decorator adding a hook to a declared state: ``@flow.hook("menu", "on_enter")``."""
        if name not in HOOK_NAMES:
            raise FlowDefinitionError(
                self.name, f"unknown hook {name!r}; hooks are {list(HOOK_NAMES)}", state=state
            )

        def decorator(fn: Hook) -> Hook:
            spec = self.states.get(state)
            if spec is None:
                raise FlowDefinitionError(self.name, f"{name} hook for an undeclared state", state=state)
            spec.hooks(name).append(fn)
            return fn

        return decorator

    def on_complete(self, name: str | None = None) -> Callable[[CompletionHandler], CompletionHandler]:
        """Decorator declaring a named completion handler ``fn(ctx, result)`` for sub-flows."""

        def decorator(fn: CompletionHandler) -> CompletionHandler:
            key = name or fn.__name__
            if key in self.completions:
                raise FlowDefinitionError(self.name, f"duplicate completion handler {key!r}")
            self.completions[key] = fn
            return fn

        return decorator

    def guard(
        self, name: str | None = None, message: str | None = None
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator registering a named guard, usable in ``conditions=["name"]``."""

        def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
            from flowfsm.define.guards import DEFAULT_GUARD_MESSAGE, Guard

            key = name or fn.__name__
            self.guards[key] = Guard(fn, message or DEFAULT_GUARD_MESSAGE, name=key)
            return fn

        return decorator

    def subflow(
        self,
        trigger: str,
        source: str | Sequence[str],
        flow: Flow | str,
        *,
        on_complete: str | None = None,
        options: Mapping[str, Any] | None = None,
        conditions: Hook | Sequence[Hook] | None = None,
    ) -> TransitionSpec:
        """Declare that ``trigger`` in ``source`` opens another flow as a sub-flow.

        The child runs in the same session (same message, same session data) and sees
        ``options`` as its ``ctx.state_options``. When it calls ``ctx.complete(result)``, the
        parent state is re-entered and the handler named ``on_complete`` runs with the result;
        leaving the child by Back or Cancel returns without calling it.
        """
        spec = self.transition(trigger, source, None, conditions=conditions)
        spec.kind = "subflow"
        spec.subflow = flow.name if isinstance(flow, Flow) else flow
        spec.on_complete = on_complete
        spec.options = options
        return spec

    def render(self, name: str) -> Callable[[RenderFn], RenderFn]:
        """Decorator attaching a render function to an already declared state."""

        def decorator(fn: RenderFn) -> RenderFn:
            spec = self.states.get(name)
            if spec is None:
                raise FlowDefinitionError(self.name, "render function for an undeclared state", state=name)
            if spec.render is not None:
                raise FlowDefinitionError(self.name, "state already has a render function", state=name)
            spec.render = fn
            return fn

        return decorator

    def transition(
        self,
        trigger: str,
        source: str | Sequence[str],
        dest: str | None,
        *,
        conditions: Hook | Sequence[Hook] | None = None,
        unless: Hook | Sequence[Hook] | None = None,
        before: Hook | Sequence[Hook] | None = None,
        after: Hook | Sequence[Hook] | float | None = None,
        every: float | None = None,
    ) -> TransitionSpec:
        """Declare a trigger from ``source`` (a state, several, or ``"*"``) to ``dest``.

        ``conditions`` must all return truthy (and ``unless`` all falsy) for the transition to
        happen; ``before``/``after`` run around the state change. All receive the context.

        A timed edge fires by itself, driven by the manager's clock (one shared timer for every
        session): ``every=5`` fires every 5 seconds while the session is in ``source``;
        ``after=30`` (a number, not a hook) fires once, 30 seconds after the session entered
        ``source``. Its trigger can also be sent (:meth:`FlowManager.send`) or fired as usual.
        """
        self._check_open()
        if not isinstance(trigger, str) or not _NAME.match(trigger):
            raise FlowDefinitionError(
                self.name, f"trigger {trigger!r} must be 1-32 letters, digits, '_' or '-'"
            )
        src: str | tuple[str, ...] = source if isinstance(source, str) else tuple(source)
        delay = _seconds(self.name, trigger, "after", after) if _is_number(after) else None
        hooks_after = [] if delay is not None else _as_list(after)  # type: ignore[arg-type]
        period = _seconds(self.name, trigger, "every", every) if every is not None else None
        if delay is not None and period is not None:
            raise FlowDefinitionError(
                self.name, f"timed transition {trigger!r}: give every= or after=, not both"
            )
        spec = TransitionSpec(
            trigger,
            src,
            dest,
            _as_list(conditions),
            _as_list(unless),
            _as_list(before),
            hooks_after,
            every=period,
            delay=delay,
        )
        self.transitions.append(spec)
        return spec

    def timed_from(self, state: str) -> tuple[TransitionSpec, ...]:
        """The timed edges (``every=`` / ``after=``) leaving ``state``, in declaration order."""
        found = self._timed.get(state)
        if found is None:
            found = self._timed[state] = tuple(
                tr for tr in self.transitions if tr.timed is not None and state in tr.sources(self.states)
            )
        return found

    def sample(
        self,
        state: str,
        *,
        options: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        name: str | None = None,
    ) -> Sample:
        """Give ``state`` inputs to be opened with on its own (check and exploration fixtures).

        ``flowfsm check`` opens every reachable state by itself, as ``flows.start(..., at=state,
        options=options)`` would, so no earlier screen has filled ``ctx.data``: it uses the first
        sample of each state. ``flowfsm explore`` walks the flow from its initial state, then once
        more from each sample, so a guard the default data passes is seen refusing too. ``options``
        are the start options (``ctx.options``, ``ctx.state_options``); ``data`` is put into
        ``ctx.data`` as the state is entered (after its ``setup``, before its ``on_enter``,
        ``before_render`` and render function)::

            weather.sample("details", data={"reading": {"temp": 21.0, "wind": 12.0}})
            shop.sample("catalog", options={"balance": 0}, name="broke")
        """
        if state not in self.states:
            raise FlowDefinitionError(self.name, "sample for an undeclared state", state=state)
        label = name or f"{state}#{sum(1 for s in self.samples if s.state == state) + 1}"
        sample = Sample(state, dict(options or {}), dict(data or {}), label)
        self.samples.append(sample)
        return sample

    def sample_for(self, state: str) -> Sample | None:
        """The first sample given for ``state`` (what ``flowfsm check`` opens it with)."""
        return next((s for s in self.samples if s.state == state), None)

    def _check_open(self) -> None:
        if self._machine is not None:
            raise FlowDefinitionError(self.name, "the flow is already compiled; define it before first use")

    # -- compilation -------------------------------------------------------------------------------

    def validate(self) -> None:
        """Raise :class:`FlowDefinitionError` for the first definition mistake found.

        ``flowfsm check`` reports every mistake at once instead.
        """
        if not self.states:
            raise FlowDefinitionError(self.name, "the flow has no states")
        if self.initial is None:
            raise FlowDefinitionError(self.name, "no initial state (use initial=True on one state)")
        for spec in self.states.values():
            if spec.render is None:
                raise FlowDefinitionError(self.name, "state has no render function", state=spec.name)
            if not callable(spec.render):
                raise FlowDefinitionError(self.name, "render function is not callable", state=spec.name)
            if spec.fallback is not None and spec.fallback not in self.states:
                raise FlowDefinitionError(
                    self.name, f"fallback {spec.fallback!r} is not a state of this flow", state=spec.name
                )
        for old, new in self.migrations.items():
            if old in self.states:
                raise FlowDefinitionError(
                    self.name,
                    f"migration {old!r} -> {new!r}: {old!r} is still a state of this flow",
                    state=old,
                )
            if new not in self.states:
                raise FlowDefinitionError(
                    self.name, f"migration {old!r} -> {new!r}: {new!r} is not a state of this flow", state=old
                )
        for tr in self.transitions:
            if tr.kind not in ("normal", "subflow"):
                continue
            for src in tr.sources(self.states):
                if src not in self.states:
                    raise FlowDefinitionError(
                        self.name, f"transition {tr.trigger!r} starts from an unknown state", state=src
                    )
                spec = self.states[src]
                if (tr.trigger == "back" and spec.returnable) or (
                    tr.trigger == "cancel" and spec.cancellable
                ):
                    raise FlowDefinitionError(
                        self.name,
                        f"trigger {tr.trigger!r} is generated for this state (returnable/cancellable); "
                        "rename your transition",
                        state=src,
                    )
            if tr.dest is not None and tr.dest not in self.states:
                # Name where the transition starts (the state the author is looking at) and the
                # missing target: the target alone reads as if that state were the culprit.
                sources = tr.sources(self.states)
                raise FlowDefinitionError(
                    self.name,
                    f"transition {tr.trigger!r} goes to unknown state {tr.dest!r} "
                    f"(known: {', '.join(self.states)})",
                    state=sources[0] if len(sources) == 1 else str(tr.source),
                )
            if tr.on_complete is not None and tr.on_complete not in self.completions:
                raise FlowDefinitionError(
                    self.name,
                    f"sub-flow {tr.subflow!r} names completion handler {tr.on_complete!r}, "
                    f"which is not declared (known: {sorted(self.completions)})",
                    state=str(tr.source),
                )
            for hook in (*tr.conditions, *tr.unless):
                if isinstance(hook, str) and hook not in self.guards:
                    raise FlowDefinitionError(
                        self.name,
                        f"transition {tr.trigger!r} uses unknown guard {hook!r}",
                        state=str(tr.source),
                    )
            for hook in (*tr.conditions, *tr.unless, *tr.before, *tr.after):
                if not callable(hook) and not isinstance(hook, str):
                    raise FlowDefinitionError(
                        self.name, f"transition {tr.trigger!r} has a callback that is not callable: {hook!r}"
                    )

    def compile(self) -> AsyncMachine:
        """Validate the flow and build its transitions machine (once; later calls return it)."""
        if self._machine is not None:
            return self._machine
        from flowfsm.define import lifecycle

        self.validate()
        names = list(self.states)
        self.transitions.extend(lifecycle.generated_transitions(self))
        machine = FlowMachine(
            model=None,
            states=[
                {
                    "name": spec.name,
                    "final": spec.final,
                    "on_enter": [lifecycle.on_state_enter],
                    "on_exit": [lifecycle.on_state_exit],
                }
                for spec in self.states.values()
            ],
            initial=self.initial,
            send_event=True,
            auto_transitions=False,
            ignore_invalid_triggers=False,
            # History needs a look at every state change only when some state is tracked.
            before_state_change=[lifecycle.before_state_change]
            if any(s.tracked for s in self.states.values())
            else [],
            after_state_change=[lifecycle.after_state_change],
            name=self.name,
        )
        for tr in self.transitions:
            machine.add_transition(
                tr.trigger,
                list(tr.sources(names)),
                tr.dest,
                conditions=[self._condition(fn, tr.kind) for fn in tr.conditions],  # type: ignore[arg-type]
                unless=[self._condition(fn, tr.kind) for fn in tr.unless],  # type: ignore[arg-type]
                before=[event_adapter(fn) for fn in tr.before],  # type: ignore[arg-type]
                after=[event_adapter(fn) for fn in tr.after],  # type: ignore[arg-type]
            )
        self._state_names = names
        self._state_index = {n: i for i, n in enumerate(names)}
        self._machine = machine
        return machine

    def _condition(self, fn: Any, kind: str = "normal") -> Callable[[EventData], Awaitable[Any]]:
        """Adapt a condition: a :class:`~flowfsm.define.guards.Guard` (or its registered name) raises
        :class:`GuardFailure` with its message; a plain predicate just returns a bool (its outcome
        traced, unless it is the engine's own condition of a generated Back transition)."""
        from flowfsm.define.guards import Guard

        if isinstance(fn, str):
            fn = self.guards[fn]
        if isinstance(fn, Guard):
            guard = fn

            async def check(event: EventData) -> bool:
                message = await guard.failure(context_of(event))
                if message is not None:
                    raise GuardFailure(message)
                return True

            check.__name__ = str(guard.name)
            return check
        if kind != "normal":
            return event_adapter(fn)
        return traced_predicate(fn, event_adapter(fn))

    @property
    def machine(self) -> AsyncMachine:
        """The flow's transitions machine (compiles the flow on first access)."""
        machine = self._machine
        return machine if machine is not None else self.compile()

    def state_index(self, name: str) -> int:
        """Small integer naming a state in custom ids."""
        index = self._state_index.get(name)
        if index is None:
            self.compile()
            return self._state_index[name]
        return index

    def state_at(self, index: int) -> str | None:
        """The state named by :meth:`state_index`, or ``None``."""
        self.compile()
        return self._state_names[index] if 0 <= index < len(self._state_names) else None

    def triggers_from(self, state: str) -> frozenset[str]:
        """The triggers that can fire in ``state``."""
        found = self._triggers.get(state)
        if found is None:
            found = self._triggers[state] = frozenset(self.machine.get_triggers(state))
        return found

    def is_final(self, state: str) -> bool:
        """Whether ``state`` is a final state."""
        return self.states[state].final
