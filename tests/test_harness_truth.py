"""The harness tells the truth: what would fail for a user fails in the test, with the real reason."""

from __future__ import annotations

import pytest

from examples.selects_modals import profile
from examples.shop import shop
from flowfsm import Button, Context, Flow, RenderError, Screen, Texts
from flowfsm.testing import Harness


def _flow_with_a_broken_screen() -> Flow:
    flow = Flow("broken")

    @flow.state(initial=True)
    def start(ctx: Context) -> Screen:
        return Screen("Start", items=[Button("Go", trigger="go")])

    @flow.state()
    def next_screen(ctx: Context) -> Screen:
        return Screen("x" * 2001, items=[Button("Go", trigger="back_home")])

    flow.transition("go", "start", "next_screen")
    return flow


async def test_a_click_after_a_failed_render_raises_the_render_error() -> None:
    async with Harness([_flow_with_a_broken_screen()]) as h:
        await h.command("broken")
        reply = await h.click("Go")  # renders next_screen, which Discord would refuse
        assert isinstance(reply.error, RenderError)
        assert reply.ephemeral_text == Texts().error  # what the user saw
        with pytest.raises(RenderError, match=r"flow 'broken', state 'next_screen'.*2000"):
            await h.click("Go")


async def test_a_command_no_flow_answers_raises() -> None:
    async with Harness([profile]) as h:
        with pytest.raises(LookupError, match=r"no flow answers /nosuchflow \(commands: profile\)"):
            await h.command("nosuchflow")
        assert h.replies == []  # nothing was sent pretending to be a user


async def test_submitting_a_modal_that_is_not_open_raises() -> None:
    async with Harness([profile]) as h:
        await h.command("profile")
        opened = await h.click("Edit bio")
        modal_id = opened.callback["data"]["custom_id"]  # type: ignore[index]
        bio = {"name": "Ada", "pronouns": "she/her", "bio": "Engines."}
        with pytest.raises(AssertionError, match=r"no modal .* is open for user 2002"):
            await h.submit_modal(modal_id, bio, user=2002)  # opened for someone else
        await h.submit_modal(modal_id, bio)
        with pytest.raises(AssertionError, match=r"no modal .* is open"):
            await h.submit_modal(modal_id, bio)  # submitting closed it
        with pytest.raises(AssertionError, match="no modal 'ff:nope' is open"):
            await h.submit_modal("ff:nope", bio)
        forged = await h.send_modal(modal_id, bio)  # a replayed submission, on purpose
        assert forged.type is not None


def _flow_with_a_disabled_button(clicked: list[str]) -> Flow:
    flow = Flow("greyed")

    @flow.state(initial=True)
    def start(ctx: Context) -> Screen:
        return Screen(
            "Start",
            items=[
                Button("Soon", action=lambda ctx: clicked.append("soon"), disabled=True),
                Button("Now", action=lambda ctx: clicked.append("now")),
            ],
        )

    return flow


async def test_a_disabled_button_cannot_be_clicked_unless_the_test_asks() -> None:
    clicked: list[str] = []
    async with Harness([_flow_with_a_disabled_button(clicked)]) as h:
        await h.command("greyed")
        with pytest.raises(AssertionError, match="button 'Soon' is disabled"):
            await h.click("Soon")
        assert clicked == [] and len(h.replies) == 1
        await h.click("Soon", allow_disabled=True)  # a stale client sending it anyway
        await h.click("Now")
        assert clicked == ["now"]  # the engine refused the disabled one too


async def test_pages_turn_without_knowing_the_button_labels() -> None:
    texts = Texts(previous_label="Zurück", next_label="Weiter")
    async with Harness([shop], texts=texts) as h:
        await h.command("shop")
        first = h.labels()
        await h.next_page()
        assert h.labels() != first and "Weiter" in h.labels()
        await h.previous_page()
        assert h.labels() == first


@pytest.mark.flowfsm(flows=[profile], commands={"links": ("profile", "more")})
async def test_the_fixture_opens_a_flow_at_a_state_by_command(flowfsm_harness: Harness) -> None:
    await flowfsm_harness.command("links")
    assert flowfsm_harness.session().state == "more"
    assert flowfsm_harness.session().flow is profile


async def test_route_opens_a_flow_at_a_state() -> None:
    async with Harness([_flow_with_a_broken_screen()]) as h:
        h.route("straight-in", "broken", "next_screen")
        await h.command("straight-in")
        assert isinstance(h.replies[-1].error, RenderError)  # opened at next_screen, not start
