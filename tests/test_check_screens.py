"""``flowfsm check`` opens every reachable screen once and reports what would fail at the first
click in production, as ``flow:state:item: problem``."""

from __future__ import annotations

import pytest

from flowfsm import Button, Context, Flow, Screen
from flowfsm.define.modals import Modal, TextField
from flowfsm.tools.check import check_all, check_flows, check_screens
from flowfsm.tools.cli import main


def _noop(ctx: Context) -> None:
    """An action that changes nothing."""


def _mistakes() -> Flow:
    flow = Flow("mistakes")

    @flow.state(initial=True, tracked=True)
    def menu(ctx: Context) -> Screen:
        return Screen(
            "Menu",
            items=[
                Button("Both", trigger="go", action=_noop, id="both"),
                Button("Next", trigger="go"),
                Button("Opt", trigger="optoins"),
            ],
        )

    @flow.state(returnable=True)
    def form(ctx: Context) -> Screen:
        modal = Modal("name", "Your name", [TextField("name", "Name")], on_submit=lambda ctx, values: None)
        return Screen("Form", items=[Button("Edit", modal="nmae")], modals=[modal])

    @flow.state(returnable=True)
    def needs(ctx: Context) -> Screen:
        return Screen(f"Hello {ctx.data['who']}", items=[Button("Edit", trigger="form")])

    flow.transition("go", "menu", "form")
    flow.transition("needs", "form", "needs")
    flow.transition("form", "needs", "form")
    return flow


async def test_each_screen_mistake_is_one_finding_naming_its_item() -> None:
    flow = _mistakes()
    lines = [str(f) for f in await check_screens([flow])]
    assert lines == [
        "mistakes:menu:both: give a button one of trigger, action or modal",
        "mistakes:form:Edit: button opens modal 'nmae', which this screen does not define (known: ['name'])",
        "mistakes:needs: opening it raised KeyError: 'who' (if it needs input, give it: "
        "flow.sample('needs', ...))",
    ]
    assert check_flows([flow]) == []  # none of this is visible in the definition alone


async def test_a_trigger_typo_is_found_once_the_first_mistake_is_fixed() -> None:
    flow = Flow("typo")

    @flow.state(initial=True)
    def menu(ctx: Context) -> Screen:
        return Screen("Menu", items=[Button("Next", trigger="go"), Button("Opt", trigger="optoins")])

    @flow.state(final=True)
    def done(ctx: Context) -> Screen:
        return Screen("Done")

    flow.transition("go", "menu", "done")
    assert [str(f) for f in await check_screens([flow])] == [
        "typo:menu:Opt: trigger 'optoins' cannot fire in this state"
    ]


async def test_sample_data_and_options_let_a_state_render_on_its_own() -> None:
    flow = _mistakes()
    flow.sample("needs", data={"who": "Ada"})
    lines = [str(f) for f in await check_screens([flow])]
    assert not any(line.startswith("mistakes:needs") for line in lines)
    with pytest.raises(Exception, match="sample for an undeclared state"):
        flow.sample("nowhere")


def test_a_returnable_state_whose_back_always_closes_is_reported() -> None:
    flow = Flow("lost")

    @flow.state(initial=True)
    def menu(ctx: Context) -> Screen:
        return Screen("Menu", items=[Button("Open", trigger="open")])

    @flow.state(returnable=True)
    def page(ctx: Context) -> Screen:
        return Screen("Page")

    flow.transition("open", "menu", "page")
    assert [str(f) for f in check_flows([flow])] == [
        "lost:page: Back always closes the session: no tracked state leads here and there is no fallback "
        "(mark an earlier state tracked=True, or give this one fallback=...)"
    ]
    flow.states["menu"].tracked = True
    assert check_flows([flow]) == []


async def test_check_all_runs_both_passes() -> None:
    assert len(await check_all([_mistakes()])) == 3


def test_the_command_reports_screen_findings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "tests.test_check_screens:MISTAKES"]) == 1
    out = capsys.readouterr().out
    assert "mistakes:menu:both: give a button one of trigger, action or modal" in out


MISTAKES = _mistakes()
