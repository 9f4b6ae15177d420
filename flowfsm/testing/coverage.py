"""Flow coverage: which states, transitions, guard outcomes, Back/Cancel/timeout/stale clicks,
hooks and items a test run (or an exploration) exercised, against what each flow declares.

A :class:`FlowCoverage` collects events through the engine's own observer, the manager's
:class:`~flowfsm.define.tracing.Tracer`: :meth:`FlowCoverage.attach` puts a :class:`CoverageTracer` on a
manager (forwarding to a tracer the test set itself). With no tracer the engine records nothing,
so coverage costs nothing when it is off.

Measures, per flow (each ``covered/total``):

* **transitions** (the headline ``Cover`` figure, and what ``fail_under`` checks): every declared
  transition ``source --trigger--> dest`` of the flow's diagram (one per source of a ``"*"``
  transition; internal transitions have ``dest`` ``(internal)``), and every sub-flow opener;
* **states**: states whose render function ran for an interactive screen;
* **guards**: both outcomes (``pass``, ``refuse``) of every guard on a declared transition, and of
  every guard seen running elsewhere (a :func:`~flowfsm.define.guards.pipeline` guard in an item action);
* **nav**: per state, Back (returnable states), Cancel (cancellable states), a timeout and a
  stale click (every non-final state);
* **hooks**: every per-state hook (``setup``, ``on_enter`` ...);
* **items**: every item a rendered screen offered, clicked at least once.

Missing transitions read ``flow:state --trigger--> state``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flowfsm.define.flow import HOOK_NAMES, Flow
from flowfsm.define.tracing import DETAILED_KINDS, TraceEvent, Tracer
from flowfsm.tools.diagram import callable_name, flow_graph

if TYPE_CHECKING:
    from flowfsm.tools.explore import ExploreReport

__all__ = [
    "MEASURES",
    "CoverageTracer",
    "FlowCoverage",
    "FlowRecord",
    "Measure",
    "explore_with_coverage",
    "recording",
]

MEASURES = ("transitions", "states", "guards", "nav", "hooks", "items")
"""The measures of a report, in column order; ``transitions`` is the headline."""

INTERNAL = "(internal)"
"""How a transition that does not leave its state is shown."""


@dataclass
class Measure:
    """One measure of one flow: what could be covered, and what was."""

    total: list[str] = field(default_factory=list)
    covered: list[str] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        """Entries of :attr:`total` not covered, in definition order."""
        done = set(self.covered)
        return [entry for entry in self.total if entry not in done]

    @property
    def percent(self) -> float:
        """Covered share in percent (100 when there is nothing to cover)."""
        return 100.0 if not self.total else 100.0 * len(set(self.covered)) / len(self.total)


@dataclass
class FlowRecord:
    """What was seen of one flow (raw events, before they are set against its definition)."""

    flow: Flow
    rendered: set[str] = field(default_factory=set)
    edges: set[tuple[str, str, str]] = field(default_factory=set)
    guards: set[tuple[str, str, str]] = field(default_factory=set)
    nav: set[tuple[str, str]] = field(default_factory=set)
    hooks: set[tuple[str, str, int]] = field(default_factory=set)
    shown: dict[tuple[str, str], str] = field(default_factory=dict)
    clicked: set[tuple[str, str]] = field(default_factory=set)


def edge_text(flow: str, source: str, trigger: str, dest: str) -> str:
    """``flow:source --trigger--> dest``."""
    return f"{flow}:{source} --{trigger}--> {dest}"


class FlowCoverage:
    """Coverage collected across many managers (every test's harness), reported per flow.

    Args:
        flows: the flows to report on (e.g. every flow of the ``examples`` package); flows never
            exercised count as 0%. ``None``: every flow seen. :meth:`report_on` sets it later.
    """

    def __init__(self, flows: Iterable[Flow] | None = None) -> None:
        self.records: dict[int, FlowRecord] = {}
        self.only: list[Flow] | None = None
        if flows is not None:
            self.report_on(flows)

    def report_on(self, flows: Iterable[Flow]) -> None:
        """Report on exactly ``flows`` (the same objects the tests run); others are not recorded."""
        self.only = list(flows)
        for flow in self.only:
            self.records.setdefault(id(flow), FlowRecord(flow))

    # -- recording ---------------------------------------------------------------------------------

    def attach(self, manager: Any) -> CoverageTracer:
        """Record what ``manager`` runs (its own tracer, if any, still receives every event)."""
        existing = manager.tracer
        if isinstance(existing, CoverageTracer) and existing.coverage is self:
            return existing
        tracer = CoverageTracer(self, manager, existing)
        manager.tracer = tracer
        return tracer

    def record(self, flow: Flow, event: TraceEvent) -> None:
        """Take one traced event of ``flow``."""
        record = self.records.get(id(flow))
        if record is None:
            if self.only is not None:
                return  # not reported on: keep no reference to it (it may hold sessions)
            record = self.records[id(flow)] = FlowRecord(flow)
        kind = event.kind
        if kind == "render":
            record.rendered.add(event.source)
            for line in (event.detail or "").split("\n"):
                if line:
                    key, _, label = line.partition("=")
                    record.shown.setdefault((event.source, key), label or key)
        elif kind == "transition" and event.trigger is not None:
            record.edges.add((event.source, event.trigger, event.dest))
            if event.trigger in ("back", "cancel"):
                record.nav.add((event.source, event.trigger))
        elif kind == "fire" and event.detail == "ok" and event.trigger is not None:
            dest = INTERNAL if event.dest == event.source else event.dest
            record.edges.add((event.source, event.trigger, dest))
            if event.trigger in ("back", "cancel"):
                record.nav.add((event.source, event.trigger))
        elif kind == "guard-check" and event.detail:
            name, _, outcome = event.detail.rpartition(":")
            record.guards.add((event.source, name, outcome))
        elif kind in ("timeout", "stale"):
            record.nav.add((event.source, kind))
        elif kind == "hook" and event.detail:
            name, _, index = event.detail.rpartition(":")
            record.hooks.add((event.source, name, int(index)))
        elif kind == "click" and event.detail:
            record.clicked.add((event.source, event.detail))

    # -- reporting ---------------------------------------------------------------------------------

    def flows(self) -> list[FlowRecord]:
        """The records reported on, by flow name."""
        if self.only is not None:
            chosen = [self.records[id(flow)] for flow in self.only]
        else:
            chosen = list(self.records.values())
        return sorted(chosen, key=lambda r: r.flow.name)

    def measures(self, record: FlowRecord) -> dict[str, Measure]:
        """Every measure of one flow."""
        return {name: measure for name, measure in _measures(record)}

    def report(self) -> dict[str, Any]:
        """The whole report as JSON-ready data: per flow, per measure, total/covered/missing."""
        flows: dict[str, Any] = {}
        sums = {name: [0, 0] for name in MEASURES}
        for record in self.flows():
            entry: dict[str, Any] = {}
            for name, measure in self.measures(record).items():
                covered = [item for item in measure.total if item in set(measure.covered)]
                entry[name] = {
                    "total": len(measure.total),
                    "covered": len(covered),
                    "percent": round(measure.percent, 2),
                    "missing": measure.missing,
                    "covered_items": covered,
                }
                sums[name][0] += len(covered)
                sums[name][1] += len(measure.total)
            key = (
                record.flow.name if record.flow.name not in flows else f"{record.flow.name}#{id(record.flow)}"
            )
            flows[key] = entry
        totals = {
            name: {"covered": c, "total": t, "percent": round(100.0 * c / t if t else 100.0, 2)}
            for name, (c, t) in sums.items()
        }
        return {"flows": flows, "totals": totals}

    def percent(self, measure: str = "transitions") -> float:
        """Covered share of ``measure`` over every reported flow."""
        return float(self.report()["totals"][measure]["percent"])

    def table(self) -> str:
        """A terminal report like coverage.py's: one line per flow, a TOTAL line, missing transitions."""
        report = self.report()
        header = ["Flow", "Trans", "Miss", "Cover", "States", "Guards", "Nav", "Hooks", "Items", "Missing"]
        rows: list[list[str]] = []
        for name, entry in report["flows"].items():
            trans = entry["transitions"]
            rows.append(
                [
                    name,
                    str(trans["total"]),
                    str(trans["total"] - trans["covered"]),
                    f"{trans['percent']:.0f}%",
                    *(f"{entry[m]['covered']}/{entry[m]['total']}" for m in MEASURES[1:]),
                    ", ".join(trans["missing"]),
                ]
            )
        totals = report["totals"]
        t = totals["transitions"]
        rows.append(
            [
                "TOTAL",
                str(t["total"]),
                str(t["total"] - t["covered"]),
                f"{t['percent']:.0f}%",
                *(f"{totals[m]['covered']}/{totals[m]['total']}" for m in MEASURES[1:]),
                "",
            ]
        )
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
        rule = "-" * (sum(widths) + 2 * len(widths) + len("Missing"))

        def line(row: list[str]) -> str:
            cells = [row[0].ljust(widths[0])] + [
                cell.rjust(w) for cell, w in zip(row[1:-1], widths[1:], strict=True)
            ]
            return ("  ".join(cells) + "  " + row[-1]).rstrip()

        return "\n".join([line(header), rule, *(line(r) for r in rows[:-1]), rule, line(rows[-1])])

    def write_json(self, path: str) -> None:
        """Write :meth:`report` to ``path``."""
        with open(path, "w", encoding="utf-8") as out:
            json.dump(self.report(), out, indent=2, sort_keys=True)
            out.write("\n")


class CoverageTracer(Tracer):
    """The tracer :meth:`FlowCoverage.attach` gives a manager: it keeps no events itself, hands
    each to the coverage (resolving its flow on the manager) and to the tracer it replaced."""

    detailed = True

    def __init__(self, coverage: FlowCoverage, manager: Any, inner: Tracer | None = None) -> None:
        super().__init__(size=1)
        self.coverage = coverage
        # The manager's flow registry, not the manager: no reference cycle keeps a closed
        # manager (and its HTTP sessions) alive until a later garbage collection.
        self.flows: Mapping[str, Flow] = manager.flows
        self.inner = inner

    def record(self, event: TraceEvent) -> None:
        """Count ``event`` for coverage; forward it to the replaced tracer."""
        flow = self.flows.get(event.flow)
        if flow is not None:
            self.coverage.record(flow, event)
        if self.inner is not None and (self.inner.detailed or event.kind not in DETAILED_KINDS):
            self.inner.record(event)

    def __len__(self) -> int:
        return 0 if self.inner is None else len(self.inner)

    def __iter__(self) -> Iterator[TraceEvent]:
        return iter(()) if self.inner is None else iter(self.inner)


# -- the definition side ----------------------------------------------------------------------------


def _measures(record: FlowRecord) -> Iterator[tuple[str, Measure]]:
    flow = record.flow
    name = flow.name
    graph = flow_graph(flow)
    nodes = [node for node in graph.states if not node.unknown]

    transitions = Measure()
    for edge in graph.edges:
        dest = edge.dest if edge.dest is not None else INTERNAL
        text = edge_text(name, edge.source, edge.trigger, dest)
        transitions.total.append(text)
        if (edge.source, edge.trigger, dest) in record.edges:
            transitions.covered.append(text)
    for node in graph.states:
        for call in node.subflows:
            if call.trigger is None:
                continue
            text = edge_text(name, node.name, call.trigger, f"flow {call.flow}")
            transitions.total.append(text)
            if (node.name, call.trigger, f"flow {call.flow}") in record.edges:
                transitions.covered.append(text)
    yield "transitions", transitions

    states = Measure()
    for node in nodes:
        if node.has_render:
            states.total.append(f"{name}:{node.name}")
            if node.name in record.rendered:
                states.covered.append(f"{name}:{node.name}")
    yield "states", states

    guards = Measure()
    sites: list[tuple[str, str]] = []
    for edge in graph.edges:
        for guard_name in (*edge.conditions, *edge.unless):
            if (edge.source, guard_name) not in sites:
                sites.append((edge.source, guard_name))
    for state, guard_name, _ in sorted(record.guards):
        if (state, guard_name) not in sites:
            sites.append((state, guard_name))
    for state, guard_name in sites:
        for outcome in ("pass", "refuse"):
            text = f"{name}:{state} [{guard_name}] {outcome}"
            guards.total.append(text)
            if (state, guard_name, outcome) in record.guards:
                guards.covered.append(text)
    yield "guards", guards

    nav = Measure()
    for node in nodes:
        kinds = [
            *(["back"] if node.returnable else []),
            *(["cancel"] if node.cancellable else []),
            *([] if node.final else ["timeout", "stale"]),
        ]
        for kind in kinds:
            text = f"{name}:{node.name} {kind}"
            nav.total.append(text)
            if (node.name, kind) in record.nav:
                nav.covered.append(text)
    yield "nav", nav

    hooks = Measure()
    for state, spec in flow.states.items():
        for hook_name in HOOK_NAMES:
            for index, hook in enumerate(spec.hooks(hook_name)):
                text = f"{name}:{state} {hook_name}[{index}] {callable_name(hook)}"
                hooks.total.append(text)
                if (state, hook_name, index) in record.hooks:
                    hooks.covered.append(text)
    yield "hooks", hooks

    items = Measure()
    for (state, key), label in record.shown.items():
        text = f"{name}:{state} item {label!r}"
        if text in items.total:
            text = f"{text} ({key})"
        items.total.append(text)
        if (state, key) in record.clicked:
            items.covered.append(text)
    yield "items", items


# -- exploration --------------------------------------------------------------------------------------


@contextlib.contextmanager
def recording(coverage: FlowCoverage) -> Iterator[FlowCoverage]:
    """Record into ``coverage`` what every :class:`~flowfsm.testing.Harness` started inside runs."""
    from flowfsm.testing.harness import Harness

    def observe(harness: Harness) -> None:
        coverage.attach(harness.manager)

    Harness.started.append(observe)
    try:
        yield coverage
    finally:
        Harness.started.remove(observe)


async def explore_with_coverage(
    flows: Sequence[Flow], depth: int, explore_all: Callable[[], Awaitable[list[ExploreReport]]]
) -> tuple[list[ExploreReport], FlowCoverage]:
    """Run ``explore_all`` (``flowfsm explore``), then explore each flow once more from each of
    its samples (:meth:`flowfsm.define.flow.Flow.sample`), recording coverage of ``flows`` throughout.

    Only the plain exploration's reports are returned: a sample opens a flow in the middle, where
    "state not reached" would be noise; samples serve coverage (guards refusing, data-fed states).
    """
    from flowfsm.tools.explore import explore

    coverage = FlowCoverage(flows)
    with recording(coverage):
        reports = await explore_all()
        for flow in flows:
            for sample in flow.samples:
                await explore(flow, depth, flows=flows, options=sample.options, at=sample.state)
    return reports, coverage
