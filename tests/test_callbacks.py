"""Broken, slow and hanging callbacks: the user always gets an answer and the bot keeps going.

* A render function, hook, condition or action that raises: one ephemeral ``Texts.error`` reply,
  one ERROR log record naming the flow, state and session, the session removed, and the menu's
  components disabled (or removed when even the render fails) by the queued edit.
* A slow step (longer than ``defer_after``; here 10 ms, with callbacks taking 50 ms: the system
  under test being slow, not the test waiting): the interaction is deferred in time (type 6 for a
  click, 5 for a command) and the result is sent as an edit of ``@original``.
* A step that never returns: bounded by ``step_timeout`` (50 ms here), then the session ends with
  the ``Texts.timeout`` reply.

Gateway bot and REST bot (``Harness(rest_bot=True)``); nothing may reach the event loop, and the
only ERROR record is flowfsm's report (transitions' own record of an exception raised inside a
trigger is not written: flowfsm's machine fires its events quietly and reports once).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import hikari
import pytest
from escapes import catch_escapes

from flowfsm import Button, Context, Flow, GuardFailure, Screen
from flowfsm.testing import Harness, payloads
from flowfsm.testing.harness import Reply, components_of

OWNER = 1001
SLOW = 0.05
"""How long the slow callbacks take (seconds): five times ``defer_after``."""


class Boom(Exception):
    """The error the broken callbacks raise."""


def boom(ctx: Context) -> Any:
    raise Boom(f"boom in {ctx.state_name}")


async def slow(ctx: Context) -> None:
    await asyncio.sleep(SLOW)
    ctx.data["slow"] = ctx.data.get("slow", 0) + 1


async def hang(ctx: Context) -> None:
    await asyncio.Event().wait()


async def stubborn(ctx: Context) -> None:
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        ctx.data["stubborn"] = "swallowed its cancellation"  # and goes on, as asyncio allows
    await asyncio.sleep(0)  # the step's task is not left cancelled: waiting again is fine


def refuse(ctx: Context) -> None:
    raise GuardFailure("Not now.")


async def fetch_missing(ctx: Context) -> None:
    await ctx.rest.fetch_message(222, 999)


async def slow_then_boom(ctx: Context) -> None:
    await asyncio.sleep(SLOW)
    raise Boom("late boom")


def build_flow() -> Flow:
    """One menu with a button per way a callback can misbehave."""
    flow = Flow("cb", command="cb")

    @flow.state(initial=True)
    def main(ctx: Context) -> Screen:
        return Screen(
            f"main slow={ctx.data.get('slow', 0)}",
            items=[
                Button("action", action=boom),
                Button("render", trigger="to_render"),
                Button("on_enter", trigger="to_enter"),
                Button("sticky", trigger="to_sticky"),
                Button("condition", trigger="cond"),
                Button("unless", trigger="unless"),
                Button("before", trigger="before"),
                Button("after", trigger="after"),
                Button("slow", action=slow),
                Button("slow trigger", trigger="slow_go"),
                Button("hang", action=hang),
                Button("stubborn", action=stubborn),
                Button("guard", action=refuse),
                Button("not found", action=fetch_missing),
                Button("slow boom", action=slow_then_boom),
            ],
        )

    flow.add_state("render_boom", boom)
    flow.add_state("enter_boom", lambda ctx: "entered", on_enter=boom)
    flow.add_state(
        "sticky", lambda ctx: Screen("sticky", items=[Button("leave", trigger="leave")]), on_leave=boom
    )
    flow.add_state("other", lambda ctx: Screen("other", items=[Button("back", trigger="back")]))
    flow.transition("to_render", "main", "render_boom")
    flow.transition("to_enter", "main", "enter_boom")
    flow.transition("to_sticky", "main", "sticky")
    flow.transition("leave", "sticky", "main")
    flow.transition("cond", "main", "other", conditions=boom)
    flow.transition("unless", "main", "other", unless=boom)
    flow.transition("before", "main", "other", before=boom)
    flow.transition("after", "main", "other", after=boom)
    flow.transition("slow_go", "main", "other", before=slow)
    flow.transition("back", "other", "main")
    return flow


def build_broken_start() -> tuple[Flow, Flow, Flow]:
    """Flows failing when they start: in the render, in the initial state's on_enter, slowly."""
    render = Flow("broken_render", command="br")
    render.add_state("start", boom, initial=True)
    enter = Flow("broken_enter", command="be")
    enter.add_state("start", lambda ctx: "hello", initial=True, on_enter=boom)
    slow_start = Flow("slow_start", command="ss")
    slow_start.add_state(
        "start", lambda ctx: Screen("ready", items=[Button("x", trigger="x")]), initial=True, on_enter=slow
    )
    slow_start.transition("x", "start", "start")
    return render, enter, slow_start


@dataclass
class Watch:
    """Exceptions that reached the event loop, and log records at ERROR."""

    loop: list[str] = field(default_factory=list)
    errors: list[logging.LogRecord] = field(default_factory=list)

    def flowfsm_errors(self) -> list[logging.LogRecord]:
        """ERROR records of flowfsm's "error in flow ..." report."""
        return [
            r
            for r in self.errors
            if r.name == "flowfsm" and r.getMessage().startswith("flowfsm: error in flow")
        ]

    def expected(self) -> list[logging.LogRecord]:
        """flowfsm's reports (see the module docstring)."""
        return self.flowfsm_errors()


@pytest.fixture
async def watch() -> AsyncIterator[Watch]:
    """Collects escapes; at the end, no loop exception and no ERROR record but flowfsm's own reports."""
    found = Watch()
    async with catch_escapes(
        lambda context: found.loop.append(f"{context.get('exception')!r}"), found.errors.append, logging.ERROR
    ):
        yield found
    assert found.loop == []
    others = [r for r in found.errors if r not in found.expected()]
    assert others == [], [r.getMessage() for r in others]


def assert_closed_with(h: Harness, reply: Reply, text: str, session_id: str) -> None:
    """The session is gone, the user got ``text`` (only they see it), and the menu is inert."""
    assert h.manager.sessions.get(session_id) is None
    assert reply.ephemeral_text == text, [(r.method, r.path, r.json) for r in reply.requests]
    message = h.message
    assert message is not None
    assert not [c for c in components_of(message) if not c.get("disabled")], components_of(message)


def assert_logged(watch: Watch, flow: str, session_id: str) -> None:
    """Exactly one ERROR report, naming the flow, a state and the session, with the traceback."""
    reports = watch.flowfsm_errors()
    assert len(reports) == 1, [r.getMessage() for r in reports]
    text = reports[0].getMessage()
    assert f"flow {flow!r}" in text and "state '" in text and session_id in text
    assert reports[0].exc_info is not None and isinstance(reports[0].exc_info[1], Boom | TimeoutError)


RAISING = ["action", "render", "on_enter", "condition", "unless", "before", "after"]


@pytest.mark.parametrize("rest_bot", [False, True], ids=["gateway", "rest"])
@pytest.mark.parametrize("label", RAISING)
async def test_raising_callback_ends_the_session(watch: Watch, label: str, rest_bot: bool) -> None:
    async with Harness([build_flow()], rest_bot=rest_bot) as h:
        await h.command("cb", user=OWNER)
        session = h.session(OWNER)
        menu = h.message
        assert menu is not None
        reply = await h.click(label)
        assert reply.type == hikari.ResponseType.MESSAGE_CREATE
        assert_closed_with(h, reply, h.manager.texts.error, session.id)
        assert_logged(watch, "cb", session.id)
        # the "disable components" edit went through the previous interaction's webhook
        edits = [r for r in reply.requests if r.method == "PATCH" and r.path.endswith("/messages/@original")]
        assert len(edits) == 1 and edits[0].status == 200
        if label == "render":  # the render fails again when disabling: the components are removed
            assert h.message is not None and h.message["components"] == []
        elif label != "on_enter":  # (on_enter: the disabled screen is the new state's, which has no buttons)
            assert h.message is not None and components_of(h.message)
        # the old buttons now answer "expired"
        again = await h.send_component(components_of(menu)[0]["custom_id"], message=menu)
        assert again.ephemeral_text == h.manager.texts.expired.format(command="cb")


async def test_raising_on_leave_hook(watch: Watch) -> None:
    async with Harness([build_flow()]) as h:
        await h.command("cb", user=OWNER)
        session = h.session(OWNER)
        await h.click("sticky")
        reply = await h.click("leave")
        assert_closed_with(h, reply, h.manager.texts.error, session.id)
        assert_logged(watch, "cb", session.id)


@pytest.mark.parametrize("rest_bot", [False, True], ids=["gateway", "rest"])
@pytest.mark.parametrize("flow_index", [0, 1], ids=["render", "on_enter"])
async def test_raising_at_start(watch: Watch, flow_index: int, rest_bot: bool) -> None:
    flow = build_broken_start()[flow_index]
    async with Harness([flow], rest_bot=rest_bot) as h:
        reply = await h.command(flow.command, user=OWNER)
        assert reply.type == hikari.ResponseType.MESSAGE_CREATE
        assert reply.ephemeral_text == h.manager.texts.error
        assert len(h.manager.sessions) == 0
        assert len(watch.flowfsm_errors()) == 1


async def test_custom_error_handler(watch: Watch) -> None:
    seen: list[tuple[str, str]] = []
    async with Harness([build_flow()]) as h:

        @h.manager.on_error
        def handler(ctx: Context, exc: BaseException) -> None:
            seen.append((ctx.session.id, str(exc)))

        await h.command("cb", user=OWNER)
        session = h.session(OWNER)
        reply = await h.click("action")
        assert seen == [(session.id, "boom in main")]
        assert_closed_with(h, reply, h.manager.texts.error, session.id)


async def test_guard_failure_keeps_the_session(watch: Watch) -> None:
    async with Harness([build_flow()]) as h:
        await h.command("cb", user=OWNER)
        session = h.session(OWNER)
        assert session is not None
        before = h.message
        reply = await h.click("guard")
        assert reply.ephemeral_text == "Not now."
        assert session.state == "main"
        assert h.manager.sessions.get(session.id) is session
        assert before is not None and h.message is not None
        assert h.message["content"] == before["content"]
        # The same menu, re-rendered as a new screen: only the screen number in each custom id moves.
        shown = [
            {**c, "custom_id": c["custom_id"].replace(":0:2:", ":0:1:")} for c in components_of(h.message)
        ]
        assert shown == components_of(before)
        assert watch.errors == []


# -- slow steps: deferred in time ----------------------------------------------------------------------------


def _edits_of_original(reply: Reply) -> list[Any]:
    return [
        r
        for r in reply.requests
        if r.method == "PATCH" and r.path.endswith(f"/{reply.token}/messages/@original")
    ]


@pytest.mark.parametrize("rest_bot", [False, True], ids=["gateway", "rest"])
@pytest.mark.parametrize("label", ["slow", "slow trigger"])
async def test_slow_click_is_deferred_then_edited(watch: Watch, label: str, rest_bot: bool) -> None:
    async with Harness([build_flow()], rest_bot=rest_bot, defer_after=0.01) as h:
        await h.command("cb", user=OWNER)
        session = h.session(OWNER)
        reply = await h.click(label)
        assert reply.type == hikari.ResponseType.DEFERRED_MESSAGE_UPDATE
        edits = _edits_of_original(reply)
        assert len(edits) == 1 and edits[0].status == 200
        assert session.data == {"slow": 1}
        expected = "main slow=1" if label == "slow" else "other"
        assert h.message is not None and h.message["content"] == expected
        assert h.manager.sessions.get(session.id) is session
        # the menu still works afterwards
        if label == "slow":
            quick = await h.click("guard")
            assert quick.ephemeral_text == "Not now."
        assert watch.errors == []


@pytest.mark.parametrize("rest_bot", [False, True], ids=["gateway", "rest"])
async def test_slow_start_is_deferred_then_edited(watch: Watch, rest_bot: bool) -> None:
    flow = build_broken_start()[2]
    async with Harness([flow], rest_bot=rest_bot, defer_after=0.01) as h:
        reply = await h.command("ss", user=OWNER)
        assert reply.type == hikari.ResponseType.DEFERRED_MESSAGE_CREATE
        sent = [r for r in reply.requests if r.status == 200 and r.method in ("PATCH", "POST")][1:]
        assert len(sent) == 1 and sent[0].path.endswith("/messages/@original")
        assert h.message is not None and h.message["content"] == "ready"
        assert not h.message["flags"] & payloads.LOADING
        assert h.session(OWNER).data == {"slow": 1}


@pytest.mark.parametrize("rest_bot", [False, True], ids=["gateway", "rest"])
async def test_slow_then_raising_click(watch: Watch, rest_bot: bool) -> None:
    async with Harness([build_flow()], rest_bot=rest_bot, defer_after=0.01) as h:
        await h.command("cb", user=OWNER)
        session = h.session(OWNER)
        reply = await h.click("slow boom")
        assert reply.type == hikari.ResponseType.DEFERRED_MESSAGE_UPDATE
        assert_closed_with(h, reply, h.manager.texts.error, session.id)
        assert_logged(watch, "cb", session.id)


# -- steps that never return ---------------------------------------------------------------------------------


@pytest.mark.parametrize("rest_bot", [False, True], ids=["gateway", "rest"])
@pytest.mark.parametrize("defer_after", [2.0, 0.01], ids=["answered-in-time", "deferred-first"])
async def test_hanging_click_is_bounded(watch: Watch, rest_bot: bool, defer_after: float) -> None:
    async with Harness([build_flow()], rest_bot=rest_bot, step_timeout=0.05, defer_after=defer_after) as h:
        await h.command("cb", user=OWNER)
        session = h.session(OWNER)
        reply = await h.click("hang")
        deferred = defer_after < 0.05
        expected_type = (
            hikari.ResponseType.DEFERRED_MESSAGE_UPDATE if deferred else hikari.ResponseType.MESSAGE_CREATE
        )
        assert reply.type == expected_type
        assert_closed_with(h, reply, h.manager.texts.timeout, session.id)
        assert_logged(watch, "cb", session.id)


@pytest.mark.parametrize("rest_bot", [False, True], ids=["gateway", "rest"])
async def test_a_step_that_swallows_its_timeout_goes_on(watch: Watch, rest_bot: bool) -> None:
    async with Harness([build_flow()], rest_bot=rest_bot, step_timeout=0.05) as h:
        await h.command("cb", user=OWNER)
        session = h.session(OWNER)
        reply = await h.click("stubborn")
        assert reply.type == hikari.ResponseType.MESSAGE_UPDATE
        assert session.data == {"stubborn": "swallowed its cancellation"}
        assert h.manager.sessions.get(session.id) is session
        assert watch.flowfsm_errors() == []


# -- engine bugs --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rest_bot", [False, True], ids=["gateway", "rest"])
async def test_callback_raising_not_found_is_a_callback_error(watch: Watch, rest_bot: bool) -> None:
    async with Harness([build_flow()], rest_bot=rest_bot) as h:
        await h.command("cb", user=OWNER)
        session = h.session(OWNER)
        reply = await h.click("not found")
        assert reply.ephemeral_text == h.manager.texts.error
        assert h.manager.sessions.get(session.id) is None
        assert len(watch.flowfsm_errors()) == 1
