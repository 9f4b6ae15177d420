"""Trust nothing the client sends (issue 13): each test is one attack that worked before.

A Discord client can send any component or modal interaction, with any custom id and any values,
for any message it can see; a REST bot's endpoint is on the public internet. Every test here
drives the real miru client and hikari's entity factory (gateway bot unless said otherwise) and
asserts that the attack runs nothing, changes nothing, and gets the documented answer.

========  =====================================================================================
point     test
========  =====================================================================================
1         test_own_id_on_another_bot_message_is_refused (REST bot: the message id is unknown)
2         test_double_click_runs_once, test_replayed_interaction_id_runs_nothing
3         test_select_values_are_checked, test_wrong_component_type_is_refused,
          test_role_select_ids_must_be_resolved_roles, test_modal_fields_are_checked,
          test_items_on_other_pages_cannot_be_clicked
4         test_no_token_in_logs_or_traces (and the fault suite's ``watch`` fixture)
5         test_expiry_waits_for_a_running_step, test_subflow_expiring_in_its_completion_handler
6         tests/test_discord_faults.py: test_unknown_interaction_on_the_click_callback_edits_the_menu,
          test_not_found_on_the_edit_after_a_defer, test_server_errors_exhaust_retries_then_end_cleanly
7         test_cleanup_error_does_not_end_the_session
8         test_resume_function_has_a_step_deadline
9         test_flood_of_clicks_is_bounded, test_waiting_counts_against_the_step_timeout,
          test_new_session_replaces_the_same_flow,
          test_sessions_per_user_are_limited, test_forged_open_again_mints_one_session
10        test_rest_request_with_old_timestamp_is_refused, test_rest_replay_runs_once
11        test_deleted_menu_runs_on_timeout_with_the_reason
========  =====================================================================================
"""

from __future__ import annotations

import asyncio
import copy
import logging
import re
from typing import Any

import hikari
import pytest
from escapes import RecordTo

from flowfsm import Button, Context, Flow, Screen, Tracer
from flowfsm.define.modals import Modal, TextField
from flowfsm.define.selects import RoleSelect, TextSelect
from flowfsm.testing import Harness, payloads, signing
from flowfsm.testing.harness import Reply, components_of

OWNER = 1001
RIVAL = 2002
TOKEN = re.compile(r"tok\d+-[0-9a-f]{8}")


def shop_flow() -> Flow:
    """A shop whose first button changes once bought: "Buy" becomes "Refund" (same position)."""
    flow = Flow("shop", command="shop")

    def buy(ctx: Context) -> None:
        ctx.data["bought"] = ctx.data.get("bought", 0) + 1

    def refund(ctx: Context) -> None:
        ctx.data["refunded"] = ctx.data.get("refunded", 0) + 1

    @flow.state(initial=True)
    def main(ctx: Context) -> Screen:
        first = Button("Refund", action=refund) if ctx.data.get("bought") else Button("Buy", action=buy)
        return Screen(
            f"bought={ctx.data.get('bought', 0)}", items=[first, Button("Look", action=lambda c: None)]
        )

    return flow


def cid(message: dict[str, Any] | None, label: str) -> str:
    """The custom id of the component labelled ``label`` on ``message``."""
    assert message is not None
    return next(str(c["custom_id"]) for c in components_of(message) if c.get("label") == label)


def text_of(reply: Reply) -> str | None:
    """This interaction's own initial response text."""
    callback = reply.callback
    return None if callback is None else callback["data"].get("content")


# -- 1: a click counts only on the message that shows the session's current screen ---------------------------


async def test_own_id_on_another_bot_message_is_refused(escaped: list[str]) -> None:
    """A REST bot does not learn its menu's message id from its HTTP reply; the owner sends their
    own valid custom id as a click on another user's menu: it must neither run nor overwrite it."""
    async with Harness([shop_flow()], rest_bot=True) as h:
        await h.command("shop", user=RIVAL)
        rival_menu = copy.deepcopy(h.message)
        await h.command("shop", user=OWNER)
        own_menu = h.message
        session = h.session(OWNER)
        assert rival_menu is not None and session.message_id is None
        reply = await h.send_component(cid(own_menu, "Buy"), message=rival_menu, user=OWNER)
        assert reply.http_status == 200 and text_of(reply) == h.manager.texts.invalid
        assert h.discord.messages[int(rival_menu["id"])] == rival_menu
        assert not session.data and session.message_id is None
        # the real click on its own menu works, and binds the session to that message
        reply = await h.send_component(cid(own_menu, "Buy"), message=own_menu, user=OWNER)
        assert session.data == {"bought": 1}
        assert own_menu is not None and session.message_id == int(own_menu["id"])


# -- 2: screen identity, double clicks, replays ----------------------------------------------------------------


async def test_double_click_runs_once(escaped: list[str]) -> None:
    """Both clicks of a double-click carry the screen they were made on: the second, arriving
    after the first changed the screen, gets the "earlier screen" reply and runs nothing (before,
    it ran Refund, which now sits at the same position)."""
    async with Harness([shop_flow()]) as h:
        await h.command("shop", user=OWNER)
        menu = copy.deepcopy(h.message)
        first = await h.send_component(cid(menu, "Buy"), message=menu)
        second = await h.send_component(cid(menu, "Buy"), message=menu)
        assert first.type == hikari.ResponseType.MESSAGE_UPDATE
        assert text_of(second) == h.manager.texts.stale
        assert h.session(OWNER).data == {"bought": 1}


async def test_replayed_interaction_id_runs_nothing(escaped: list[str]) -> None:
    """The same interaction delivered again (even with the current screen's id) never runs twice."""
    async with Harness([shop_flow()]) as h:
        await h.command("shop", user=OWNER)
        first = await h.click("Look")
        assert first.type == hikari.ResponseType.MESSAGE_UPDATE
        before = copy.deepcopy(h.message)
        replay = await h.send_component(cid(h.message, "Buy"), interaction_id=first.interaction_id)
        assert replay.requests == []
        assert not h.session(OWNER).data and h.message == before


# -- 3: values are checked against what was rendered ----------------------------------------------------------


def picker_flow(chosen: list[Any]) -> Flow:
    """A text select (a/b, one value), a role select, a modal and eight paginated buttons."""
    flow = Flow("pick", command="pick")

    def record(ctx: Context, *values: Any) -> None:
        chosen.append(values[0] if values else ctx.item.label)

    @flow.state(initial=True)
    def main(ctx: Context) -> Screen:
        return Screen(
            "pick",
            items=[
                TextSelect(["a", "b"], id="letter", action=record),
                RoleSelect(id="role", action=record),
                Button("Edit", modal="form"),
                Button("Pages", trigger="pages"),
            ],
            modals=[
                Modal(
                    "form",
                    "Form",
                    [TextField("name", "Name", max_length=5), TextField("note", "Note", required=False)],
                    on_submit=record,
                )
            ],
        )

    @flow.state()
    def pages(ctx: Context) -> Screen:
        return Screen("pages", items=[Button(f"b{i}", action=record) for i in range(8)], page_size=4)

    flow.transition("pages", "main", "pages")
    return flow


async def test_select_values_are_checked(escaped: list[str]) -> None:
    chosen: list[Any] = []
    async with Harness([picker_flow(chosen)]) as h:
        await h.command("pick", user=OWNER)
        letter = _select_id(h.message, "letter")
        for values in (["zzz"], ["a", "b"], [], ["a", "a"]):
            reply = await h.send_component(letter, component_type=3, values=values)
            assert text_of(reply) == h.manager.texts.invalid, values
        assert chosen == []
        reply = await h.send_component(letter, component_type=3, values=["b"])
        assert reply.type == hikari.ResponseType.MESSAGE_UPDATE and chosen == [["b"]]


def _select_id(message: dict[str, Any] | None, item_id: str) -> str:
    assert message is not None
    return next(
        str(c["custom_id"]) for c in components_of(message) if str(c.get("custom_id")).endswith(item_id)
    )


async def test_wrong_component_type_is_refused(escaped: list[str]) -> None:
    """A select's custom id sent as a button click, and a button's as a select."""
    chosen: list[Any] = []
    async with Harness([picker_flow(chosen)]) as h:
        await h.command("pick", user=OWNER)
        assert text_of(await h.send_component(_select_id(h.message, "letter"))) == h.manager.texts.invalid
        reply = await h.send_component(cid(h.message, "Edit"), component_type=3, values=["a"])
        assert text_of(reply) == h.manager.texts.invalid
        assert chosen == []


async def test_role_select_ids_must_be_resolved_roles(escaped: list[str]) -> None:
    chosen: list[Any] = []
    async with Harness([picker_flow(chosen)]) as h:
        await h.command("pick", user=OWNER)
        role = _select_id(h.message, "role")
        as_user = payloads.resolved_for(5, ["4444"])
        for resolved in (as_user, {}):
            reply = await h.send_component(role, component_type=6, values=["4444"], resolved=resolved)
            assert text_of(reply) == h.manager.texts.invalid
        assert chosen == []
        reply = await h.send_component(role, component_type=6, values=["4444"])
        assert reply.type == hikari.ResponseType.MESSAGE_UPDATE and chosen == [["4444"]]


async def submit(h: Harness, fields: dict[str, str], custom_id: str) -> Reply:
    """Send a submission of the form ``custom_id``, open or not: a client may send any fields, and
    send them again."""
    return await h.send_modal(custom_id, fields, user=OWNER)


async def test_modal_fields_are_checked(escaped: list[str]) -> None:
    """Unknown fields, a required field missing, a value over max_length: refused. A valid submit
    runs; the same form submitted again is on an earlier screen."""
    chosen: list[Any] = []
    async with Harness([picker_flow(chosen)]) as h:
        await h.command("pick", user=OWNER)
        opened = await h.click("Edit")
        assert opened.type == hikari.ResponseType.MODAL
        form = str((opened.callback or {})["data"]["custom_id"])
        for fields in ({"name": "ok", "admin": "1"}, {"note": "x"}, {"name": ""}, {"name": "toolong"}):
            reply = await submit(h, fields, form)
            assert text_of(reply) == h.manager.texts.invalid, fields
        assert chosen == []
        reply = await submit(h, {"name": "ok", "note": ""}, form)
        assert reply.type == hikari.ResponseType.MESSAGE_UPDATE and chosen == [{"name": "ok", "note": ""}]
        again = await submit(h, {"name": "ok", "note": ""}, form)
        assert text_of(again) == h.manager.texts.stale and len(chosen) == 1


async def test_items_on_other_pages_cannot_be_clicked(escaped: list[str]) -> None:
    """The screen's items on the page not shown are not on the message: their ids are forged."""
    chosen: list[Any] = []
    async with Harness([picker_flow(chosen)]) as h:
        await h.command("pick", user=OWNER)
        await h.click("Pages")
        shown = h.message
        assert shown is not None
        assert "b0" in h.labels() and "b7" not in h.labels()
        hidden = cid(shown, "b0").rsplit(":", 1)[0] + ":7"
        reply = await h.send_component(hidden, message=shown)
        assert text_of(reply) == h.manager.texts.invalid and chosen == []
        reply = await h.click("b1")
        assert reply.type == hikari.ResponseType.MESSAGE_UPDATE and chosen == ["b1"]


# -- 4: no token in logs or traces ------------------------------------------------------------------------------


async def test_no_token_in_logs_or_traces() -> None:
    """hikari's HTTP errors end with the request URL, which holds the interaction token: neither
    the ERROR record of the failed step (its traceback included) nor the trace event may show it."""
    records: list[logging.LogRecord] = []
    tracer = Tracer()
    handler = RecordTo(records.append, logging.DEBUG)
    logger = logging.getLogger("flowfsm")
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        flow = Flow("leaky", command="leaky")

        async def peek(ctx: Context) -> None:
            assert isinstance(ctx.interaction, hikari.ComponentInteraction)
            await ctx.interaction.edit_initial_response("too early")  # hikari's error names the URL

        flow.add_state("main", lambda ctx: Screen("main", items=[Button("Peek", action=peek)]), initial=True)
        async with Harness([flow], tracer=tracer) as h:
            await h.command("leaky", user=OWNER)
            h.discord.fail_next("PATCH", r"^/webhooks/\d+/[^/]+/messages/@original$", 400)
            reply = await h.click("Peek")
            assert TOKEN.search(reply.token) and reply.ephemeral_text == h.manager.texts.error
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    formatter = logging.Formatter("%(message)s")
    texts = [formatter.format(r) for r in records] + [repr(e) for e in tracer]
    assert any("error in flow 'leaky'" in t for t in texts)  # the failure was reported
    assert any(e.kind == "error" for e in tracer)
    assert [t for t in texts if TOKEN.search(t)] == []
    assert all(r.exc_info is None or "<token>" in str(r.exc_info[1]) for r in records if r.exc_info)


# -- 5: expiry and steps are serialized ---------------------------------------------------------------------------


def gated_flow(gate: asyncio.Event, entered: asyncio.Event, log: list[str]) -> Flow:
    flow = Flow("gated", command="gated")

    async def slow(ctx: Context) -> None:
        entered.set()
        await gate.wait()
        log.append("step")
        await ctx.fire("next")

    @flow.state(initial=True)
    def main(ctx: Context) -> Screen:
        return Screen("main", items=[Button("Go", action=slow)])

    @flow.state()
    def done(ctx: Context) -> Screen:
        return Screen("done", items=[Button("Again", action=lambda c: None)])

    flow.transition("next", "main", "done")
    return flow


async def test_expiry_waits_for_a_running_step(escaped: list[str]) -> None:
    """The session expires while a step runs: on_timeout runs after the step (and sees its state),
    never in the middle of it."""
    gate, entered, log = asyncio.Event(), asyncio.Event(), []
    async with Harness([gated_flow(gate, entered, log)]) as h:
        h.manager.add_hook("on_timeout", lambda ctx: log.append(f"timeout in {ctx.state_name}"))
        await h.command("gated", user=OWNER)
        session = h.session(OWNER)
        click = asyncio.ensure_future(h.click("Go"))
        await entered.wait()
        h.clock.advance(session.timeout + 1)
        assert h.manager.expire_due() == 1
        for _ in range(20):
            await asyncio.sleep(0)  # the outbox runs: on_timeout must wait for the step
        assert log == []
        gate.set()
        await click
        await h.manager.drain()
        assert log == ["step", "timeout in done"]
        shown = h.message
        assert shown is not None and all(c.get("disabled") for c in components_of(shown))


def parent_and_child(gate: asyncio.Event, entered: asyncio.Event, log: list[str]) -> tuple[Flow, Flow]:
    child = Flow("child", command="child")

    @child.state(initial=True)
    def ask(ctx: Context) -> Screen:
        return Screen("child", items=[Button("Finish", action=finish)])

    async def finish(ctx: Context) -> None:
        await ctx.complete("x")

    parent = Flow("parent", command="parent")

    @parent.state(initial=True)
    def home(ctx: Context) -> Screen:
        return Screen("home", items=[Button("Open", trigger="open")])

    @parent.on_complete("got")
    async def got(ctx: Context, result: Any) -> None:
        entered.set()
        await gate.wait()
        log.append(f"completed {result}")

    parent.subflow("open", "home", child, on_complete="got")
    return parent, child


async def test_subflow_expiring_in_its_completion_handler(escaped: list[str]) -> None:
    """A sub-flow expires while the parent's completion handler runs: the parent's on_timeout runs."""
    gate, entered, log = asyncio.Event(), asyncio.Event(), []
    parent, child = parent_and_child(gate, entered, log)
    async with Harness([parent, child]) as h:
        h.manager.add_hook(
            "on_timeout", lambda ctx: log.append(f"timeout in {ctx.flow.name}:{ctx.state_name}")
        )
        await h.command("parent", user=OWNER)
        await h.click("Open")
        session = h.session(OWNER)
        click = asyncio.ensure_future(h.click("Finish"))
        await entered.wait()
        h.clock.advance(session.timeout + 1)
        h.manager.expire_due()
        gate.set()
        await click
        await h.manager.drain()
        assert log == ["completed x", "timeout in parent:home"]


# -- 7: clean-up failures ------------------------------------------------------------------------------------------


async def test_cleanup_error_does_not_end_the_session(escaped: list[str]) -> None:
    """Under "delete", the old message's deletion fails with a 400: the new menu is already
    posted, so the session goes on there (logged at WARNING)."""
    flow = Flow("moving", command="moving", cleanup="delete")
    flow.add_state("one", lambda ctx: Screen("one", items=[Button("Next", trigger="next")]), initial=True)
    flow.add_state("two", lambda ctx: Screen("two", items=[Button("Stay", action=lambda c: None)]))
    flow.transition("next", "one", "two")
    warnings: list[str] = []
    handler = RecordTo(lambda r: warnings.append(r.getMessage()), logging.WARNING)
    logging.getLogger("flowfsm").addHandler(handler)
    try:
        async with Harness([flow]) as h:
            await h.command("moving", user=OWNER)
            session = h.session(OWNER)
            h.discord.fail_next("DELETE", r"^/webhooks/\d+/[^/]+/messages/@original$", 400)
            reply = await h.click("Next")
            assert reply.type == hikari.ResponseType.MESSAGE_CREATE and session.state == "two"
            assert h.manager.sessions.get(session.id) is session
            again = await h.click("Stay")
            assert again.type == hikari.ResponseType.MESSAGE_UPDATE
    finally:
        logging.getLogger("flowfsm").removeHandler(handler)
    assert any("could not clean up" in w for w in warnings)


# -- 8: the "Open again" resume function has a step's deadlines -------------------------------------------------


async def test_resume_function_has_a_step_deadline(escaped: list[str]) -> None:
    """A resume function that never returns: deferred in time, then the timeout reply."""
    never = asyncio.Event()

    async def resume(interaction: Any) -> dict[str, Any]:
        await never.wait()
        return {}

    flow = Flow("again", command="again", resume=resume)
    flow.add_state(
        "main", lambda ctx: Screen("main", items=[Button("Go", action=lambda c: None)]), initial=True
    )
    async with Harness([flow], defer_after=0.01, step_timeout=0.2) as h:
        await h.command("again", user=OWNER)
        menu = h.message
        await h.advance(flow.timeout + 1)
        async with asyncio.timeout(5):  # a bound for the failing case only
            reply = await h.send_component("ff:again:~open", message=menu)
        assert reply.type == hikari.ResponseType.DEFERRED_MESSAGE_UPDATE
        assert reply.ephemeral_text == h.manager.texts.timeout
        assert len(h.manager.sessions) == 0


# -- 9: floods and session limits -----------------------------------------------------------------------------------


async def test_flood_of_clicks_is_bounded(escaped: list[str]) -> None:
    """Ten clicks while a step runs: two may wait, the rest are told "busy" at once."""
    gate, entered, log = asyncio.Event(), asyncio.Event(), []
    async with Harness([gated_flow(gate, entered, log)]) as h:
        await h.command("gated", user=OWNER)
        menu = h.message
        first = asyncio.ensure_future(h.click("Go"))
        await entered.wait()
        rest = [asyncio.ensure_future(h.send_component(cid(menu, "Go"), message=menu)) for _ in range(9)]
        done, _ = await asyncio.wait(rest, timeout=5)  # a bound for the failing case only
        busy = [t.result() for t in done]
        assert len(busy) == 7 and {text_of(r) for r in busy} == {h.manager.texts.busy}
        gate.set()
        await asyncio.gather(first, *rest)
        assert log == ["step"]


async def test_new_session_replaces_the_same_flow(escaped: list[str]) -> None:
    async with Harness([shop_flow()]) as h:
        await h.command("shop", user=OWNER)
        first, first_menu = h.session(OWNER), h.message
        await h.command("shop", user=OWNER)
        await h.manager.drain()
        second = h.session(OWNER)
        assert second is not first and first.ended and len(h.manager.sessions) == 1
        assert first_menu is not None
        shown = h.discord.messages[int(first_menu["id"])]
        assert all(c.get("disabled") for c in components_of(shown))
        reply = await h.send_component(cid(first_menu, "Buy"), message=first_menu)
        assert text_of(reply) == h.manager.texts.expired.format(command="shop")


async def test_sessions_per_user_are_limited(escaped: list[str]) -> None:
    flows = [Flow(f"f{i}", command=f"f{i}") for i in range(3)]
    for flow in flows:
        flow.add_state(
            "main", lambda ctx: Screen("x", items=[Button("Go", action=lambda c: None)]), initial=True
        )
    async with Harness(flows, max_sessions_per_user=2) as h:
        await h.command("f0", user=OWNER)
        await h.command("f1", user=OWNER)
        reply = await h.command("f2", user=OWNER)
        assert text_of(reply) == h.manager.texts.too_many
        assert len(h.manager.sessions) == 2
        await h.command("f2", user=RIVAL)  # others are not affected
        assert len(h.manager.sessions) == 3


async def test_forged_open_again_mints_one_session(escaped: list[str]) -> None:
    """Forged "Open again" clicks (the id is public) on any message: each replaces the last."""
    flow = Flow("shop", command="shop", resume=lambda interaction: {})
    flow.add_state("main", lambda ctx: Screen("x", items=[Button("Go", action=lambda c: None)]), initial=True)
    async with Harness([flow]) as h:
        await h.command("shop", user=RIVAL)
        for _ in range(5):
            await h.send_component("ff:shop:~open", user=OWNER)
        await h.manager.drain()
        assert sum(1 for s in h.manager.sessions if s.user_id == OWNER) == 1


# -- 10: replayed REST requests -------------------------------------------------------------------------------------


async def test_rest_request_with_old_timestamp_is_refused(escaped: list[str]) -> None:
    """A validly signed request recorded long ago: 401, nothing runs."""
    async with Harness([shop_flow()], rest_bot=True) as h:
        payload = payloads.command_interaction(
            interaction_id=1_150_000_000_000_000_000,
            token="tok9999-0badcafe",
            user_id=OWNER,
            command_name="shop",
            application_id=h.discord.application_id,
        )
        status, _ = await signing.post_interaction(
            h._server_url, payload, h._signing_key, timestamp="1262304000"
        )
        assert status == 401 and len(h.manager.sessions) == 0
        status, _ = await signing.post_interaction(h._server_url, payload, h._signing_key)
        assert status == 200 and len(h.manager.sessions) == 1


@pytest.mark.parametrize("rest_bot", [False, True], ids=["gateway", "rest"])
async def test_rest_replay_runs_once(escaped: list[str], rest_bot: bool) -> None:
    """The same signed click posted three times runs once."""
    async with Harness([shop_flow()], rest_bot=rest_bot) as h:
        await h.command("shop", user=OWNER)
        first = await h.click("Look")
        buy = cid(h.message, "Buy")  # a valid id of the current screen
        for _ in range(2):
            await h.send_component(buy, interaction_id=first.interaction_id)
        assert not h.session(OWNER).data


# -- 11: a deleted menu runs the end hook ---------------------------------------------------------------------------


async def test_deleted_menu_runs_on_timeout_with_the_reason(escaped: list[str]) -> None:
    seen: list[Any] = []
    async with Harness([shop_flow()]) as h:
        h.manager.add_hook("on_timeout", lambda ctx: seen.append((ctx.session.id, ctx.end_reason)))
        await h.command("shop", user=OWNER)
        session = h.session(OWNER)
        assert isinstance(h.bot, hikari.GatewayBot) and session.message_id is not None
        event = h.bot.event_factory.deserialize_message_delete_event(
            None,  # type: ignore[arg-type]
            {"id": str(session.message_id), "channel_id": "222", "guild_id": "111"},
        )
        sent = len(h.discord.requests)
        await h.bot.event_manager.dispatch(event, return_tasks=True)
        await h.manager.drain()
        assert seen == [(session.id, "deleted")] and session.ended
        assert len(h.discord.requests) == sent  # nothing is edited: the message is gone


async def test_waiting_counts_against_the_step_timeout() -> None:
    """A click waiting behind a step that never ends is cancelled by its own step_timeout while it
    waits, and told so (before, it waited for the first step's timeout and then found the session
    ended).
    (The first step's own timeout is logged at ERROR, as any step's is.)"""
    never, entered, log = asyncio.Event(), asyncio.Event(), []
    runs: list[str] = []
    flow = gated_flow(never, entered, log)
    async with Harness([flow], defer_after=0.01, step_timeout=0.2) as h:
        h.manager.add_hook("on_action", lambda ctx: runs.append("action"))
        await h.command("gated", user=OWNER)
        menu = h.message
        first = asyncio.ensure_future(h.click("Go"))
        await entered.wait()
        second = await h.send_component(cid(menu, "Go"), message=menu)
        await first
        assert runs == ["action"]
        # its own answer (a follow-up after its defer): the step timeout, not "expired" after waiting
        own = [r.json for r in second.requests if second.token in r.path and isinstance(r.json, dict)]
        assert [j.get("content") for j in own if j.get("content")] == [h.manager.texts.timeout]


def test_replay_guard_memory_is_fixed() -> None:
    """The replay guard holds the last ``size`` ids: older ones are forgotten, never more held."""
    from flowfsm.engine.trust import SeenInteractions

    seen = SeenInteractions(size=3)
    assert all(seen.first_time(i) for i in range(10))
    assert not seen.first_time(9) and not seen.first_time(7)
    assert seen.first_time(6)  # forgotten: only the last three are held
    assert len(seen._ids) == len(seen._order) == 3
