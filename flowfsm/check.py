"""Static checks of flow definitions: every mistake at once, before the bot starts.

:meth:`Flow.compile <flowfsm.flow.Flow.compile>` stops at the first mistake; :func:`check_flows`
reads the raw definition instead (``flow.states``, ``flow.transitions``, ``flow.initial``,
``flow.timeout``, ``flow.completions``, ``flow.guards``), compiles nothing, and reports every
finding as one line ``flow:state: problem``. Findings about the flow as a whole (its timeout, its
initial state, a completion handler, a trigger without a source) use ``*`` as the state.

What is found:

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
  no sub-flow call uses.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from flowfsm.diagram import (
    GENERATED_KINDS,
    callable_name,
    completion_handlers,
    expand_sources,
    flow_graph,
    transition_kind,
)
from flowfsm.flow import Flow

__all__ = ["FLOW_WIDE", "Finding", "check_flow", "check_flows"]

FLOW_WIDE = "*"
"""The state part of a finding about the flow as a whole."""

_RESERVED = {"back": "returnable", "cancel": "cancellable"}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in a flow, printed as ``flow:state: problem``."""

    flow: str
    state: str
    problem: str

    def __str__(self) -> str:
        return f"{self.flow}:{self.state}: {self.problem}"


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


def check_flow(flow: Flow, *, registry: Collection[str] = ()) -> list[Finding]:
    """Every finding for one flow. ``registry``: names of the flows sub-flow calls may open."""
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

    order = {FLOW_WIDE: -1, **{name: i for i, name in enumerate(declared)}}
    return sorted(found, key=lambda f: (order.get(f.state, len(order)), f.state, f.problem))


def check_flows(flows: Iterable[Flow], *, registry: Collection[str] = ()) -> list[Finding]:
    """Every finding for several flows; sub-flow calls may open any of them (or ``registry``)."""
    flows = list(flows)
    known = {*registry, *(flow.name for flow in flows)}
    findings: list[Finding] = []
    for flow in flows:
        findings.extend(check_flow(flow, registry=known))
    return findings
