"""FlowCord parity, part 1: history, lifetimes, hooks, guards, sub-flows, tracing — through the real stack."""

from __future__ import annotations

import logging

import pytest

from examples.guards import store
from examples.lifecycle import install_audit, lifecycle
from examples.navigation import nav
from examples.subflow import loadout, weapons
from flowfsm import Button, Context, Flow, FlowDefinitionError, Screen, Tracer, guard
from flowfsm.testing import OTHER_USER, Harness


def content(h: Harness) -> str:
    assert h.message is not None
    return str(h.message["content"])


# -- history --------------------------------------------------------------------------------------


async def test_back_returns_through_tracked_states() -> None:
    async with Harness([nav]) as h:
        await h.command("menu")
        await h.click("Settings")
        await h.click("Profile")
        assert h.session().state == "profile"
        assert "settings" in content(h) and "main" in content(h)
        await h.click("Back")
        assert h.session().state == "settings"
        await h.click("Back")
        assert h.session().state == "main"
        assert content(h) == "Main menu"


async def test_back_skips_an_untracked_confirmation_dialog() -> None:
    async with Harness([nav]) as h:
        await h.command("menu")
        await h.click("Delete my data")
        await h.click("Yes, delete")
        assert h.session().state == "deleted"
        await h.click("Back")
        assert h.session().state == "main"


async def test_fallback_when_opened_directly_with_empty_history() -> None:
    async with Harness([nav], commands={"profile": ("navigation", "profile")}) as h:
        reply = await h.command("profile")
        assert reply.type == 4
        assert h.session().state == "profile"
        assert h.session().history is None
        await h.click("Back")
        assert h.session().state == "main"
        assert content(h) == "Main menu (back from profile)"


async def test_back_on_empty_history_without_fallback_closes_the_session() -> None:
    flow = Flow("solo")

    @flow.state(initial=True, returnable=True)
    def only(ctx: Context) -> Screen:
        return Screen("alone")

    async with Harness([flow]) as h:
        await h.command("solo")
        assert h.labels() == ["Back"]
        await h.click("Back")
        assert len(h.manager.sessions) == 0
        assert h.message is not None and h.message["components"] == []


async def test_reserved_row_has_back_and_cancel_and_cancel_ends_the_session() -> None:
    async with Harness([nav]) as h:
        await h.command("menu")
        await h.click("Settings")
        await h.click("Profile")
        rows = h.message["components"]  # type: ignore[index]
        assert [c["label"] for c in rows[-1]["components"]] == ["Back", "Cancel"]
        assert rows[-1]["components"][0]["custom_id"].endswith(":~back")
        await h.click("Cancel")
        assert content(h) == "Cancelled."
        assert len(h.manager.sessions) == 0


def test_user_back_transition_on_a_returnable_state_is_a_definition_error() -> None:
    flow = Flow("clash")

    @flow.state(initial=True, returnable=True)
    def a(ctx: Context) -> Screen:
        return Screen("a")

    flow.transition("back", "a", "a")
    with pytest.raises(FlowDefinitionError, match=r"flow 'clash', state 'a': trigger 'back' is generated"):
        flow.compile()


def test_unknown_fallback_is_a_definition_error() -> None:
    flow = Flow("nofall")
    flow.add_state("a", lambda ctx: Screen("a"), initial=True, fallback="zzz")
    with pytest.raises(FlowDefinitionError, match=r"state 'a': fallback 'zzz' is not a state"):
        flow.compile()


# -- lifetimes and hooks --------------------------------------------------------------------------


async def test_hooks_fire_in_the_documented_order_with_global_hooks_first() -> None:
    audit: list[str] = []
    async with Harness([lifecycle]) as h:
        install_audit(h.manager, audit)
        await h.command("lifecycle")
        assert h.session().data["log"] == [
            "counter.setup",
            "global.on_enter",
            "counter.on_enter",
            "counter.before_render",
            "counter.after_render",
        ]
        h.session().data["log"].clear()
        await h.click("+1")
        assert h.session().data["log"] == [
            "global.on_action",
            "counter.on_action",
            "counter.before_render",
            "counter.after_render",
        ]
        assert "Count: 1" in content(h)
        h.session().data["log"].clear()
        await h.click("Browse")
        assert h.session().data["log"] == [
            "global.on_action",
            "counter.on_action",
            "counter.on_leave",
            "browse.setup",
            "global.on_enter",
        ]
        assert audit[0] == "audit on_enter lifecycle.counter user=1001"


async def test_preserved_state_keeps_its_page_and_skips_setup() -> None:
    async with Harness([lifecycle]) as h:
        await h.command("lifecycle")
        await h.click("Browse")
        await h.click("Next page")
        await h.click("Next page")
        assert content(h) == "Browsing page 3"
        await h.click("Open item")
        await h.click("Back to list")
        assert content(h) == "Browsing page 3"
        assert h.session().data["log"].count("browse.setup") == 1


async def test_unpreserved_state_is_reset_on_reentry() -> None:
    async with Harness([lifecycle]) as h:
        await h.command("lifecycle")
        await h.click("Scratch")
        await h.click("Next page")
        assert content(h) == "Scratch page 2"
        await h.click("Home")
        await h.click("Scratch")
        assert content(h) == "Scratch page 1"
        assert h.session().data["log"].count("scratch.setup") == 2


async def test_hard_refresh_reruns_setup() -> None:
    async with Harness([lifecycle]) as h:
        await h.command("lifecycle")
        await h.click("+1")
        await h.click("+1")
        assert content(h).startswith("Count: 2")
        await h.click("Hard refresh")
        assert content(h).startswith("Count: 0")
        assert h.session().data["log"].count("counter.setup") == 2


async def test_on_timeout_hooks_global_then_state() -> None:
    seen: list[str] = []
    flow = Flow("timed", timeout=60)
    flow.add_state("s", lambda ctx: Screen("s"), initial=True, on_timeout=lambda ctx: seen.append("state"))
    async with Harness([flow]) as h:
        h.manager.add_hook("on_timeout", lambda ctx: seen.append("global"))
        await h.command("timed")
        await h.advance(61)
        assert seen == ["global", "state"]


async def test_a_failing_hook_goes_to_the_error_handler() -> None:
    def broken(ctx: Context) -> None:
        raise RuntimeError("hook broke")

    flow = Flow("hooky")
    flow.add_state("a", lambda ctx: Screen("a", items=[Button("go", trigger="go")]), initial=True)
    flow.add_state("b", lambda ctx: Screen("b"), on_enter=broken)
    flow.transition("go", "a", "b")
    async with Harness([flow]) as h:
        await h.command("hooky")
        reply = await h.click("go")
        assert reply.ephemeral_text == h.manager.texts.error
        assert len(h.manager.sessions) == 0


# -- guards and pipelines -------------------------------------------------------------------------


async def test_transition_guard_refuses_with_its_message_and_keeps_the_state() -> None:
    async with Harness([store]) as h:
        await h.command("store", user=OTHER_USER)
        reply = await h.click("Admin panel", user=OTHER_USER)
        assert reply.ephemeral_text == "Only admins can open the admin panel."
        assert h.session(OTHER_USER).state == "shop"
        # the menu re-rendered in place through the previous interaction's webhook
        assert any(r.method == "PATCH" and "/messages/@original" in r.path for r in reply.requests)
        await h.click("Buy sword", user=OTHER_USER)
        assert "Owned: yes" in content(h)


async def test_a_guard_refusal_is_not_logged_as_an_error(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="transitions")
    caplog.set_level(logging.INFO)
    async with Harness([store]) as h:
        await h.command("store", user=OTHER_USER)
        reply = await h.click("Admin panel", user=OTHER_USER)
        await h.click("Buy sword", user=OTHER_USER)
    assert reply.ephemeral_text == "Only admins can open the admin panel."
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    # transitions' own per-step log lines are not emitted either (the tracer records steps on request)
    assert [r.getMessage() for r in caplog.records if r.name.startswith("transitions")] == []


async def test_guard_passes_for_admin() -> None:
    async with Harness([store]) as h:
        await h.command("store")
        await h.click("Admin panel")
        assert h.session().state == "admin"


async def test_pipeline_stops_at_the_first_failed_guard_with_a_dynamic_message() -> None:
    async with Harness([store]) as h:
        await h.command("store", options={"balance": 40})
        await h.click("Buy sword")
        assert "Balance: 10" in content(h) and "Owned: yes" in content(h)
        reply = await h.click("Buy sword")
        assert reply.ephemeral_text == "You need 20 more coins."  # can_afford fails first
        h.session().data["balance"] = 100
        reply = await h.click("Buy sword")
        assert reply.ephemeral_text == "You already own the sword."
        assert h.session().data["balance"] == 100


async def test_conditions_stop_at_the_first_that_fails() -> None:
    """A guard listed after a failing condition is not asked: its refusal would be misleading."""
    asked: list[str] = []

    def closed(ctx: Context) -> bool:
        asked.append("closed")
        return False

    def admin_only(ctx: Context) -> bool:
        asked.append("admin_only")
        return False

    flow = Flow("gated")
    flow.add_state("a", lambda ctx: Screen("a", items=[Button("go", trigger="go")]), initial=True)
    flow.add_state("b", lambda ctx: Screen("b"))
    flow.transition("go", "a", "b", conditions=[closed, guard(admin_only, "Admins only.")])
    async with Harness([flow]) as h:
        await h.command("gated")
        reply = await h.click("go")
        assert asked == ["closed"]
        assert reply.ephemeral_text is None and content(h) == "a"
        assert h.session().state == "a"


# -- sub-flows ------------------------------------------------------------------------------------


async def test_subflow_result_reaches_the_declared_handler() -> None:
    async with Harness([loadout, weapons]) as h:
        await h.command("loadout")
        await h.click("Change weapon")
        session = h.session()
        assert session.flow is weapons and session.state == "pick"
        assert content(h) == "Pick a primary weapon"
        assert h.button("Sword")["custom_id"].startswith(f"ff:weapons:{session.id}:")
        await h.click("Sword")
        assert session.flow is loadout and session.state == "editor"
        assert session.data["primary"] == "Sword" and session.data["changes"] == 1
        fields = h.message["embeds"][0]["fields"]  # type: ignore[index]
        assert fields[0]["value"] == "Sword"


async def test_back_from_the_child_does_not_call_the_handler() -> None:
    async with Harness([loadout, weapons]) as h:
        await h.command("loadout")
        await h.click("Change weapon")
        await h.click("Back")
        session = h.session()
        assert session.flow is loadout and session.state == "editor"
        assert "primary" not in session.data and "changes" not in session.data


def test_unknown_completion_handler_is_a_definition_error() -> None:
    parent = Flow("parent")
    parent.add_state("a", lambda ctx: Screen("a"), initial=True)
    parent.subflow("open", "a", "child", on_complete="nope")
    with pytest.raises(
        FlowDefinitionError, match=r"flow 'parent', state 'a': sub-flow 'child' names .* 'nope'"
    ):
        parent.compile()


# -- tracing --------------------------------------------------------------------------------------


async def test_tracer_records_transitions_and_paths_in_a_bounded_ring() -> None:
    tracer = Tracer(size=5)
    async with Harness([nav], tracer=tracer) as h:
        await h.command("menu")
        await h.click("Settings")
        await h.click("Profile")
        await h.click("Back")
        events = tracer.events(kind="transition")
        assert [(e.source, e.dest, e.trigger) for e in events] == [
            ("main", "settings", "settings"),
            ("settings", "profile", "profile"),
            ("profile", "settings", "back"),
        ]
        assert events[0].component == "Settings" and events[0].user_id == 1001
        assert tracer.paths("main") == [["main", "settings", "profile", "settings"]]
        assert tracer.path(h.session().id) == ["main", "settings", "profile", "settings"]
        for _ in range(5):
            await h.click("Back") if h.session() and h.session().state != "main" else await h.click(
                "Settings"
            )
        assert len(tracer) == 5 and tracer.dropped > 0
        tracer.clear()
        assert len(tracer) == 0
