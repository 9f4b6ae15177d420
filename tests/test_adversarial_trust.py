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
9         test_flood_of_clicks_is_bounded, test_new_session_replaces_the_same_flow,
          test_sessions_per_user_are_limited, test_forged_open_again_mints_one_session
10        test_rest_request_with_old_timestamp_is_refused, test_rest_replay_runs_once
11        test_deleted_menu_runs_on_timeout_with_the_reason
========  =====================================================================================
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import hikari
import pytest
from escapes import RecordTo, catch_escapes

from flowfsm import Button, Context, Flow, Screen, Tracer
from flowfsm.modals import Modal, TextField
from flowfsm.selects import RoleSelect, TextSelect
from flowfsm.testing import Harness, payloads, signing
from flowfsm.testing.harness import Reply, components_of

OWNER = 1001
RIVAL = 2002
TOKEN = re.compile(r"tok\d+-[0-9a-f]{8}")


@pytest.fixture
async def escaped() -> AsyncIterator[list[str]]:
    """Exceptions that reach the event loop and ERROR log records, checked empty at the end."""
    found: list[str] = []
    async with catch_escapes(
        lambda context: found.append(f"loop: {context.get('exception')!r}"),
        lambda record: found.append(f"log {record.name}: {record.getMessage()}"),
        logging.ERROR,
    ):
        yield found
    assert found == []


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
        return Screen(f"bought={ctx.data.get('bought', 0)}", items=[first, Button("Look", action=lambda c: None)])

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
    return next(str(c["custom_id"]) for c in components_of(message) if str(c.get("custom_id")).endswith(item_id))


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
    return await h.submit_modal(custom_id, fields, user=OWNER)


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
