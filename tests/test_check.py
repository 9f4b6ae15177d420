"""``flowfsm check``: every finding of the broken-flows fixture reported exactly, clean flows clean."""

from __future__ import annotations

import pytest

from examples.quickstart import weather
from flowfsm import Button, Context, Flow, Screen
from flowfsm.tools.check import Finding, check_flow, check_flows
from flowfsm.tools.targets import load_target
from tests.fixtures import broken_flows


def _screen(ctx: Context) -> Screen:
    return Screen(content=ctx.state_name, items=[Button("Next", trigger="next")])


def test_the_broken_flows_fixture_is_reported_exactly() -> None:
    flows = load_target("tests.fixtures.broken_flows")
    lines = [str(finding) for finding in check_flows(flows)]
    assert len(lines) == len(set(lines))
    assert set(lines) == broken_flows.EXPECTED


@pytest.mark.parametrize("flow", load_target("tests.fixtures.broken_flows"), ids=lambda flow: flow.name)
def test_each_broken_flow_has_exactly_its_own_finding(flow: Flow) -> None:
    everything = load_target("tests.fixtures.broken_flows")
    found = {str(f) for f in check_flows(everything) if f.flow == flow.name}
    expected = {line for line in broken_flows.EXPECTED if line.startswith(f"{flow.name}:")}
    assert found == expected
    assert len(expected) == (0 if flow is broken_flows.picker else 1)


def test_check_reads_the_definition_without_compiling() -> None:
    flow = broken_flows.unknown_dest
    transitions = list(flow.transitions)
    check_flow(flow)
    assert flow.transitions == transitions  # compiling would have appended generated transitions
    with pytest.raises(Exception, match="unknown state"):
        Flow.validate(flow)  # ... and compiling stops at the first mistake, which check goes past


def test_a_finding_prints_as_flow_state_problem() -> None:
    assert str(Finding("shop", "cart", "no render function")) == "shop:cart: no render function"


def test_the_quick_start_is_clean() -> None:
    assert check_flow(weather) == []


def test_sub_flows_handlers_guards_and_marks_when_right_are_clean() -> None:
    child = Flow("child")
    child.add_state("choose", _screen, initial=True, returnable=True)
    parent = Flow("parent")
    parent.add_state("menu", _screen, initial=True, tracked=True)
    parent.add_state("detail", _screen, returnable=True, fallback="menu", preserve=True)
    parent.add_state("modal", _screen, cancellable=True)
    parent.add_state("done", _screen, final=True)

    @parent.guard("ready")
    def ready(ctx: Context) -> bool:
        return True

    @parent.on_complete("chosen")
    def chosen(ctx: Context, value: object) -> None:
        pass

    parent.transition("next", "menu", "detail", conditions=["ready"])  # type: ignore[list-item]
    parent.transition("edit", "detail", "modal")
    parent.transition("finish", "*", "done")
    parent.subflow("pick", "menu", child, on_complete="chosen")
    assert check_flows([parent, child]) == []
    # On its own, the child flow is not registered: the call is reported.
    assert [str(f) for f in check_flow(parent)] == [
        "parent:menu: sub-flow call 'pick' opens flow 'child', which is not registered"
    ]
    # ... unless the registry names it.
    assert check_flow(parent, registry={"child"}) == []
    # After compiling (generated back/cancel transitions added), still clean.
    parent.compile()
    child.compile()
    assert check_flows([parent, child]) == []


def test_a_wildcard_transition_to_an_unknown_state_is_reported_once() -> None:
    flow = Flow("wild")
    flow.add_state("a", _screen, initial=True)
    flow.add_state("b", _screen, final=True)
    flow.transition("next", "a", "b")
    flow.transition("oops", "*", "gone")
    assert [str(f) for f in check_flow(flow)] == ["wild:*: transition 'oops' goes to unknown state 'gone'"]


def test_findings_are_ordered_flow_wide_first_then_by_state() -> None:
    flow = Flow("order")
    flow.add_state("a", _screen, initial=True)
    flow.add_state("b")
    flow.add_state("c", _screen)
    flow.timeout = -1
    states = [f.state for f in check_flow(flow)]
    assert states == ["*", "a", "b", "b", "b", "c", "c"]


def test_the_examples_are_clean() -> None:
    assert [str(f) for f in check_flows(load_target("examples"))] == []
