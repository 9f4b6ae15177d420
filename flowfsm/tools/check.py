"""Checks of flows before the bot starts: every mistake at once, each on one line.

Two passes, both run by ``flowfsm check``:

* :func:`check_flows` reads the raw definition (``flow.states``, ``flow.transitions``,
  ``flow.initial``, ``flow.timeout``, ``flow.completions``, ``flow.guards``) and compiles nothing
  (:meth:`Flow.compile <flowfsm.define.flow.Flow.compile>` stops at the first mistake);
* :func:`check_screens` opens every reachable state of every flow that compiles through the test
  harness (the loopback Discord, real hikari entities, the real ``miru.Client``), the way
  ``flows.start(..., at=state)`` would, with the state's sample options (:meth:`Flow.sample
  <flowfsm.define.flow.Flow.sample>`), and reports what its setup and render function produce.

Each finding is one line ``flow:state: problem``, or ``flow:state:item: problem`` when it is about
one item of a screen. Findings about the flow as a whole (its timeout, its initial state, a
completion handler, a trigger without a source) use ``*`` as the state.

``check`` stays apart from ``flowfsm explore``: it opens each state once and clicks nothing, so it
is quick and does not depend on the data a click changes; ``explore`` clicks every item along
every path, which is slower and is where errors of actions and transitions show.

What the definition pass finds:

* no states, no initial state, a timeout that is not a positive number;
* states without a render function (or with one that is not callable);
* states unreachable from the initial state (through transitions and Back fallbacks);
* dead ends: non-final states with no transition to another state, no Back and no Cancel;
* transitions from or to unknown states, Back fallbacks naming unknown states;
* triggers no state can fire: every source is final (a final state ends the session), or the
  transition has no source at all;
* guards given by a name that is not a guard of the flow (``conditions=["name"]`` looks the name
  up in ``flow.guards``), and callbacks that are not callable;
* a transition named ``back`` / ``cancel`` on a state that gets a generated Back / Cancel;
* sub-flow calls to flows that are not registered (not among the flows checked together, nor in
  ``registry``), naming completion handlers the flow does not declare; completion handlers that
  no sub-flow call uses;
* returnable states whose Back would always close the session: no fallback, and no tracked state
  from which the state can be reached (so the history is always empty there);
* a shared menu (``Flow(access=...)`` other than the opener) that is ephemeral, as a flow or in
  a state: only the opener sees an ephemeral message, so the others it lets in never could click.
* timed edges (``every=`` / ``after=``) that can fire past the 15-minute token of an ephemeral
  state, or whose ``after`` is not shorter than the flow's timeout (see
  :mod:`flowfsm.tools.timed_edges`; ``flowfsm check`` also lists every timed edge).

What the screen pass finds (one finding per state, the first problem of its screen):

* a button with more than one of ``trigger``, ``action`` and ``modal``;
* a button or select trigger no transition from that state handles (a typo);
* a button naming a modal the screen does not define;
* anything else Discord would refuse (limits, bad items), and an error raised by the state's
  setup, hooks or render function (give it sample options with :meth:`Flow.sample`).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flowfsm.define.flow import Flow
from flowfsm.errors import FlowDefinitionError, RenderError
from flowfsm.tools.diagram import (
    GENERATED_KINDS,
    FlowGraph,
    callable_name,
    completion_handlers,
    expand_sources,
    flow_graph,
    transition_kind,
)

if TYPE_CHECKING:
    from flowfsm.define.context import Context

__all__ = [
    "FLOW_WIDE",
    "Finding",
    "access_problems",
    "check_all",
    "check_flow",
    "check_flows",
    "check_screens",
]

FLOW_WIDE = "*"
"""The state part of a finding about the flow as a whole."""

_RESERVED = {"back": "returnable", "cancel": "cancellable"}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in a flow, printed as ``flow:state: problem`` (``flow:state:item: problem``
    when it is about one item of a screen)."""

    flow: str
    state: str
    problem: str
    item: str | None = None

    def __str__(self) -> str:
        where = f"{self.flow}:{self.state}" + (f":{self.item}" if self.item is not None else "")
        return f"{where}: {self.problem}"


def _location(source: object) -> str:
    """Where a finding about one transition is reported: its source state (``*`` for all)."""
    if isinstance(source, str):
        return source
    if isinstance(source, Sequence) and source and isinstance(source[0], str):
        return source[0]
    return FLOW_WIDE


def _describe(value: object) -> str:
    name = callable_name(value) if callable(value) else None
    return name or type(value).__name__


def access_problems(flow: Flow) -> list[tuple[str, str]]:
    """(state, problem) of a shared menu that cannot work: an ephemeral message is seen by the
    user who opened it alone, so nobody its ``access`` lets in could ever click it."""
    access = getattr(flow, "access", None)
    if access is None or not access.shared:
        return []
    why = f"access is {access.describe()}, but only the opener sees an ephemeral message"
    if flow.ephemeral:
        return [(FLOW_WIDE, f"{why} (Flow(ephemeral=True)); use ephemeral=False or Access.opener()")]
    return [
        (name, f"{why} (ephemeral=True on this state)")
        for name, spec in flow.states.items()
        if getattr(spec, "ephemeral", None)
    ]


def check_flow(
    flow: Flow, *, registry: Collection[str] = (), children: Collection[str] = ()
) -> list[Finding]:
    """Every finding for one flow. ``registry``: names of the flows sub-flow calls may open;
    ``children``: names of the flows some flow opens as a sub-flow (Back on an empty history
    returns to the parent there instead of closing the session)."""
    found: list[Finding] = []

    def report(state: str, problem: str) -> None:
        finding = Finding(flow.name, state, problem)
        if finding not in found:
            found.append(finding)

    timeout = getattr(flow, "timeout", None)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
        report(FLOW_WIDE, f"timeout must be a positive number of seconds, got {timeout!r}")
    states = flow.states
    declared = list(states)
    if not states:
        report(FLOW_WIDE, "the flow has no states")
    if flow.initial is None:
        if states:
            report(FLOW_WIDE, "no initial state (mark one state initial=True)")
    elif flow.initial not in states:
        report(FLOW_WIDE, f"initial state {flow.initial!r} is not a state of this flow")

    for name, state_spec in states.items():
        render = getattr(state_spec, "render", None)
        if render is None:
            report(name, "no render function")
        elif not callable(render):
            report(name, "render function is not callable")
        fallback = getattr(state_spec, "fallback", None)
        if isinstance(fallback, str) and fallback not in states:
            report(name, f"Back fallback {fallback!r} is not a state of this flow")

    for state, problem in access_problems(flow):
        report(state, problem)

    guards = getattr(flow, "guards", None) or {}
    handlers = completion_handlers(flow)
    used_handlers: set[str] = set()
    fireable: dict[str, bool] = {}
    final_sources: dict[str, list[str]] = {}
    for spec in flow.transitions:
        kind = transition_kind(spec)
        if kind in GENERATED_KINDS:
            continue
        where = _location(spec.source)
        sources = expand_sources(spec.source, declared)
        fireable.setdefault(spec.trigger, False)
        for source in sources:
            if source not in states:
                report(source, f"transition {spec.trigger!r} starts from unknown state {source!r}")
                continue
            src_spec = states[source]
            if getattr(src_spec, "final", False):
                final_sources.setdefault(spec.trigger, []).append(source)
            else:
                fireable[spec.trigger] = True
            mark = _RESERVED.get(spec.trigger)
            if mark is not None and getattr(src_spec, mark, False) and spec.source != "*":
                report(
                    source,
                    f"transition {spec.trigger!r} clashes with the {spec.trigger.capitalize()} "
                    f"generated for this {mark} state",
                )
        if not sources and spec.source != "*":
            report(FLOW_WIDE, f"trigger {spec.trigger!r} can never fire: its transition has no source state")
        if kind != "subflow" and spec.dest is not None and spec.dest not in states:
            report(where, f"transition {spec.trigger!r} goes to unknown state {spec.dest!r}")
        for guard in (*spec.conditions, *spec.unless):
            if isinstance(guard, str):
                if guard not in guards:
                    report(where, f"transition {spec.trigger!r} uses unknown guard {guard!r}")
            elif not callable(guard):
                report(
                    where, f"transition {spec.trigger!r} has a guard that is not callable: {_describe(guard)}"
                )
        for hook in (*spec.before, *spec.after):
            if not callable(hook):
                report(
                    where,
                    f"transition {spec.trigger!r} has a callback that is not callable: {_describe(hook)}",
                )
        if kind == "subflow":
            child = getattr(spec, "subflow", None)
            child_name = child if isinstance(child, str) else getattr(child, "name", None)
            if child_name not in registry:
                report(
                    where,
                    f"sub-flow call {spec.trigger!r} opens flow {child_name!r}, which is not registered",
                )
            handler = getattr(spec, "on_complete", None)
            if handler is not None:
                handler_name = callable_name(handler)
                used_handlers.add(handler_name)
                if handler_name not in handlers:
                    report(
                        where,
                        f"sub-flow call {spec.trigger!r} names completion handler {handler_name!r}, "
                        "which the flow does not declare",
                    )
    for trigger, ok in fireable.items():
        if not ok and trigger in final_sources:
            names = ", ".join(repr(name) for name in final_sources[trigger])
            report(
                final_sources[trigger][0],
                f"trigger {trigger!r} can never fire: it only leaves final state(s) {names}, "
                "and a final state ends the session",
            )

    graph = flow_graph(flow)
    for node in graph.states:
        if node.unknown:
            continue
        for call in node.subflows:
            if call.trigger is None:  # declared on the state, not through a transition
                used_handlers.update([call.handler] if call.handler else [])
                if call.flow not in registry:
                    report(node.name, f"opens sub-flow {call.flow!r}, which is not registered")
    for handler in handlers:
        if handler not in used_handlers:
            report(FLOW_WIDE, f"completion handler {handler!r} is never used by a sub-flow call")

    if flow.initial is not None and flow.initial in states:
        reachable = set(graph.reachable())
        for name in declared:
            if name not in reachable:
                report(name, f"unreachable from the initial state {flow.initial!r}")
    for node in graph.states:
        if node.unknown or node.final:
            continue
        leaves = any(edge.source == node.name and edge.dest not in (None, node.name) for edge in graph.edges)
        if not (leaves or node.returnable or node.cancellable):
            report(node.name, "dead end: not final, and no transition, Back or Cancel leads out")

    for node in graph.states:
        if (
            node.returnable
            and not node.unknown
            and node.fallback is None
            and flow.name not in children
            and not _tracked_before(graph, node.name)
        ):
            report(
                node.name,
                "Back always closes the session: no tracked state leads here and there is no fallback "
                "(mark an earlier state tracked=True, or give this one fallback=...)",
            )

    order = {FLOW_WIDE: -1, **{name: i for i, name in enumerate(declared)}}
    return sorted(found, key=lambda f: (order.get(f.state, len(order)), f.state, f.problem))


def _tracked_before(graph: FlowGraph, state: str) -> bool:
    """Whether some tracked state can be left on a way to ``state`` (then Back has somewhere to go)."""
    for node in graph.states:
        if not node.tracked or node.unknown:
            continue
        seen: set[str] = set()
        todo = list(graph.successors(node.name))
        while todo:
            current = todo.pop()
            if current == state:
                return True
            if current not in seen:
                seen.add(current)
                todo.extend(graph.successors(current))
    return False


def check_flows(flows: Iterable[Flow], *, registry: Collection[str] = ()) -> list[Finding]:
    """Every finding for several flows; sub-flow calls may open any of them (or ``registry``)."""
    flows = list(flows)
    known = {*registry, *(flow.name for flow in flows)}
    children = {name for flow in flows for name in _subflow_names(flow)}
    from flowfsm.tools.timed_edges import timed_findings  # it builds on this module's Finding

    findings: list[Finding] = []
    for flow in flows:
        findings.extend(check_flow(flow, registry=known, children=children))
        findings.extend(timed_findings(flow))
    return findings


def _subflow_names(flow: Flow) -> set[str]:
    """Names of the flows ``flow`` opens as sub-flows."""
    names = set()
    for spec in flow.transitions:
        child = getattr(spec, "subflow", None)
        name = child if isinstance(child, str) else getattr(child, "name", None)
        if name:
            names.add(name)
    return names


_FIRST_USER = 800_000_000_000_000_001


def _screen_finding(flow: Flow, state: str, exc: BaseException) -> Finding:
    """A finding for the error opening ``state`` raised: a render error names its item."""
    if isinstance(exc, RenderError):
        prefix = f"flow {exc.flow!r}, state {exc.state!r}" + (f", item {exc.item!r}" if exc.item else "")
        problem = str(exc).removeprefix(prefix).removeprefix(": ")
        return Finding(exc.flow, exc.state, problem, exc.item)
    hint = (
        ""
        if flow.sample_for(state) is not None
        else f" (if it needs input, give it: flow.sample({state!r}, ...))"
    )
    return Finding(flow.name, state, f"opening it raised {type(exc).__name__}: {exc}{hint}")


async def check_screens(flows: Iterable[Flow]) -> list[Finding]:
    """Open every reachable state of every flow through the test harness; one finding per state
    whose setup, hooks or render function fail or make a screen Discord (or the engine) refuses.

    Flows that do not compile are skipped (:func:`check_flows` reports why). Needs the flows'
    own imports only: no bot token, no network beyond 127.0.0.1.
    """
    from flowfsm.testing.harness import Harness  # the harness is heavy; only this pass needs it

    compiled: list[Flow] = []
    for flow in flows:
        try:
            flow.compile()
        except FlowDefinitionError:
            continue
        compiled.append(flow)
    findings: list[Finding] = []
    errors: list[BaseException] = []

    def keep(ctx: Context, exc: BaseException) -> None:
        errors.append(exc)

    def sample_data(ctx: Context) -> None:
        sample = ctx.session.flow.sample_for(ctx.session.state)
        if sample is not None:
            ctx.data.update(sample.data)

    async with Harness(compiled) as harness:
        harness.manager.on_error(keep)
        harness.manager.add_hook("on_enter", sample_data)
        user = _FIRST_USER
        for flow in compiled:
            for state in flow_graph(flow).reachable():
                user += 1
                command = f"check-{user}"
                harness.route(command, flow.name, state)
                before = len(errors)
                sample = flow.sample_for(state)
                await harness.command(command, user=user, options=sample.options if sample else None)
                if len(errors) > before:
                    findings.append(_screen_finding(flow, state, errors[before]))
    return findings


async def check_all(flows: Iterable[Flow], *, registry: Collection[str] = ()) -> list[Finding]:
    """Both passes: the definition (:func:`check_flows`), then the screens (:func:`check_screens`).

    The engine's error log is silenced meanwhile: every error it would log is a finding here.
    """
    flows = list(flows)
    findings = check_flows(flows, registry=registry)
    engine_log = logging.getLogger("flowfsm")
    previous = engine_log.disabled
    engine_log.disabled = True
    try:
        findings.extend(await check_screens(flows))
    finally:
        engine_log.disabled = previous
    return findings
