"""Flow definition mistakes raise at definition/compile time, naming the flow and the state."""

from __future__ import annotations

import hikari
import miru
import pytest
from transitions.extensions.asyncio import AsyncMachine

from flowfsm import Button, Flow, FlowDefinitionError, FlowManager, Screen


def _screen(_ctx: object) -> Screen:
    return Screen("x", items=[Button("go", trigger="go")])


def test_duplicate_state_names_the_flow_and_state() -> None:
    flow = Flow("dup")
    flow.add_state("a", _screen, initial=True)
    with pytest.raises(FlowDefinitionError, match=r"flow 'dup', state 'a': duplicate state name"):
        flow.add_state("a", _screen)


def test_transition_to_unknown_state_names_its_source_and_the_missing_target() -> None:
    flow = Flow("typo")
    flow.add_state("a", _screen, initial=True)
    flow.transition("go", "a", "b")
    with pytest.raises(FlowDefinitionError) as raised:
        flow.compile()
    assert str(raised.value) == "flow 'typo', state 'a': transition 'go' goes to unknown state 'b' (known: a)"
    assert raised.value.state == "a"


def test_registering_a_flow_with_a_transition_to_an_unknown_state_says_where() -> None:
    from flowfsm.testing import FakeClock

    flow = Flow("typo2")
    flow.add_state("menu", _screen, initial=True)
    flow.add_state("shop", _screen)
    flow.transition("buy", "shop", "checkout")
    bot = hikari.RESTBot("x", "Bot", banner=None, suppress_optimization_warning=True)
    manager = FlowManager(miru.Client(bot), clock=FakeClock(), auto_expire=False)
    with pytest.raises(
        FlowDefinitionError, match=r"state 'shop': transition 'buy' goes to unknown state 'checkout'"
    ):
        manager.register(flow)


def test_transition_from_unknown_state_raises_on_compile() -> None:
    flow = Flow("typo2")
    flow.add_state("a", _screen, initial=True)
    flow.transition("go", "nowhere", "a")
    with pytest.raises(FlowDefinitionError, match=r"state 'nowhere': transition 'go' starts from an unknown"):
        flow.compile()


def test_state_without_render_function() -> None:
    flow = Flow("bare")
    flow.add_state("a", _screen, initial=True)
    flow.add_state("b")
    with pytest.raises(FlowDefinitionError, match=r"flow 'bare', state 'b': state has no render function"):
        flow.compile()


def test_render_attached_later_is_accepted() -> None:
    flow = Flow("later")
    flow.add_state("a", initial=True)
    flow.render("a")(_screen)
    flow.transition("go", "a", "a")
    assert isinstance(flow.compile(), AsyncMachine)


@pytest.mark.parametrize("timeout", [0, -5, "300", float("nan"), True])
def test_invalid_timeout(timeout: object) -> None:
    with pytest.raises(FlowDefinitionError, match=r"flow 'bad': timeout must be a positive number"):
        Flow("bad", timeout=timeout)  # type: ignore[arg-type]


def test_missing_initial_state() -> None:
    flow = Flow("noinit")
    flow.add_state("a", _screen)
    with pytest.raises(FlowDefinitionError, match="flow 'noinit': no initial state"):
        flow.compile()


def test_two_initial_states() -> None:
    flow = Flow("twoinit")
    flow.add_state("a", _screen, initial=True)
    with pytest.raises(FlowDefinitionError, match=r"state 'b': two initial states"):
        flow.add_state("b", _screen, initial=True)


@pytest.mark.parametrize("name", ["", "has space", "x" * 33, "col:on"])
def test_bad_flow_names(name: str) -> None:
    with pytest.raises(FlowDefinitionError, match="a flow name is"):
        Flow(name)


def test_state_name_with_colon_is_refused() -> None:
    with pytest.raises(FlowDefinitionError, match=r"state 'a:b'"):
        Flow("names").add_state("a:b", _screen)


def test_no_definition_after_compile() -> None:
    flow = Flow("frozen")
    flow.add_state("a", _screen, initial=True)
    flow.transition("go", "a", "a")
    flow.compile()
    with pytest.raises(FlowDefinitionError, match="already compiled"):
        flow.add_state("b", _screen)


def test_machine_is_built_once_and_is_a_transitions_machine() -> None:
    flow = Flow("once")
    flow.add_state("a", _screen, initial=True)
    flow.add_state("b", _screen, final=True)
    flow.transition("go", "a", "b")
    machine = flow.compile()
    assert flow.compile() is machine
    assert isinstance(machine, AsyncMachine)
    assert machine.get_triggers("a") == ["go"]
    assert machine.get_state("b").final is True
    assert machine.models == []  # sessions are never added as models
