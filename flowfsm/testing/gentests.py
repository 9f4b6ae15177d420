"""Generated path tests: ``flowfsm gen-tests examples.shop:shop -o tests/test_shop_paths.py``.

How the paths are chosen (:func:`plan_paths`):

1. **Screen graph, breadth first.** Starting from the flow's command (and from each exploration
   sample, :meth:`flowfsm.define.flow.Flow.sample`), every item of every screen is used (buttons, each
   option of a text select, a button's modal submitted with its prefilled/placeholder values),
   through the real harness, breadth first up to ``depth`` steps. Screens are told apart by flow,
   state and item shape. Each step is run with a fresh coverage recorder, so the graph knows which
   transitions and which guard outcomes each step crosses. Every screen is thus reached by a
   shortest path from its start.
2. **Greedy covering walks.** From a start, walk to the nearest step that crosses something not
   yet covered (breadth-first shortest route in the screen graph), take it, and repeat from
   where it lands (so one walk can buy item after item); a walk stops when nothing uncovered is
   reachable or it is ``max_steps`` long. Each walk is then replayed for real; what it actually
   covered (data may differ from the graph: the balance runs out and a guard starts refusing,
   which also counts) is crossed off. Walks repeat until every transition and guard outcome seen
   in the graph is covered; what was never seen is listed in the file's docstring.

Each walk becomes one pytest function against :class:`~flowfsm.testing.Harness`, named after its
steps, with a comment per step. After each step it asserts the state and compares the screen
(:func:`screen_of`: content, embeds, components without ids, the ephemeral reply) with a syrupy
snapshot; ``pytest --snapshot-update`` refreshes the snapshots.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from flowfsm.define.flow import Flow
from flowfsm.testing.coverage import INTERNAL, CoverageTracer, FlowCoverage, edge_text
from flowfsm.testing.harness import Harness, Reply, components_of
from flowfsm.tools.diagram import flow_graph

__all__ = [
    "DEFAULT_DEPTH",
    "Path",
    "Plan",
    "Start",
    "Step",
    "fill_modal",
    "generate",
    "plan_paths",
    "render_module",
    "screen_of",
    "state_of",
]

DEFAULT_DEPTH = 6
"""Steps from a start explored to build the screen graph."""

MAX_OPTIONS = 5
"""Options of a text select tried, each on its own."""

ENDED = "(ended)"
""":func:`state_of` a session that has ended."""

_VOLATILE = {"id", "custom_id", "channel_id", "guild_id", "timestamp", "application_id", "webhook_id"}


# -- what generated tests call -------------------------------------------------------------------------


def state_of(harness: Harness, user: int | None = None) -> str:
    """The state of the user's session, ``"flow:state"`` inside a sub-flow, or ``"(ended)"``."""
    session = harness.session() if user is None else harness.session(user)
    if session is None or session.ended:
        return ENDED
    if session.frames:
        return f"{session.flow.name}:{session.state}"
    return str(session.state)


def _strip(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            k: _strip(v) for k, v in sorted(value.items()) if k not in _VOLATILE and v not in (None, [], {})
        }
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def screen_of(harness: Harness, reply: Reply | None = None) -> dict[str, Any]:
    """What the user sees, for a snapshot: the menu message without ids, and the ephemeral reply."""
    message = harness.message or {}
    screen: dict[str, Any] = {
        "content": message.get("content") or "",
        "embeds": _strip(message.get("embeds") or []),
        "components": _strip(message.get("components") or []),
    }
    if reply is not None and reply.ephemeral_text:
        screen["reply"] = reply.ephemeral_text
    return screen


async def fill_modal(harness: Harness, reply: Reply, values: Mapping[str, str]) -> Reply:
    """Submit the modal a click opened (``reply`` has type 9) with ``values`` by text input id."""
    callback = reply.callback or {}
    data = callback.get("data")
    if reply.type != 9 or not isinstance(data, Mapping):
        raise AssertionError(f"the click opened no modal (response type {reply.type})")
    return await harness.submit_modal(str(data["custom_id"]), dict(values))


# -- the plan ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    """One user action: click a button (``label``), or choose ``value`` in a select."""

    label: str
    select: str | None = None
    """The select's placeholder (``""`` for one without) when this step picks an option."""
    value: str | None = None
    modal: tuple[tuple[str, str], ...] | None = None
    """Values a modal the click opens is submitted with."""
    timed: str | None = None
    """A timed edge's trigger: this step waits (moves the clock on) until it fires."""
    wait: float | None = None
    """The seconds the clock was moved on for ``timed`` when the step was performed."""

    def describe(self) -> str:
        """``click 'Inventory'`` / ``select 'Item 01' in 'Sell an item'`` / ``wait 60 s for 'close'``."""
        if self.timed is not None:
            return f"wait {self.wait or 0:g} s for {self.timed!r}"
        if self.select is not None:
            return f"select {self.value!r} in {self.select or 'the select'!r}"
        return f"click {self.label!r}" + (" and submit the modal" if self.modal is not None else "")


@dataclass(frozen=True, slots=True)
class Start:
    """Where a path starts: the flow's command, at a state (a sample's), with options."""

    state: str | None = None
    options: Mapping[str, Any] | None = None
    name: str = ""


@dataclass
class Path:
    """A walk: its start, its steps, and what each step crossed and where it landed."""

    start: Start
    steps: list[Step]
    landed: list[str] = field(default_factory=list)
    """State after the start, then after each step."""
    crossed: list[list[str]] = field(default_factory=list)
    """Transitions and guard outcomes the start, then each step, crossed."""


@dataclass
class Plan:
    """The paths chosen for a flow, and the targets no path could cover."""

    flow: Flow
    paths: list[Path]
    targets: list[str]
    uncovered: list[str]


@dataclass(frozen=True)
class _Node:
    start: str
    state: str
    shape: tuple[Any, ...]


def _shape(message: Mapping[str, Any] | None) -> tuple[Any, ...]:
    return tuple(
        (
            c.get("type"),
            c.get("label"),
            c.get("placeholder"),
            bool(c.get("disabled")),
            tuple(str(o.get("value")) for o in c.get("options") or ()),
        )
        for c in components_of(message or {})
    )


def _actions(message: Mapping[str, Any] | None) -> list[Step]:
    steps: list[Step] = []
    for c in components_of(message or {}):
        if not c.get("custom_id") or c.get("disabled"):
            continue
        if c.get("type") == 2 and c.get("label"):
            steps.append(Step(str(c["label"])))
        elif c.get("type") == 3:
            for option in list(c.get("options") or ())[:MAX_OPTIONS]:
                steps.append(
                    Step(str(option.get("label")), str(c.get("placeholder") or ""), str(option["value"]))
                )
    return steps


def _timed_steps(harness: Harness) -> list[Step]:
    """Waiting for each timed edge of the default user's session's state, one step each."""
    session = harness.session()
    if session is None or session.ended:
        return []
    return [Step(f"⏱ {edge.trigger}", timed=edge.trigger) for edge in session.flow.timed_from(session.state)]


async def _wait_for(h: Harness, trigger: str) -> float | None:
    """Move the clock on until the session's timed edge ``trigger`` fires (or the session leaves
    its state on the way); the seconds it took, ``None`` when nothing was planned."""
    began = h.clock.now
    first = h.session()
    for _ in range(1000):
        session = h.session()
        if session is not first or (session is not None and session.state != first.state):
            return h.clock.now - began  # ended or moved on: the wait is over
        planned = h.manager.timed_plans().get(session.id) if session is not None else None
        if planned is None:
            return None
        next_trigger, due = planned
        await h.advance(max(0.0, due - h.clock.now))
        if next_trigger == trigger:
            return h.clock.now - began
    return None


def _fill(text_input: Mapping[str, Any]) -> str:
    text = str(text_input.get("value") or text_input.get("placeholder") or "test")
    text += "x" * max(0, int(text_input.get("min_length") or 0) - len(text))
    return text[: max(int(text_input.get("max_length") or 4000), 1)]


def _text_inputs(nodes: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []
    for node in nodes:
        if node.get("type") == 4:
            found.append(node)
        found += _text_inputs(node.get("components") or ())
        if node.get("component"):
            found += _text_inputs([node["component"]])
    return found


def _targets_of(coverage: FlowCoverage) -> list[str]:
    """Transitions and guard outcomes one step's recorder saw, as report lines."""
    out: list[str] = []
    for record in coverage.records.values():
        name = record.flow.name
        out += [edge_text(name, s, t, d) for s, t, d in sorted(record.edges)]
        out += [f"{name}:{s} [{g}] {o}" for s, g, o in sorted(record.guards)]
    return out


class _Runner:
    """Runs each path as the default user (as the generated test will), in one harness whose
    earlier sessions are first expired, with a fresh coverage recorder per step."""

    def __init__(self, harness: Harness, flow: Flow) -> None:
        self.h = harness
        self.flow = flow
        self.runs = 0

    async def _do(self, h: Harness, step: Step) -> tuple[Step, bool]:
        """Perform ``step``; a click that opens a modal submits it. Returns the step as performed."""
        menu = h.message
        if step.timed is not None:
            waited = await _wait_for(h, step.timed)
            return Step(step.label, timed=step.timed, wait=waited), waited is not None
        if step.select is not None:
            for c in components_of(menu or {}):
                if (
                    c.get("type") == 3
                    and str(c.get("placeholder") or "") == step.select
                    and not c.get("disabled")
                ):
                    await h.send_component(str(c["custom_id"]), component_type=3, values=[str(step.value)])
                    return step, True
            return step, False
        matches = [
            c for c in components_of(menu or {}) if c.get("label") == step.label and c.get("custom_id")
        ]
        if not matches or matches[0].get("disabled"):
            return step, False
        reply = await h.send_component(str(matches[0]["custom_id"]))
        callback = reply.callback or {}
        if reply.type == 9 and isinstance(callback.get("data"), Mapping):
            modal = callback["data"]
            values = {str(t["custom_id"]): _fill(t) for t in _text_inputs(modal.get("components") or ())}
            if step.modal is not None:
                values = dict(step.modal)
            await h.submit_modal(str(modal["custom_id"]), values)
            return Step(step.label, modal=tuple(sorted(values.items()))), True
        return step, True

    async def run(self, start: Start, steps: Sequence[Step]) -> tuple[Path, list[_Node], list[list[Step]]]:
        """Replay ``steps`` from ``start``; stop early where a step's item is missing."""
        self.runs += 1
        command = self.flow.command if start.state is None else f"{self.flow.command}--at-{start.state}"
        h = self.h
        h.manager.expire_due(float("inf"))  # a fresh start: the user's earlier session is gone
        await h.manager.drain()
        coverage = _recorder(h)
        await h.command(command, options=start.options)
        path = Path(start, [], [state_of(h)], [_targets_of(coverage)])
        nodes = [_Node(start.name, path.landed[0], _shape(h.message))]
        offered = [_actions(h.message) + _timed_steps(h)]
        for step in steps:
            coverage = _recorder(h)
            performed, ok = await self._do(h, step)
            if not ok:
                break
            path.steps.append(performed)
            path.landed.append(state_of(h))
            path.crossed.append(_targets_of(coverage))
            nodes.append(_Node(start.name, path.landed[-1], _shape(h.message)))
            offered.append([] if path.landed[-1] == ENDED else _actions(h.message) + _timed_steps(h))
        return path, nodes, offered


def _recorder(harness: Harness) -> FlowCoverage:
    """A fresh coverage recorder on the harness's manager (replacing the previous one)."""
    coverage = FlowCoverage()
    harness.manager.tracer = CoverageTracer(coverage, harness.manager)
    return coverage


def _wanted(flows: Sequence[Flow]) -> list[str]:
    """Every declared transition of ``flows``, and both outcomes of every guard on one."""
    wanted: list[str] = []
    for flow in flows:
        graph = flow_graph(flow)
        for edge in graph.edges:
            wanted.append(edge_text(flow.name, edge.source, edge.trigger, edge.dest or INTERNAL))
            for guard in (*edge.conditions, *edge.unless):
                for outcome in ("pass", "refuse"):
                    line = f"{flow.name}:{edge.source} [{guard}] {outcome}"
                    if line not in wanted:
                        wanted.append(line)
    return wanted


async def plan_paths(
    flow: Flow,
    flows: Sequence[Flow] = (),
    *,
    depth: int = DEFAULT_DEPTH,
    max_steps: int = 40,
    max_runs: int = 400,
) -> Plan:
    """Choose paths covering every transition and guard outcome reachable (see the module doc)."""
    others = [f for f in flows if f is not flow]
    starts = [Start(name="default")]
    starts += [Start(s.state, dict(s.options), s.name) for s in getattr(flow, "samples", ())]
    commands: dict[str, str | tuple[str, str]] = {flow.command: flow.name}
    for start in starts[1:]:
        assert start.state is not None
        commands[f"{flow.command}--at-{start.state}"] = (flow.name, start.state)
    async with Harness([flow, *others], commands=commands) as harness:
        return await _plan(_Runner(harness, flow), flow, others, starts, depth, max_steps, max_runs)


async def _plan(
    runner: _Runner,
    flow: Flow,
    others: list[Flow],
    starts: list[Start],
    depth: int,
    max_steps: int,
    max_runs: int,
) -> Plan:
    graph: dict[_Node, list[tuple[Step, _Node, list[str]]]] = {}
    roots: list[tuple[Start, _Node]] = []
    seen_targets: list[str] = []
    for start in starts:
        path, nodes, offered = await runner.run(start, [])
        root = nodes[0]
        roots.append((start, root))
        seen_targets += [t for t in path.crossed[0] if t not in seen_targets]
        queue: deque[tuple[list[Step], _Node, list[Step]]] = deque([([], root, offered[0])])
        expanded = {root}
        while queue and runner.runs < max_runs:
            prefix, node, actions = queue.popleft()
            if len(prefix) >= depth:
                continue
            for action in actions:
                child, child_nodes, child_offered = await runner.run(start, [*prefix, action])
                if len(child.steps) <= len(prefix):
                    continue
                crossed = child.crossed[-1]
                seen_targets += [t for t in crossed if t not in seen_targets]
                landed = child_nodes[-1]
                graph.setdefault(node, []).append((child.steps[-1], landed, crossed))
                if landed == node:
                    # The same screen again: the same item once more may go another way (a
                    # balance runs out, "already owned").
                    again, again_nodes, _ = await runner.run(start, [*prefix, action, action])
                    if len(again.steps) == len(prefix) + 2 and set(again.crossed[-1]) - set(crossed):
                        seen_targets += [t for t in again.crossed[-1] if t not in seen_targets]
                        # A twin node "after this item once": only the repeat leaves it.
                        twin = _Node(node.start, node.state, (*node.shape, ("again", action)))
                        graph[node].append((child.steps[-1], twin, crossed))
                        graph[twin] = [(again.steps[-1], again_nodes[-1], again.crossed[-1])]
                if landed not in expanded and landed.state != ENDED:
                    expanded.add(landed)
                    queue.append(([*prefix, child.steps[-1]], landed, child_offered[-1]))
    wanted = _wanted([flow, *others])
    targets = [t for t in wanted if t in seen_targets] + [t for t in seen_targets if t not in wanted]
    uncovered = set(targets)
    chosen: list[Path] = []
    for start, root in roots:
        while uncovered:
            steps = _greedy_walk(graph, root, uncovered, max_steps)
            if not steps:
                break
            if not await _take(runner, start, steps, uncovered, chosen):
                break
        for target in [t for t in targets if t in uncovered]:
            # The walk's data went another way: the shortest route to this one target alone.
            route = _route(graph, root, {target})
            if route is not None and target in uncovered:
                await _take(runner, start, [step for step, _, _ in route], uncovered, chosen)
    return Plan(
        flow,
        chosen,
        targets,
        [t for t in targets if t in uncovered] + [t for t in wanted if t not in targets],
    )


async def _take(
    runner: _Runner, start: Start, steps: list[Step], uncovered: set[str], chosen: list[Path]
) -> bool:
    """Run a planned path for real; keep it when it covered something still uncovered."""
    path, _, _ = await runner.run(start, steps)
    covered = {t for crossed in path.crossed for t in crossed} & uncovered
    if covered:
        uncovered -= covered
        chosen.append(path)
    return bool(covered)


def _greedy_walk(
    graph: Mapping[_Node, list[tuple[Step, _Node, list[str]]]],
    root: _Node,
    uncovered: set[str],
    max_steps: int,
) -> list[Step]:
    """From ``root``, repeatedly take the shortest route to a step crossing something uncovered."""
    todo = set(uncovered)
    steps: list[Step] = []
    here = root
    while len(steps) < max_steps:
        route = _route(graph, here, todo)
        if route is None:
            break
        for step, landed, crossed in route:
            steps.append(step)
            todo -= set(crossed)
            here = landed
    return steps[:max_steps]


def _route(
    graph: Mapping[_Node, list[tuple[Step, _Node, list[str]]]], source: _Node, todo: set[str]
) -> list[tuple[Step, _Node, list[str]]] | None:
    """Breadth-first: the shortest list of graph edges from ``source`` ending with one crossing ``todo``."""
    back: dict[_Node, tuple[_Node, tuple[Step, _Node, list[str]]] | None] = {source: None}
    queue = deque([source])
    while queue:
        node = queue.popleft()
        for edge in graph.get(node, ()):
            if set(edge[2]) & todo:
                route = [edge]
                while back[node] is not None:
                    node, previous = back[node]  # type: ignore[misc]
                    route.append(previous)
                return route[::-1]
            if edge[1] not in back:
                back[edge[1]] = (node, edge)
                queue.append(edge[1])
    return None


# -- writing the module -----------------------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "x"


def _function_name(flow: Flow, path: Path, taken: set[str]) -> str:
    parts = [_slug(flow.name)]
    if path.start.state is not None:
        parts.append(_slug(path.start.name))
    words = [_slug(str(step.value) if step.select is not None else step.label) for step in path.steps]
    body = "_".join(words[:4]) if words else "start"
    if len(words) > 4:
        body += f"_and_{len(words) - 4}_more"
    name = f"test_{'_'.join(parts)}__{body}"[:90].rstrip("_")
    unique, n = name, 2
    while unique in taken:
        unique, n = f"{name}_{n}", n + 1
    taken.add(unique)
    return unique


def _why(crossed: list[str], flow: Flow) -> str:
    if not crossed:
        return ""
    prefix = f"{flow.name}:"
    return "; crosses " + ", ".join(t[len(prefix) :] if t.startswith(prefix) else t for t in crossed)


def render_module(plan: Plan, module: ModuleType, flow_names: Mapping[str, str], command: str) -> str:
    """The pytest module for ``plan`` (flows imported from ``module`` by attribute name)."""
    flow = plan.flow
    imports = ", ".join(sorted(flow_names.values()))
    registered = ", ".join(flow_names[f] for f in sorted(flow_names))
    lines = [
        f'"""Path tests for flow {flow.name!r}, written by ``{command}``.',
        "",
        "Do not edit by hand: regenerate with the same command (then ``pytest --snapshot-update``",
        "for the screens). Paths: breadth-first screen graph, then greedy covering walks (see",
        f"flowfsm.testing.gentests). {len(plan.paths)} path(s) cover "
        f"{len(plan.targets) - len([t for t in plan.uncovered if t in plan.targets])} of {len(plan.targets)}"
        " transitions and guard outcomes seen.",
    ]
    if plan.uncovered:
        lines += ["", "Not covered (not reached by exploration; give the flow a sample with flow.sample):"]
        lines += [f"    {t}" for t in plan.uncovered]
    lines += [
        '"""',
        "",
        f"from {module.__name__} import {imports}",
        "from flowfsm.testing import Harness",
        "from flowfsm.testing.gentests import "
        + (
            "fill_modal, "
            if any(step.modal is not None for path in plan.paths for step in path.steps)
            else ""
        )
        + "screen_of, state_of",
    ]
    taken: set[str] = set()
    for path in plan.paths:
        name = _function_name(flow, path, taken)
        commands = ""
        if path.start.state is not None:
            commands = f", commands={{{flow.command!r}: ({flow.name!r}, {path.start.state!r})}}"
        lines += ["", "", f"async def {name}(snapshot):"]
        lines.append(f"    async with Harness([{registered}]{commands}) as h:")
        opened = f"open /{flow.command}" + (f" at {path.start.state!r}" if path.start.state else "")
        if path.start.options:
            opened += f" with {dict(path.start.options)!r}"
        lines.append(f"        # {opened}{_why(path.crossed[0], flow)}")
        options = f", options={dict(path.start.options)!r}" if path.start.options else ""
        lines.append(f"        reply = await h.command({flow.command!r}{options})")
        lines.append(f"        assert state_of(h) == {path.landed[0]!r}")
        lines.append("        assert screen_of(h, reply) == snapshot")
        for step, landed, crossed in zip(path.steps, path.landed[1:], path.crossed[1:], strict=True):
            lines.append(f"        # {step.describe()} -> {landed}{_why(crossed, flow)}")
            if step.timed is not None:
                lines.append(f"        await h.advance({step.wait!r})")
                lines.append("        reply = None")
            elif step.select is not None:
                where = f", placeholder={step.select!r}" if step.select else ""
                lines.append(f"        reply = await h.select([{step.value!r}]{where})")
            elif step.modal is not None:
                lines.append(
                    f"        reply = await fill_modal(h, await h.click({step.label!r}), {dict(step.modal)!r})"
                )
            else:
                lines.append(f"        reply = await h.click({step.label!r})")
            lines.append(f"        assert state_of(h) == {landed!r}")
            lines.append("        assert screen_of(h, reply) == snapshot")
    return "\n".join(lines) + "\n"


async def generate(target: str, *, depth: int = DEFAULT_DEPTH, command: str | None = None) -> str:
    """The test module for the flow ``module:attribute`` (every flow of the module is registered,
    so its sub-flows run)."""
    import importlib

    from flowfsm.tools.targets import TargetError, load_target

    module_name, _, attribute = target.partition(":")
    flows = load_target(target)
    if len(flows) != 1 or not attribute:
        raise TargetError(f"gen-tests needs one flow as module:attribute, got {target!r}")
    flow = flows[0]
    module = importlib.import_module(module_name)
    names: dict[str, str] = {}
    for attr, value in vars(module).items():
        if isinstance(value, Flow) and value.name not in names:
            names[value.name] = attr
    names[flow.name] = attribute
    module_flows = [getattr(module, attr) for attr in names.values()]
    plan = await plan_paths(flow, module_flows, depth=depth)
    return render_module(plan, module, names, command or f"flowfsm gen-tests {target}")
