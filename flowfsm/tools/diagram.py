"""Diagrams of flows: Mermaid ``stateDiagram-v2``, Graphviz DOT, SVG and PNG.

A flow's raw definition (``flow.states``, ``flow.transitions``, ``flow.initial``; nothing is
compiled, so even a broken flow can be drawn) is read into a :class:`FlowGraph`, mirrored into a
transitions :class:`~transitions.extensions.diagrams.GraphMachine`, and drawn by transitions' own
diagram engines (``diagrams_mermaid`` and ``diagrams_graphviz``), extended here:

* states are labelled with their name and their marks: ``final``, ``tracked``, ``preserved``,
  ``back``, ``cancel``, ``no render``; a state a transition names but the flow does not declare
  is drawn dashed in red;
* the initial state has an entry marker, final states an exit marker;
* transitions are labelled ``trigger [guard & !unless]`` (transitions' own label format), several
  triggers between the same two states share one edge (``a | b``), internal transitions are
  self-loops marked ``[internal]``;
* back navigation (states marked returnable) is drawn dashed to a history node ``H``, with the
  fallback for an empty history; Cancel (cancellable) dashed to the exit marker; sub-flow calls
  go to a box naming the called flow, and the completion handler is drawn on the way back;
* a session's position: the current state filled (transitions' ``active`` style) and the
  visited path marked (transitions' ``previous`` style) -- see :func:`session_diagram`.

Output is stable: the same definition gives byte-identical text (no ids, addresses or times;
everything in definition order), so diagrams can be committed and diffed.

Marks are read from the definition with ``getattr`` (so a flow built by an older or newer engine
still draws): per state ``tracked``, ``preserve``, ``returnable``, ``cancellable``, ``fallback``;
sub-flow calls are transitions of kind ``"subflow"`` (:meth:`Flow.subflow`: ``subflow`` names the
child flow, ``on_complete`` the handler), and a state's ``subflows`` attribute is read too if
present. Transitions the engine generates when compiling (kind ``"back"``/``"cancel"``) are drawn
from the marks instead, so a flow draws the same before and after it is compiled.

SVG and PNG need the Graphviz ``dot`` program (Debian package ``graphviz``); DOT text needs the
``graphviz`` Python package (``pip install 'flowfsm[diagrams]'``); Mermaid needs neither.
"""

from __future__ import annotations

import functools
import itertools
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from transitions.extensions import diagrams_graphviz, diagrams_mermaid
from transitions.extensions.diagrams import GraphMachine

from flowfsm.errors import FlowError

if TYPE_CHECKING:
    from flowfsm.define.flow import Flow
    from flowfsm.engine.session import Session

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "GENERATED_KINDS",
    "DiagramError",
    "Edge",
    "FlowGraph",
    "StateNode",
    "SubflowCall",
    "callable_name",
    "completion_handlers",
    "diagram",
    "expand_sources",
    "flow_graph",
    "render_png",
    "session_diagram",
    "subflow_calls",
    "to_dot",
    "to_mermaid",
    "to_svg",
    "transition_kind",
]

FORMATS: tuple[str, ...] = ("mermaid", "dot", "svg", "png")
"""Output formats, in the order the command line lists them."""

EXTENSIONS: dict[str, str] = {"mermaid": "mmd", "dot": "dot", "svg": "svg", "png": "png"}
"""File extension of each format."""


class DiagramError(FlowError):
    """A diagram cannot be produced: unknown format or state, ``dot`` or ``graphviz`` missing."""


# -- the flow as a graph --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SubflowCall:
    """A state opening another flow as a sub-flow (``trigger``); ``handler`` receives its result."""

    flow: str
    handler: str | None = None
    trigger: str | None = None
    conditions: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """``trigger [guards]``, as transitions labels its edges."""
        guards = [*self.conditions, *("!" + name for name in self.unless)]
        label = self.trigger or "calls"
        return f"{label} [{' & '.join(guards)}]" if guards else label


@dataclass(frozen=True, slots=True)
class StateNode:
    """One state as a diagram (and ``check``) sees it."""

    name: str
    initial: bool = False
    final: bool = False
    has_render: bool = True
    tracked: bool = False
    preserve: bool = False
    returnable: bool = False
    cancellable: bool = False
    fallback: str | None = None
    subflows: tuple[SubflowCall, ...] = ()
    unknown: bool = False
    """Named by a transition (or a fallback) but not declared by the flow."""

    @property
    def marks(self) -> tuple[str, ...]:
        """Short words shown under the state's name."""
        words = [
            ("final", self.final),
            ("tracked", self.tracked),
            ("preserved", self.preserve),
            ("back", self.returnable),
            ("cancel", self.cancellable),
            ("no render", not self.has_render and not self.unknown),
            ("unknown state", self.unknown),
        ]
        return tuple(word for word, present in words if present)


@dataclass(frozen=True, slots=True)
class Edge:
    """One declared transition from one source state (``dest=None``: internal)."""

    trigger: str
    source: str
    dest: str | None
    conditions: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    time: str = ""
    """A timed edge's time (``"every 5 s"``, ``"after 30 s"``); empty for a clicked or sent one."""


@dataclass(frozen=True, slots=True)
class FlowGraph:
    """A flow's states and transitions, read from its definition without compiling it."""

    name: str
    description: str
    initial: str | None
    states: tuple[StateNode, ...]
    edges: tuple[Edge, ...]

    def state(self, name: str) -> StateNode | None:
        """The node of state ``name`` (declared or unknown), or ``None``."""
        for node in self.states:
            if node.name == name:
                return node
        return None

    @property
    def declared(self) -> tuple[str, ...]:
        """Names of the states the flow declares, in definition order."""
        return tuple(node.name for node in self.states if not node.unknown)

    def successors(self, name: str) -> tuple[str, ...]:
        """States one step away from ``name``: transition targets and the back fallback."""
        out: list[str] = []
        for edge in self.edges:
            if edge.source == name and edge.dest is not None and edge.dest not in out:
                out.append(edge.dest)
        node = self.state(name)
        if node is not None and node.fallback is not None and node.fallback not in out:
            out.append(node.fallback)
        return tuple(out)

    def reachable(self) -> tuple[str, ...]:
        """Declared states reachable from the initial state, in breadth-first order."""
        declared = set(self.declared)
        if self.initial is None or self.initial not in declared:
            return ()
        order = [self.initial]
        seen = {self.initial}
        for name in order:
            for nxt in self.successors(name):
                if nxt in declared and nxt not in seen:
                    seen.add(nxt)
                    order.append(nxt)
        return tuple(order)


def callable_name(obj: object) -> str:
    """A stable name for a guard, hook or handler: the string itself, ``.name``, or ``__name__``.

    Never a ``repr`` (which would carry a memory address and make diagrams unstable).
    """
    if isinstance(obj, str):
        return obj
    if isinstance(obj, functools.partial):
        return callable_name(obj.func)
    for attribute in ("name", "__name__", "__qualname__"):
        value = getattr(obj, attribute, None)
        if isinstance(value, str) and value:
            return value
    return type(obj).__name__


def _state_name_of(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, tuple | list) and value and isinstance(value[0], str):
        return value[0]
    state = getattr(value, "state", None)
    return state if isinstance(state, str) else None


def _flow_name_of(value: object) -> str | None:
    if isinstance(value, str):
        return value
    name = getattr(value, "name", None)
    return name if isinstance(name, str) else None


def _handler_name(value: object) -> str | None:
    return None if value is None else callable_name(value)


def subflow_calls(spec: object) -> tuple[SubflowCall, ...]:
    """The sub-flow calls a state declares (``spec.subflows``, read defensively)."""
    raw = getattr(spec, "subflows", None)
    if not raw:
        return ()
    entries: Iterable[Any]
    if isinstance(raw, Mapping):
        entries = [(flow, handler) for flow, handler in raw.items()]
    elif isinstance(raw, str) or not isinstance(raw, Iterable):
        entries = [raw]
    else:
        entries = list(raw)
    calls: list[SubflowCall] = []
    for entry in entries:
        if isinstance(entry, tuple) and len(entry) == 2:
            flow, handler = entry
        else:
            flow = getattr(entry, "flow", entry)
            handler = getattr(entry, "on_complete", None) or getattr(entry, "handler", None)
        name = _flow_name_of(flow)
        if name is not None:
            calls.append(SubflowCall(name, _handler_name(handler)))
    return tuple(calls)


def completion_handlers(flow: object) -> tuple[str, ...]:
    """Names of the completion handlers a flow declares (``flow.completions``)."""
    raw = getattr(flow, "completions", None) or getattr(flow, "completion_handlers", None)
    if not raw:
        return ()
    if isinstance(raw, Mapping):
        return tuple(str(key) for key in raw)
    if isinstance(raw, str) or not isinstance(raw, Iterable):
        return (callable_name(raw),)
    return tuple(callable_name(item) for item in raw)


def _names(hooks: object) -> tuple[str, ...]:
    if not hooks:
        return ()
    if isinstance(hooks, str) or not isinstance(hooks, Iterable):
        return (callable_name(hooks),)
    return tuple(callable_name(hook) for hook in hooks)


def expand_sources(source: object, declared: Sequence[str]) -> tuple[str, ...]:
    """The source states of a transition spec: ``"*"`` means every declared state."""
    if source == "*":
        return tuple(declared)
    if isinstance(source, str):
        return (source,)
    if isinstance(source, Iterable):
        return tuple(str(s) for s in source)
    return ()


GENERATED_KINDS = ("back", "cancel")
"""Transition kinds the engine generates from state marks (drawn and checked from the marks)."""


def transition_kind(spec: object) -> str:
    """``"normal"``, ``"subflow"``, or a generated kind (``"back"``, ``"cancel"``)."""
    kind = getattr(spec, "kind", "normal")
    if kind == "normal" and getattr(spec, "subflow", None):
        return "subflow"
    return str(kind)


def flow_graph(flow: Flow) -> FlowGraph:
    """Read a flow's definition into a :class:`FlowGraph` (without compiling it).

    Transitions the engine generates when it compiles a flow (``back``/``cancel`` of returnable
    and cancellable states) are skipped: the graph reads the same before and after compiling.
    """
    declared = list(flow.states)
    calls: dict[str, list[SubflowCall]] = {
        name: list(subflow_calls(spec)) for name, spec in flow.states.items()
    }
    unknown: dict[str, StateNode] = {}

    def note(name: str | None) -> None:
        if name is not None and name not in flow.states and name not in unknown:
            unknown[name] = StateNode(name=name, has_render=False, unknown=True)

    if flow.initial is not None:
        note(flow.initial)
    edges: list[Edge] = []
    for spec in flow.transitions:
        kind = transition_kind(spec)
        if kind in GENERATED_KINDS:
            continue
        conditions, unless = _names(spec.conditions), _names(spec.unless)
        for source in expand_sources(spec.source, declared):
            note(source)
            if kind == "subflow":
                child = _flow_name_of(getattr(spec, "subflow", None)) or "?"
                call = SubflowCall(
                    child, _handler_name(getattr(spec, "on_complete", None)), spec.trigger, conditions, unless
                )
                if call not in calls.setdefault(source, []):
                    calls[source].append(call)
                continue
            note(spec.dest)
            time = str(getattr(spec, "time_label", "") or "")
            edges.append(Edge(spec.trigger, source, spec.dest, conditions, unless, time))
    nodes: list[StateNode] = []
    for name, state_spec in flow.states.items():
        fallback = _state_name_of(getattr(state_spec, "fallback", None))
        note(fallback)
        nodes.append(
            StateNode(
                name=name,
                initial=name == flow.initial,
                final=bool(getattr(state_spec, "final", False)),
                has_render=getattr(state_spec, "render", None) is not None,
                tracked=bool(getattr(state_spec, "tracked", False)),
                preserve=bool(getattr(state_spec, "preserve", False)),
                returnable=bool(getattr(state_spec, "returnable", False)) or fallback is not None,
                cancellable=bool(getattr(state_spec, "cancellable", False)),
                fallback=fallback,
                subflows=tuple(calls.get(name, ())),
            )
        )
    for name in list(unknown):
        if calls.get(name):
            unknown[name] = StateNode(name=name, has_render=False, unknown=True, subflows=tuple(calls[name]))
    return FlowGraph(
        name=flow.name,
        description=getattr(flow, "description", "") or "",
        initial=flow.initial,
        states=(*nodes, *unknown.values()),
        edges=tuple(edges),
    )


# -- the mirror machine and transitions' engines, extended ------------------------------------------------


_VISITED_COLOR = "blue"
_SUBFLOW_COLOR = "purple"
_BACK_COLOR = "gray30"

_NODE_STYLES: dict[str, dict[str, str]] = {
    "final": {"peripheries": "2"},
    "tracked": {"penwidth": "2"},
    "no_render": {"fillcolor": "mistyrose"},
    "unknown": {"style": "rounded,dashed", "color": "red", "fontcolor": "red"},
}

_MERMAID_CLASSES: dict[str, str] = {
    "ff_current": "fill:darksalmon,stroke:red,stroke-width:3px",
    "ff_visited": "fill:azure,stroke:blue,stroke-width:2px",
    "ff_tracked": "stroke-width:3px",
    "ff_no_render": "fill:mistyrose",
    "ff_unknown": "stroke:red,stroke-dasharray:4 4,color:red",
    "ff_history": "fill:lightgray",
    "ff_subflow": "fill:lavender,stroke:purple",
}


class _FlowMachine(GraphMachine):
    """A transitions ``GraphMachine`` mirroring a flow's definition, used only for drawing.

    It has no model: nothing ever fires on it. Conditions are given by name (strings), so the
    markup transitions produces carries stable guard names.
    """

    def __init__(self, graph: FlowGraph, engine: str) -> None:
        self.flow_graph = graph
        states = [{"name": node.name, "final": node.final} for node in graph.states]
        transitions = []
        for edge in graph.edges:
            transitions.append(
                {
                    "trigger": edge.trigger,
                    "source": edge.source,
                    "dest": edge.dest,
                    "conditions": list(edge.conditions),
                    "unless": list(edge.unless),
                }
            )
        super().__init__(
            model=None,
            states=states,
            initial=graph.initial,
            transitions=transitions,
            auto_transitions=False,
            show_conditions=True,
            title=graph.name,
            graph_engine=cast(Any, engine),
        )

    def _init_graphviz_engine(self, graph_engine: str) -> type:
        if graph_engine == "mermaid":
            return _MermaidGraph
        if getattr(diagrams_graphviz, "pgv", None) is None:
            raise DiagramError(
                "DOT, SVG and PNG diagrams need the 'graphviz' Python package "
                "(pip install 'flowfsm[diagrams]')"
            )
        return _DotGraph


def _style(graph: Any, current: str | None, path: Sequence[str]) -> None:
    """Apply a session's position with transitions' own styles: visited = previous, current = active."""
    flow: FlowGraph = graph.machine.flow_graph
    if current is not None and flow.state(current) is None:
        raise DiagramError(f"flow {flow.name!r}: no state named {current!r}")
    steps: list[str] = []
    # States of other flows (a sub-flow's, say) are skipped; staying in a state is not a step.
    for name in (*path, *([current] if current is not None else [])):
        if flow.state(name) is not None and (not steps or steps[-1] != name):
            steps.append(name)
    for src, dst in itertools.pairwise(steps):
        graph.set_previous_transition(src, dst)
    for name in steps:
        if name != current:
            graph.set_node_style(name, "previous")
    if current is not None:
        graph.set_node_style(current, "active")


def _nohtml(text: str) -> str:
    """Mark text as plain (never an HTML-like label) for the ``graphviz`` package's quoting."""
    module: Any = getattr(diagrams_graphviz, "pgv", None)
    return text if module is None else cast(str, module.nohtml(text))


class _Styles:
    """Typed access to the styling state transitions' graph classes keep (``custom_styles``)."""

    custom_styles: Any
    machine: Any

    def _node_style(self, name: str) -> str:
        return str(self.custom_styles["node"].get(name, ""))

    def _edge_style(self, src: str, dst: str) -> str:
        return str(self.custom_styles["edge"].get(src, {}).get(dst, ""))

    def _styled_edges(self) -> list[tuple[str, str, str]]:
        """Edges given a style (a session's path), in the order they were styled."""
        return [
            (src, dst, style)
            for src, dests in self.custom_styles["edge"].items()
            for dst, style in dests.items()
            if style
        ]

    def _attributes(self, kind: str, style: str) -> dict[str, str]:
        return {key: str(value) for key, value in self.machine.style_attributes[kind][style].items()}


def _edge_labels(
    flow: FlowGraph, transitions: list[dict[str, Any]], label: Callable[[dict[str, Any]], str]
) -> dict[tuple[str, str, bool], list[str]]:
    """Edge labels by (source, dest, timed): timed edges are drawn apart, their time in the label
    (``tick [internal] ⏱ every 5 s``)."""
    times = {(edge.source, edge.trigger): edge.time for edge in flow.edges if edge.time}
    labels: dict[tuple[str, str, bool], list[str]] = {}
    for transition in transitions:
        src = transition["source"]
        dst = transition.get("dest", src)
        time = times.get((src, transition["trigger"]), "")
        text = label(transition) + (f" ⏱ {time}" if time else "")
        labels.setdefault((src, dst, bool(time)), []).append(text)
    return labels


def _unique(base: str, taken: set[str]) -> str:
    name = base
    n = 2
    while name in taken:
        name = f"{base}_{n}"
        n += 1
    taken.add(name)
    return name


class _DotGraph(_Styles, diagrams_graphviz.Graph):
    """transitions' graphviz engine with flowfsm's marks, pseudo-nodes and extra edges."""

    def _pseudo_ids(self) -> dict[str, str]:
        flow: FlowGraph = self.machine.flow_graph
        taken = {node.name for node in flow.states}
        ids = {"start": _unique("__start__", taken), "end": _unique("__end__", taken)}
        ids["history"] = _unique("__history__", taken)
        for node in flow.states:
            for call in node.subflows:
                key = f"flow {call.flow}"
                if key not in ids:
                    ids[key] = _unique(f"__flow_{call.flow}__", taken)
        return ids

    def _add_nodes(self, states: list[dict[str, Any]], container: Any) -> None:
        flow: FlowGraph = self.machine.flow_graph
        ids = self._ids = self._pseudo_ids()
        if flow.initial is not None:
            container.node(
                ids["start"],
                label="",
                shape="point",
                width="0.15",
                fillcolor="black",
                **{"class": "ff-start"},
            )
        for state in states:
            node = flow.state(state["name"])
            assert node is not None
            attrs: dict[str, str] = {}
            classes = ["ff-state"]
            for mark, present in (
                ("final", node.final),
                ("tracked", node.tracked),
                ("no_render", not node.has_render and not node.unknown),
                ("unknown", node.unknown),
            ):
                if present:
                    attrs.update(_NODE_STYLES[mark])
                    classes.append("ff-" + mark.replace("_", "-"))
            style = self._node_style(node.name)
            if style:
                attrs.update(self._attributes("node", style))
                classes.append("ff-current" if style == "active" else "ff-visited")
            label = node.name.replace("\\", "\\\\") + (f"\\n[{', '.join(node.marks)}]" if node.marks else "")
            container.node(_nohtml(node.name), label=_nohtml(label), **{"class": " ".join(classes)}, **attrs)
        if any(node.final or node.cancellable for node in flow.states):
            container.node(
                ids["end"],
                label="",
                shape="doublecircle",
                width="0.12",
                style="filled",
                fillcolor="black",
                **{"class": "ff-end"},
            )
        if any(node.returnable for node in flow.states):
            container.node(
                ids["history"],
                label="H",
                shape="circle",
                style="filled",
                fillcolor="lightgray",
                **{"class": "ff-history"},
            )
        for key, node_id in ids.items():
            if key.startswith("flow "):
                container.node(
                    node_id,
                    label=f"sub-flow\\n{key[5:]}",
                    shape="component",
                    style="filled",
                    fillcolor="lavender",
                    color=_SUBFLOW_COLOR,
                    **{"class": "ff-subflow"},
                )

    def _add_edges(self, transitions: list[dict[str, Any]], container: Any) -> None:
        flow: FlowGraph = self.machine.flow_graph
        ids = self._ids
        if flow.initial is not None:
            container.edge(ids["start"], flow.initial, **{"class": "ff-initial"})
        labels = _edge_labels(flow, transitions, self._transition_label)
        for (src, dst, timed), names in labels.items():
            attrs: dict[str, str] = {}
            style = self._edge_style(src, dst)
            if style:
                attrs.update(self._attributes("edge", style))
                attrs["penwidth"] = "2"
                attrs["class"] = "ff-transition ff-visited"
            else:
                attrs["class"] = "ff-transition"
            if timed:  # fires by itself: dashed, labelled with its time
                attrs["style"] = "dashed"
                attrs["class"] += " ff-timed"
            container.edge(src, dst, label=_nohtml(" | ".join(names)), **attrs)
        for node in flow.states:
            if node.final:
                container.edge(node.name, ids["end"], **{"class": "ff-final"})
            if node.returnable:
                container.edge(
                    node.name,
                    ids["history"],
                    label="back",
                    style="dashed",
                    color=_BACK_COLOR,
                    **{"class": "ff-back"},
                )
                if node.fallback is not None:
                    container.edge(
                        node.name,
                        node.fallback,
                        label="back (empty history)",
                        style="dashed",
                        color=_BACK_COLOR,
                        **{"class": "ff-back"},
                    )
            if node.cancellable:
                container.edge(
                    node.name,
                    ids["end"],
                    label="cancel",
                    style="dashed",
                    color=_BACK_COLOR,
                    **{"class": "ff-cancel"},
                )
            for call in node.subflows:
                target = ids[f"flow {call.flow}"]
                container.edge(
                    node.name,
                    target,
                    label=_nohtml(call.label),
                    style="bold",
                    color=_SUBFLOW_COLOR,
                    **{"class": "ff-subflow-call"},
                )
                back = f"complete -> {call.handler}" if call.handler else "complete"
                container.edge(
                    target,
                    node.name,
                    label=back,
                    style="dashed",
                    color=_SUBFLOW_COLOR,
                    **{"class": "ff-subflow-return"},
                )
        # Steps of a session's path with no declared transition (back, sub-flow return): drawn too.
        drawn = {(src, dst) for src, dst, _ in labels}
        for src, dst, style in self._styled_edges():
            if (src, dst) not in drawn:
                attrs = self._attributes("edge", style)
                container.edge(src, dst, style="dashed", penwidth="2", **{"class": "ff-visited"}, **attrs)


_MERMAID_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_MERMAID_RESERVED = {
    "state",
    "note",
    "end",
    "direction",
    "class",
    "classdef",
    "click",
    "style",
    "as",
    "default",
}


_MERMAID_ENTITIES = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", ";": "#59;"}


def _mermaid_text(text: str) -> str:
    """Escape text for a Mermaid label (entity codes, so quotes, ``<``, ``#`` and ``;`` survive)."""
    return re.sub(r'[#"<>;]', lambda m: _MERMAID_ENTITIES[m.group()], text)


class _MermaidGraph(_Styles, diagrams_mermaid.Graph):
    """transitions' mermaid engine with safe ids, flowfsm's marks, pseudo-states and extra edges."""

    def _ids(self) -> dict[str, str]:
        flow: FlowGraph = self.machine.flow_graph
        taken: set[str] = set()
        ids: dict[str, str] = {}
        for node in flow.states:
            base = node.name
            if not _MERMAID_ID.match(base) or base.lower() in _MERMAID_RESERVED:
                base = "s_" + re.sub(r"[^A-Za-z0-9_]", "_", base)
            ids[node.name] = _unique(base, taken)
        ids[" history"] = _unique("history_", taken)
        for node in flow.states:
            for call in node.subflows:
                key = f" flow {call.flow}"
                if key not in ids:
                    ids[key] = _unique("flow_" + re.sub(r"[^A-Za-z0-9_]", "_", call.flow), taken)
        return ids

    def get_graph(self, title: str | None = None, roi_state: Any = None) -> diagrams_mermaid.DigraphMock:
        flow: FlowGraph = self.machine.flow_graph
        ids = self._ids()
        states, transitions = self._get_elements()
        lines = ["---", f"title: {_mermaid_text(title or flow.name)}", "---", "stateDiagram-v2"]
        body: list[str] = ["direction LR"]
        classes: dict[str, list[str]] = {}

        def mark(cls: str, node_id: str) -> None:
            classes.setdefault(cls, []).append(node_id)

        for state in states:
            node = flow.state(state["name"])
            assert node is not None
            label = node.name + (f" [{', '.join(node.marks)}]" if node.marks else "")
            body.append(f'state "{_mermaid_text(label)}" as {ids[node.name]}')
            style = self._node_style(node.name)
            if style:
                mark("ff_current" if style == "active" else "ff_visited", ids[node.name])
            if node.tracked:
                mark("ff_tracked", ids[node.name])
            if node.unknown:
                mark("ff_unknown", ids[node.name])
            elif not node.has_render:
                mark("ff_no_render", ids[node.name])
        if any(node.returnable for node in flow.states):
            body.append(f'state "H (history)" as {ids[" history"]}')
            mark("ff_history", ids[" history"])
        for key, node_id in ids.items():
            if key.startswith(" flow "):
                body.append(f'state "sub-flow {_mermaid_text(key[6:])}" as {node_id}')
                mark("ff_subflow", node_id)
        if flow.initial is not None:
            body.append(f"[*] --> {ids[flow.initial]}")
        labels = _edge_labels(flow, transitions, self._transition_label)
        for (src, dst, _timed), names in labels.items():
            text = " | ".join(names)
            if self._edge_style(src, dst):
                text += " (visited)"
            body.append(f"{ids[src]} --> {ids[dst]}: {_mermaid_text(text)}")
        drawn = {(src, dst) for src, dst, _ in labels}
        for src, dst, _style in self._styled_edges():
            if (src, dst) not in drawn:
                body.append(f"{ids[src]} --> {ids[dst]}: (visited)")
        for node in flow.states:
            if node.returnable:
                body.append(f"{ids[node.name]} --> {ids[' history']}: back")
                if node.fallback is not None:
                    body.append(f"{ids[node.name]} --> {ids[node.fallback]}: back (empty history)")
            if node.cancellable:
                body.append(f"{ids[node.name]} --> [*]: cancel")
            for call in node.subflows:
                target = ids[f" flow {call.flow}"]
                body.append(f"{ids[node.name]} --> {target}: {_mermaid_text(call.label)}")
                back = f"complete -#gt; {_mermaid_text(call.handler)}" if call.handler else "complete"
                body.append(f"{target} --> {ids[node.name]}: {back}")
            if node.final:
                body.append(f"{ids[node.name]} --> [*]")
        for cls in _MERMAID_CLASSES:
            if cls in classes:
                body.append(f"classDef {cls} {_MERMAID_CLASSES[cls]}")
                body.append(f"class {','.join(classes[cls])} {cls}")
        lines.extend("  " + line for line in body)
        return diagrams_mermaid.DigraphMock("\n".join(lines) + "\n")


# -- public API -----------------------------------------------------------------------------------------


def _graph(flow: Flow, engine: str, current: str | None, path: Sequence[str]) -> Any:
    machine = _FlowMachine(flow_graph(flow), engine)
    graph = machine.graph_cls(machine)
    _style(graph, current, path)
    return graph.get_graph(title=flow.name)


def to_mermaid(flow: Flow, *, current: str | None = None, path: Sequence[str] = ()) -> str:
    """The flow as a Mermaid ``stateDiagram-v2`` (no binary needed; GitHub renders it).

    ``current`` is highlighted and the states of ``path`` (visited, in order) are marked.
    """
    return str(_graph(flow, "mermaid", current, path).source)


def to_dot(flow: Flow, *, current: str | None = None, path: Sequence[str] = ()) -> str:
    """The flow as Graphviz DOT text. Each state is a node whose id is the state's name."""
    return str(_graph(flow, "graphviz", current, path).source)


def _run_dot(source: str, fmt: str) -> bytes:
    dot = shutil.which("dot")
    if dot is None:
        raise DiagramError(
            f"{fmt.upper()} diagrams need the Graphviz 'dot' program on PATH "
            "(Debian: apt-get install graphviz)"
        )
    try:
        done = subprocess.run(
            [dot, f"-T{fmt}"], input=source.encode(), capture_output=True, check=False, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DiagramError(f"running Graphviz 'dot' failed: {exc}") from exc
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise DiagramError(f"Graphviz 'dot' failed: {message[0] if message else done.returncode}")
    return done.stdout


def to_svg(flow: Flow, *, current: str | None = None, path: Sequence[str] = ()) -> str:
    """The flow as SVG text (through ``dot -Tsvg``).

    Each state's node is a ``<g class="node ff-state ...">`` whose ``<title>`` is the state's name;
    the current state is filled (class ``ff-current``), visited ones are marked (``ff-visited``).
    """
    return _run_dot(to_dot(flow, current=current, path=path), "svg").decode()


def render_png(flow: Flow, *, current: str | None = None, path: Sequence[str] = ()) -> bytes:
    """The flow as a PNG image (through ``dot -Tpng``)."""
    return _run_dot(to_dot(flow, current=current, path=path), "png")


def diagram(
    flow: Flow, format: str = "mermaid", *, current: str | None = None, path: Sequence[str] = ()
) -> str | bytes:
    """The flow in ``format`` (``mermaid``, ``dot``, ``svg``: text; ``png``: bytes)."""
    if format == "mermaid":
        return to_mermaid(flow, current=current, path=path)
    if format == "dot":
        return to_dot(flow, current=current, path=path)
    if format == "svg":
        return to_svg(flow, current=current, path=path)
    if format == "png":
        return render_png(flow, current=current, path=path)
    raise DiagramError(f"unknown format {format!r} (choose from {', '.join(FORMATS)})")


_PATH_ATTRIBUTES = ("visited", "path")


def session_diagram(session: Session, format: str = "mermaid", path: Sequence[str] | None = None) -> str:
    """A live session's diagram: its current state highlighted and its visited path marked.

    ``path`` is the list of states the session went through; when omitted it is read from the
    session (``session.visited`` or ``session.path``, once the engine records it), else only the
    current state is highlighted. Formats: ``mermaid``, ``dot``, ``svg``. Handy for a
    ``/flow-debug`` command.
    """
    if path is None:
        for attribute in _PATH_ATTRIBUTES:
            found = getattr(session, attribute, None)
            if found:
                path = [str(step) for step in found]
                break
    steps = tuple(path or ())
    if format not in ("mermaid", "dot", "svg"):
        raise DiagramError(f"unknown format {format!r} for a session diagram (choose from mermaid, dot, svg)")
    result = diagram(session.flow, format, current=session.state, path=steps)
    assert isinstance(result, str)
    return result
