"""Automatic exploration: use every item of every screen of a flow, breadth first, through the real stack.

:func:`explore` drives a flow with :class:`flowfsm.testing.Harness` (the loopback Discord, real
hikari entities, the real ``miru.Client`` and :class:`~flowfsm.engine.manager.FlowManager`): it starts
the flow's command with default options, then uses every item the rendered message offers,
breadth first, up to ``depth`` steps:

* every enabled button with a custom id (link and disabled buttons are skipped); a button that
  opens a modal is followed by submitting the modal, each text input filled with its prefilled
  value, else its placeholder, else ``explore``, fitted to its length limits;
* every text select, one option at a time (its first :data:`MAX_OPTIONS` options);
* every timed edge of the state (``every=`` / ``after=``): the harness's clock is moved on until
  it fires (a step named ``⏱ trigger``).

User, role, channel and mentionable selects need Discord-resolved ids and are not driven (a
note says so).

A session's position only changes by interacting, so every step is replayed honestly: each
new screen is reached by starting a fresh session and replaying the path (items found by label
and position). When the flow's data changed under the replay (durable data: an item sold out
by an earlier click), the branch is dropped with a note, not reported as a finding. Screens are
told apart by flow, state and the shape of their items (labels, styles, emoji, options), not by
their text, so a refresh that changes only data is not explored twice.

It reports, as :class:`~flowfsm.tools.check.Finding` lines ``flow:state: problem (path: ...)``:

* errors raised while running callbacks or rendering (the manager's error handler sees them);
* messages breaking a Discord limit (the engine's :class:`~flowfsm.errors.RenderError`);
* items firing triggers that are unknown in the current state;
* interactions the manager refused (stale, invalid, expired);
* states the diagram says are reachable that no rendered item reached within ``depth`` (when
  every transition into such a state is guarded, the guards refusing a default user is expected:
  that is a note in the report, not a finding).
"""

from __future__ import annotations

import inspect
import itertools
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from flowfsm.define.context import Context
from flowfsm.define.flow import Flow
from flowfsm.errors import FlowDefinitionError, FlowError, RenderError
from flowfsm.testing.harness import Harness, Reply, components_of
from flowfsm.tools.check import FLOW_WIDE, Finding
from flowfsm.tools.diagram import FlowGraph, flow_graph

__all__ = ["DEFAULT_DEPTH", "MAX_OPTIONS", "ExploreReport", "explore"]

DEFAULT_DEPTH = 8
"""Steps (clicks, selections, modal submissions) from the start explored by default."""

MAX_OPTIONS = 5
"""Options of a text select tried, each on its own."""

_FIRST_USER = 700_000_000_000_000_001
_QUOTED = r"""(?:'[^']*'|"[^"]*")"""
_PREFIX = re.compile(rf"^flow {_QUOTED}(?:, state {_QUOTED})?(?:: |, (?=item ))")
_UNKNOWN_TRIGGER = ("cannot fire", "unknown trigger")
_BUTTON, _TEXT_SELECT, _TEXT_INPUT = 2, 3, 4
_WAIT = -1
"""A pseudo component: waiting for a timed edge."""
_MAX_WAITS = 1000
"""Timed edges fired at most while waiting for one (every edges fire on the way)."""
_RESOLVED_SELECTS = (5, 6, 7, 8)
_MODAL = 9


@dataclass
class ExploreReport:
    """What exploring one flow found."""

    flow: str
    depth: int
    findings: list[Finding] = field(default_factory=list)
    reached: tuple[str, ...] = ()
    """States of the flow rendered without error, in the order first reached."""
    expected: tuple[str, ...] = ()
    """States reachable from the initial state in the flow's diagram."""
    screens: int = 0
    """Distinct screens seen (flow, state and item shape)."""
    interactions: int = 0
    """Commands, clicks, selections and modal submissions sent, replays included."""
    truncated: bool = False
    """Whether ``max_screens`` stopped the walk early."""
    notes: list[str] = field(default_factory=list)
    """What was not explored and why (not findings): paths that could not be replayed because the
    flow's data changed under them, states only guarded transitions lead to, selects not driven."""

    @property
    def ok(self) -> bool:
        """No findings."""
        return not self.findings

    def summary(self) -> str:
        """One line: states reached, screens, interactions."""
        more = " (stopped at the screen limit)" if self.truncated else ""
        return (
            f"{self.flow}: reached {len(self.reached)} of {len(self.expected)} reachable states, "
            f"{self.screens} screens, {self.interactions} interactions, depth {self.depth}{more}"
        )


@dataclass(frozen=True, slots=True)
class _Action:
    """One thing a user can do on a screen: click a button, or pick one option of a text select."""

    custom_id: str
    label: str
    component_type: int = _BUTTON
    value: str | None = None

    @property
    def key(self) -> tuple[int, str]:
        return (self.component_type, self.label)


@dataclass(frozen=True, slots=True)
class _Step:
    position: int
    key: tuple[int, str]

    @property
    def label(self) -> str:
        return self.key[1]


@dataclass
class _Outcome:
    flow: str
    state: str
    ended: bool
    actions: list[_Action]
    shape: tuple[Any, ...]
    failures: list[tuple[str, str, str]]
    """(flow, state, problem) raised by the last step."""
    diverged: str | None = None
    undriven: bool = False
    """The screen has selects that are not driven."""

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.flow, self.state, self.ended, self.shape)


def _bare(exc: BaseException) -> str:
    """The message of a flowfsm error without its ``flow '...', state '...'`` prefix (an item stays)."""
    return _PREFIX.sub("", str(exc), count=1)


def _classify(exc: BaseException) -> str:
    text = _bare(exc)
    if isinstance(exc, FlowError) and any(marker in text for marker in _UNKNOWN_TRIGGER):
        return f"item fires a trigger unknown in this state: {text}"
    if isinstance(exc, RenderError):
        return f"breaks a Discord limit: {text}"
    return f"error: {type(exc).__name__}: {text}".rstrip(": ")


def _label(component: Mapping[str, Any]) -> str:
    label = component.get("label")
    if label:
        return str(label)
    emoji = component.get("emoji") or {}
    return str(emoji.get("name") or emoji.get("id") or "?")


def _shape(message: Mapping[str, Any] | None) -> tuple[Any, ...]:
    if not message:
        return ()
    shape = []
    for component in components_of(message):
        emoji = component.get("emoji") or {}
        shape.append(
            (
                component.get("type"),
                component.get("label"),
                component.get("placeholder"),
                emoji.get("name") or emoji.get("id"),
                component.get("style"),
                bool(component.get("disabled")),
                "custom_id" in component,
                tuple(str(option.get("value")) for option in component.get("options") or ()),
            )
        )
    return tuple(shape)


def _actions(message: Mapping[str, Any] | None) -> tuple[list[_Action], bool]:
    """What a user can do on ``message``, and whether it has selects that are not driven."""
    if not message:
        return [], False
    actions: list[_Action] = []
    undriven = False
    for component in components_of(message):
        custom_id = component.get("custom_id")
        if not custom_id or component.get("disabled"):
            continue
        kind = component.get("type")
        if kind == _BUTTON:
            actions.append(_Action(str(custom_id), _label(component)))
        elif kind == _TEXT_SELECT:
            name = component.get("placeholder") or "select"
            for option in list(component.get("options") or ())[:MAX_OPTIONS]:
                label = f"{name}: {option.get('label') or option.get('value')}"
                actions.append(_Action(str(custom_id), label, _TEXT_SELECT, str(option.get("value"))))
        elif kind in _RESOLVED_SELECTS:
            undriven = True
    return actions, undriven


def _timed_actions(session: Any) -> list[_Action]:
    """Waiting for each timed edge of the session's state, as one step each."""
    if session is None or session.ended:
        return []
    return [
        _Action("", f"⏱ {edge.trigger}", _WAIT, edge.trigger)
        for edge in session.flow.timed_from(session.state)
    ]


def _text_inputs(nodes: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    for node in nodes:
        if node.get("type") == _TEXT_INPUT:
            yield node
        yield from _text_inputs(node.get("components") or ())
        if node.get("component"):
            yield from _text_inputs([node["component"]])


def _fill(text_input: Mapping[str, Any]) -> str:
    """A value for a modal's text input: prefilled, else its placeholder, else ``explore``, fitted."""
    text = str(text_input.get("value") or text_input.get("placeholder") or "explore")
    shortest = int(text_input.get("min_length") or 0)
    longest = int(text_input.get("max_length") or 4000)
    text = text + "x" * max(0, shortest - len(text))
    return text[: max(longest, 1)]


class _Explorer:
    def __init__(self, harness: Harness, flow: Flow, options: Mapping[str, Any] | None) -> None:
        self.h = harness
        self.flow = flow
        self.options = options
        self.users = itertools.count(_FIRST_USER)
        self.interactions = 0
        self.errors: list[tuple[Context, BaseException]] = []
        harness.manager.on_error(self._on_error)
        texts = harness.manager.localized.texts(harness.locale)  # refusals come in the user's locale
        self.refusals = {texts.expired, texts.not_yours, texts.stale, texts.invalid, texts.timeout}

    def _on_error(self, ctx: Context, exc: BaseException) -> None:
        self.errors.append((ctx, exc))

    def menu(self, session: Any) -> dict[str, Any] | None:
        """The session's menu message as the fake Discord holds it now (it may have been re-posted)."""
        message_id = getattr(session, "message_id", None)
        if message_id is not None:
            message = self.h.discord.messages.get(int(message_id))
            if message is not None:
                return message
        return self.h.message

    def _refused(self, reply: Reply, label: str) -> str | None:
        text = reply.ephemeral_text
        if text is None:
            return None
        for template in self.refusals:
            if text == template.format(command=self.flow.command):
                return f"{label!r} was refused: {text}"
        return None

    async def _wait_for(self, trigger: str, user: int) -> None:
        """Move the clock on until the session's timed edge ``trigger`` fires (or it moves on)."""
        manager = self.h.manager
        for _ in range(_MAX_WAITS):
            session = self.h.session(user)
            planned = manager.timed_plans().get(session.id) if session is not None else None
            if planned is None:
                return
            next_trigger, due = planned
            await self.h.advance(max(0.0, due - self.h.clock.now))
            self.interactions += 1
            if next_trigger == trigger:
                return

    async def _perform(self, action: _Action, menu: Mapping[str, Any], user: int) -> str | None:
        """Use one item on ``menu``; submit the modal a button opens. Returns a refusal, if any."""
        if action.component_type == _WAIT:
            await self._wait_for(str(action.value), user)
            return None
        if action.component_type == _TEXT_SELECT:
            reply = await self.h.send_component(
                action.custom_id,
                message=menu,
                user=user,
                component_type=_TEXT_SELECT,
                values=[str(action.value)],
            )
        else:
            reply = await self.h.send_component(action.custom_id, message=menu, user=user)
        self.interactions += 1
        callback = reply.callback or {}
        if reply.type == _MODAL and isinstance(callback.get("data"), Mapping):
            modal = callback["data"]
            fields = {str(ti["custom_id"]): _fill(ti) for ti in _text_inputs(modal.get("components") or ())}
            reply = await self.h.submit_modal(str(modal["custom_id"]), fields, user=user, message=menu)
            self.interactions += 1
        return self._refused(reply, action.label)

    async def run(self, path: list[_Step]) -> _Outcome:
        """Start a fresh session and replay ``path``; describe where it ends."""
        user = next(self.users)
        mark = len(self.errors)
        refusal: str | None = None
        await self.h.command(self.flow.command, user=user, options=self.options)
        self.interactions += 1
        session = self.h.session(user)
        for index, step in enumerate(path):
            if index == len(path) - 1:
                mark = len(self.errors)
            menu = self.menu(session)
            actions = _actions(menu)[0] + _timed_actions(session)
            same = [i for i, action in enumerate(actions) if action.key == step.key]
            if menu is None or not same:
                found = [action.label for action in actions]
                return self._outcome(session, user, mark, None, f"no {step.label!r} on replay, found {found}")
            position = step.position if step.position in same else same[0]
            refusal = await self._perform(actions[position], menu, user)
            if session is None:
                session = self.h.session(user)
        return self._outcome(session, user, mark, refusal)

    def _outcome(
        self, session: Any, user: int, mark: int, refusal: str | None, diverged: str | None = None
    ) -> _Outcome:
        failures: list[tuple[str, str, str]] = []
        for ctx, exc in self.errors[mark:]:
            if ctx.session.user_id == user:
                session = session or ctx.session
                failures.append((ctx.session.flow.name, ctx.session.state, _classify(exc)))
        if session is None:  # the start ended the session at once (a final initial state)
            flow_name, state, ended = self.flow.name, self.flow.initial or FLOW_WIDE, True
        else:
            flow_name, state, ended = session.flow.name, session.state, bool(session.ended)
        if refusal is not None:
            failures.append((flow_name, state, refusal))
        message = self.menu(session)
        actions, undriven = ([], False) if ended else _actions(message)
        actions = actions + ([] if ended else _timed_actions(session))
        return _Outcome(flow_name, state, ended, actions, _shape(message), failures, diverged, undriven)


def _path_text(command: str, path: list[_Step]) -> str:
    return " > ".join([f"/{command}", *(step.label for step in path)])


def _guarded_entries(graph: FlowGraph, state: str) -> list[str]:
    """The guarded transitions into ``state`` (``source -> trigger [guards]``), or ``[]`` when any
    way in is unguarded (an unguarded transition or a Back fallback)."""
    guarded: list[str] = []
    for edge in graph.edges:
        if edge.dest != state or edge.source == state:
            continue
        if not (edge.conditions or edge.unless):
            return []
        guards = " & ".join([*edge.conditions, *("!" + name for name in edge.unless)])
        guarded.append(f"{edge.source} -> {edge.trigger} [{guards}]")
    if any(node.fallback == state for node in graph.states):
        return []
    return guarded


async def _observe(observe: Callable[[Harness], Any] | None, harness: Harness) -> None:
    if observe is not None:
        result = observe(harness)
        if inspect.isawaitable(result):
            await result


async def explore(
    flow: Flow,
    depth: int = DEFAULT_DEPTH,
    *,
    flows: Iterable[Flow] = (),
    options: Mapping[str, Any] | None = None,
    max_screens: int = 500,
    locale: str | None = None,
    at: str | None = None,
    observe: Callable[[Harness], Any] | None = None,
) -> ExploreReport:
    """Explore ``flow`` breadth first up to ``depth`` steps and report what went wrong.

    Args:
        flow: the flow to explore, started with its command.
        depth: the longest path of steps tried (clicks, selections; a modal's submission is part
            of the click that opened it).
        flows: other flows to register (the sub-flows ``flow`` may open).
        options: start options (default: none, as a bare slash command).
        max_screens: stop after this many distinct screens.
        locale: the locale every interaction carries (default: ``en-US``), to explore a
            translated flow in another language.
        at: open the flow at this state instead of its initial one (an exploration sample's
            state, see :meth:`flowfsm.define.flow.Flow.sample`).
        observe: called with the harness after every path is replayed (sync or async), e.g. to
            look at every open session (``harness.manager.sessions``) at every position reached.
    """
    if depth < 0:
        raise ValueError("depth must be 0 or more")
    graph = flow_graph(flow)
    report = ExploreReport(flow.name, depth, expected=graph.reachable())
    others = [other for other in flows if other is not flow and other.name != flow.name]
    try:
        for candidate in (flow, *others):
            candidate.compile()
    except FlowDefinitionError as exc:
        report.findings.append(Finding(exc.flow, exc.state or FLOW_WIDE, f"cannot be compiled: {_bare(exc)}"))
        return report
    findings: dict[tuple[str, str, str], str] = {}
    reached: list[str] = []
    arrived: set[str] = set()
    undriven: list[str] = []

    def note(outcome: _Outcome, path: list[_Step]) -> None:
        where = _path_text(flow.command, path)
        for flow_name, state, problem in outcome.failures:
            findings.setdefault((flow_name, state, problem), where)
        if outcome.diverged is not None:
            report.notes.append(f"{flow.name}: path {where} not replayed: {outcome.diverged}")
            return
        if outcome.undriven and f"{outcome.flow}:{outcome.state}" not in undriven:
            undriven.append(f"{outcome.flow}:{outcome.state}")
        if outcome.flow == flow.name:
            arrived.add(outcome.state)
            if not outcome.failures and outcome.state not in reached:
                reached.append(outcome.state)

    opened: str | tuple[str, str] = flow.name if at is None else (flow.name, at)
    async with Harness([flow, *others], commands={flow.command: opened}) as harness:
        harness.locale = locale or harness.locale
        explorer = _Explorer(harness, flow, options)
        root = await explorer.run([])
        await _observe(observe, harness)
        note(root, [])
        seen = {root.key}
        queue: deque[tuple[list[_Step], _Outcome]] = deque([([], root)])
        while queue:
            path, node = queue.popleft()
            if len(path) >= depth:
                continue
            for position, action in enumerate(node.actions):
                child_path = [*path, _Step(position, action.key)]
                outcome = await explorer.run(child_path)
                await _observe(observe, harness)
                note(outcome, child_path)
                if outcome.key in seen or outcome.diverged is not None:
                    continue
                if len(seen) >= max_screens:
                    report.truncated = True
                    continue
                seen.add(outcome.key)
                queue.append((child_path, outcome))
        report.screens = len(seen)
        report.interactions = explorer.interactions
    report.reached = tuple(reached)
    for (flow_name, state, problem), where in findings.items():
        report.findings.append(Finding(flow_name, state, f"{problem} (path: {where})"))
    for screen in undriven:
        report.notes.append(f"{screen}: user, role, channel and mentionable selects are not driven")
    for state in report.expected:
        if state in arrived:  # reached; a failure there is reported above
            continue
        guarded = _guarded_entries(graph, state)
        if guarded:
            report.notes.append(
                f"{flow.name}:{state}: not reached: only guarded transitions lead there ({', '.join(guarded)}) "
                "and their guards refused with default options"
            )
            continue
        report.findings.append(
            Finding(
                flow.name,
                state,
                f"reachable in the diagram, but no rendered item reached it within {depth} steps",
            )
        )
    return report
