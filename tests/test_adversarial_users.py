"""Hostile or confused users: someone else's menu, DMs and guilds, clicks after the menu closed.

Every click goes through the real miru client (gateway bot unless said otherwise). A refused
click gets one ephemeral reply, and the session (state, data, activity time) and its message
stay exactly as they were; no exception reaches the event loop and nothing is logged at ERROR.
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import hikari
import pytest

from flowfsm import Button, Context, Flow, Screen, Session
from flowfsm.testing import Harness, payloads
from flowfsm.testing.harness import Reply

OWNER = 1001
RIVAL = 2002


def _inc(ctx: Context) -> None:
    ctx.data["n"] = ctx.data.get("n", 0) + 1


def _cancel(ctx: Context) -> None:
    ctx.close("Cancelled.")


def build_flow() -> Flow:
    """A counter with a details page, a final ``closed`` state and a Cancel action."""
    flow = Flow("counter", command="count")

    @flow.state(initial=True)
    def main(ctx: Context) -> Screen:
        return Screen(
            f"n={ctx.data.get('n', 0)}",
            items=[
                Button("+1", action=_inc),
                Button("Details", trigger="details"),
                Button("Close", trigger="close"),
                Button("Cancel", action=_cancel),
            ],
        )

    @flow.state()
    def details(ctx: Context) -> Screen:
        return Screen("details", items=[Button("Back", trigger="back")])

    @flow.state(final=True)
    def closed(ctx: Context) -> Screen:
        return Screen(f"closed at n={ctx.data.get('n', 0)}")

    flow.transition("details", "main", "details")
    flow.transition("back", "details", "main")
    flow.transition("close", "main", "closed")
    return flow


def snapshot(session: Session, message: dict[str, Any] | None) -> tuple[Any, ...]:
    """What a refused click must not change."""
    return (
        session.state,
        copy.deepcopy(session.data),
        copy.deepcopy(session.local),
        session.last_active,
        session.items,
        session.ended,
        copy.deepcopy(message),
    )


def assert_refused(reply: Reply, text: str) -> None:
    """One ephemeral reply with ``text``, and nothing else sent."""
    assert len(reply.requests) == 1, [(r.method, r.path) for r in reply.requests]
    assert reply.type == hikari.ResponseType.MESSAGE_CREATE
    data = (reply.callback or {})["data"]
    assert data["flags"] & payloads.EPHEMERAL
    assert data["content"] == text


async def test_second_user_cannot_click(escaped: list[str]) -> None:
    async with Harness([build_flow()]) as h:
        await h.command("count", user=OWNER)
        await h.click("+1", user=OWNER)
        session = h.session(OWNER)
        before = snapshot(session, h.message)
        for label in ("+1", "Details", "Close", "Cancel"):
            reply = await h.click(label, user=RIVAL)
            assert_refused(reply, h.manager.texts.not_yours.format(command="count"))
            assert snapshot(session, h.message) == before
        assert h.session(RIVAL) is None
        # the owner is unaffected
        await h.click("+1", user=OWNER)
        assert session.data == {"n": 2}
        assert h.message is not None and h.message["content"] == "n=2"


async def test_second_user_cannot_click_on_a_rest_bot(escaped: list[str]) -> None:
    async with Harness([build_flow()], rest_bot=True) as h:
        await h.command("count", user=OWNER)
        session = h.session(OWNER)
        before = snapshot(session, h.message)
        reply = await h.click("Close", user=RIVAL)
        assert reply.http_status == 200
        assert_refused(reply, h.manager.texts.not_yours.format(command="count"))
        assert snapshot(session, h.message) == before


@pytest.mark.parametrize("started_in", ["guild", "dm"])
@pytest.mark.parametrize("clicked_in", ["guild", "dm"])
async def test_dm_and_guild_clicks(escaped: list[str], started_in: str, clicked_in: str) -> None:
    """The owner is recognised whether the user comes as a guild member or a DM user; others never."""
    start_guild = 111 if started_in == "guild" else None
    click_guild = 111 if clicked_in == "guild" else None
    async with Harness([build_flow()]) as h:
        await h.command("count", user=OWNER, guild_id=start_guild)
        session = h.session(OWNER)
        assert session is not None
        before = snapshot(session, h.message)
        reply = await h.click("+1", user=RIVAL, guild_id=click_guild)
        assert_refused(reply, h.manager.texts.not_yours.format(command="count"))
        assert snapshot(session, h.message) == before
        reply = await h.click("+1", user=OWNER, guild_id=click_guild)
        assert reply.type == hikari.ResponseType.MESSAGE_UPDATE
        assert session.data == {"n": 1}
        await h.click("Close", user=OWNER, guild_id=click_guild)
        assert h.manager.sessions.get(session.id) is None
        assert h.message is not None and h.message["content"] == "closed at n=1"


@pytest.mark.parametrize("how", ["final state", "ctx.close", "timeout", "message deleted"])
async def test_click_after_close(escaped: list[str], how: str) -> None:
    """Whichever way the menu ended, an old button gets the expired reply and changes nothing."""
    async with Harness([build_flow()]) as h:
        await h.command("count", user=OWNER)
        await h.click("+1")
        menu_before_end = copy.deepcopy(h.message)
        assert menu_before_end is not None
        session = h.session(OWNER)
        if how == "final state":
            await h.click("Close")
        elif how == "ctx.close":
            await h.click("Cancel")
            assert h.message is not None and h.message["content"] == "Cancelled."
        elif how == "timeout":
            assert await h.advance(session.flow.timeout + 1) == 1
        else:
            assert isinstance(h.bot, hikari.GatewayBot) and session.message_id is not None
            event = h.bot.event_factory.deserialize_message_delete_event(
                None,  # type: ignore[arg-type]
                {"id": str(session.message_id), "channel_id": "222", "guild_id": "111"},
            )
            await h.bot.event_manager.dispatch(event, return_tasks=True)
        assert len(h.manager.sessions) == 0 and session.ended
        if how in ("final state", "ctx.close"):
            assert h.message is not None and not h.message["components"]
        if how == "timeout":
            assert h.message is not None
            assert all(c["disabled"] for row in h.message["components"] for c in row["components"])
        ended = snapshot(session, h.message)
        expired = h.manager.texts.expired.format(command="count")
        for label in ("+1", "Details", "Close", "Cancel"):
            for user in (OWNER, RIVAL):
                # the buttons as they were before the menu ended (a client showing an old copy)
                cid = _custom_id(menu_before_end, label)
                reply = await h.send_component(cid, message=menu_before_end, user=user)
                assert_refused(reply, expired)
                assert snapshot(session, h.message) == ended
        assert len(h.manager.sessions) == 0


def _custom_id(message: dict[str, Any], label: str) -> str:
    for row in message["components"]:
        for component in row["components"]:
            if component.get("label") == label:
                return str(component["custom_id"])
    raise AssertionError(f"no {label!r} on the message")


async def test_concurrent_close_and_click_by_the_owner(escaped: list[str]) -> None:
    """A double click on Close: one closes, the other finds the session gone (expired reply)."""
    async with Harness([build_flow()]) as h:
        await h.command("count", user=OWNER)
        close = _custom_id(h.message or {}, "Close")
        plus = _custom_id(h.message or {}, "+1")
        menu = copy.deepcopy(h.message)
        replies = await asyncio.gather(
            h.send_component(close, message=menu), h.send_component(plus, message=menu)
        )
        types = sorted(r.type or 0 for r in replies)
        assert len(h.manager.sessions) == 0
        # either +1 ran first and then Close, or Close first and +1 was refused
        if types == [4, 7]:
            refused = next(r for r in replies if r.type == 4)
            assert refused.ephemeral_text == h.manager.texts.expired.format(command="count")
            assert h.message is not None and h.message["content"] == "closed at n=0"
        else:
            assert types == [7, 7]
            assert h.message is not None and h.message["content"] == "closed at n=1"
