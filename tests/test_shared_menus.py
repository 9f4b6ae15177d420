"""Shared menus (``Flow(access=...)``): who may click, per-user data, many users at once, screens.

Every click goes through the real miru client into the engine, as Discord-shaped JSON turned
into hikari entities. A refused click gets the "not your menu" reply and runs nothing: the
session's data and its message stay as they were.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio

from flowfsm import Access, Button, Context, Flow, Screen, Texts, Tracer
from flowfsm.define.access import OPENER, as_access
from flowfsm.errors import FlowDefinitionError
from flowfsm.testing import Harness, payloads
from flowfsm.tools.check import check_flow

HOST, GUEST, STRANGER = 1001, 2002, 3003
ROLE, OTHER_ROLE = 777, 888
NOT_YOURS = Texts().not_yours.format(command="room")
STALE = Texts().stale


async def _bump(ctx: Context) -> None:
    """A read-modify-write with a yield in between: unserialized clicks would lose updates."""
    seen = ctx.data.get("n", 0)
    await asyncio.sleep(0)
    ctx.data["n"] = seen + 1
    ctx.member_data["mine"] = ctx.member_data.get("mine", 0) + 1


def room(access: Any = None) -> Flow:
    """A counter anyone ``access`` allows may click: ``+1`` (id), ``pos`` (no id), ``next``."""
    flow = Flow("room", access=access)

    @flow.state(initial=True)
    def main(ctx: Context) -> Screen:
        return Screen(
            f"n={ctx.data.get('n', 0)} members={len(ctx.members)}",
            items=[
                Button("+1", id="inc", action=_bump),
                Button("pos", action=_bump),
                Button("Next", id="next", trigger="next"),
            ],
        )

    @flow.state()
    def other(ctx: Context) -> Screen:
        return Screen("other", items=[Button("Back", id="back", trigger="back")])

    flow.transition("next", "main", "other")
    flow.transition("back", "other", "main")
    return flow


@pytest_asyncio.fixture
async def open_room() -> AsyncIterator[Callable[..., Any]]:
    harnesses: list[Harness] = []

    async def make(access: Any = None, *, rest_bot: bool = False, **options: Any) -> Harness:
        h = await Harness([room(access)], rest_bot=rest_bot, **options).start()
        harnesses.append(h)
        await h.command("room", user=HOST)
        return h

    yield make
    for h in harnesses:
        await h.close()


def count(h: Harness) -> int:
    return int(h.manager.session_for(HOST).data.get("n", 0))


# -- who may click -------------------------------------------------------------------------------------


async def test_default_access_is_the_opener_only(open_room: Callable[..., Any]) -> None:
    h = await open_room()
    assert h.manager.flows["room"].access is OPENER and not OPENER.shared
    reply = await h.click("+1", user=GUEST)
    assert reply.ephemeral_text == NOT_YOURS and count(h) == 0
    await h.click("+1", user=HOST)
    assert count(h) == 1


@pytest.mark.parametrize("access", [Access.channel(), "channel"])
@pytest.mark.parametrize("rest_bot", [False, True])
async def test_channel_access_lets_anyone_click(
    open_room: Callable[..., Any], access: Any, rest_bot: bool
) -> None:
    h = await open_room(access, rest_bot=rest_bot)
    for user in (GUEST, STRANGER, HOST):
        reply = await h.click("+1", user=user)
        assert reply.ephemeral_text is None
    assert count(h) == 3
    assert h.message is not None and h.message["content"] == "n=3 members=3"


async def test_listed_users_may_click_others_may_not(open_room: Callable[..., Any]) -> None:
    h = await open_room(Access.members(users=[GUEST]))
    assert (await h.click("+1", user=GUEST)).ephemeral_text is None
    assert (await h.click("+1", user=STRANGER)).ephemeral_text == NOT_YOURS
    assert (await h.click("+1", user=HOST)).ephemeral_text is None  # the opener always may
    assert count(h) == 2


async def test_listed_roles_come_from_the_member_discord_sent(open_room: Callable[..., Any]) -> None:
    h = await open_room(Access.members(roles=[ROLE]))
    h.roles[GUEST] = [OTHER_ROLE, ROLE]
    h.roles[STRANGER] = [OTHER_ROLE]
    assert (await h.click("+1", user=GUEST)).ephemeral_text is None
    assert (await h.click("+1", user=STRANGER)).ephemeral_text == NOT_YOURS
    assert count(h) == 1


async def test_forged_role_ids_in_the_payload_do_not_grant_access(open_room: Callable[..., Any]) -> None:
    """The stranger puts the role everywhere a client can: a select's values and ``data.resolved``
    (the role itself, and their own resolved member holding it). Only ``member.roles`` counts."""
    h = await open_room(Access.members(roles=[ROLE]))
    h.roles[STRANGER] = [OTHER_ROLE]
    forged = payloads.resolved(users=[STRANGER], roles=[ROLE])
    forged["members"][str(STRANGER)]["roles"] = [str(ROLE)]
    custom_id = h.button("+1")["custom_id"]
    for component_type, values in ((2, None), (6, [str(ROLE)]), (7, [str(ROLE)])):
        reply = await h.send_component(
            custom_id, user=STRANGER, component_type=component_type, values=values, resolved=forged
        )
        assert reply.ephemeral_text == NOT_YOURS
    # A role id in the custom id names nothing either.
    reply = await h.send_component(custom_id + str(ROLE), user=STRANGER)
    assert reply.ephemeral_text == NOT_YOURS
    assert count(h) == 0
    h.roles[STRANGER] = [ROLE]  # the same stranger, once Discord says they hold the role
    assert (await h.click("+1", user=STRANGER)).ephemeral_text is None
    assert count(h) == 1


async def test_roles_in_a_dm_grant_nothing(open_room: Callable[..., Any]) -> None:
    """A DM interaction has no member, so no roles: only the opener and listed users click."""
    h = await open_room(Access.members(roles=[ROLE]))
    h.roles[GUEST] = [ROLE]
    reply = await h.send_component(h.button("+1")["custom_id"], user=GUEST, guild_id=None)
    assert reply.ephemeral_text == NOT_YOURS and count(h) == 0


async def test_a_predicate_decides_from_the_context(open_room: Callable[..., Any]) -> None:
    asked: list[tuple[int | None, bool]] = []

    async def on_team(ctx: Context) -> bool:
        asked.append((ctx.member_id, ctx.is_opener))
        return ctx.member_id in ctx.options.get("team", (GUEST,))

    h = await open_room(Access.check(on_team))
    assert (await h.click("+1", user=GUEST)).ephemeral_text is None
    assert (await h.click("+1", user=STRANGER)).ephemeral_text == NOT_YOURS
    await h.click("+1", user=HOST)
    assert asked == [(GUEST, False), (STRANGER, False)]  # the opener is not asked about
    assert count(h) == 2


async def test_a_failing_predicate_refuses_and_is_logged(
    open_room: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    def broken(ctx: Context) -> bool:
        raise RuntimeError("database down")

    h = await open_room(broken)  # a bare predicate is Access.check
    with caplog.at_level(logging.ERROR, logger="flowfsm"):
        reply = await h.click("+1", user=GUEST)
    assert reply.ephemeral_text == NOT_YOURS and count(h) == 0
    assert "access predicate of flow 'room' failed" in caplog.text and "database down" in caplog.text
    assert h.manager.session_for(HOST) is not None  # the session goes on


def test_access_values_are_checked_when_the_flow_is_defined() -> None:
    with pytest.raises(FlowDefinitionError, match="access must be"):
        Flow("bad", access="everyone")
    with pytest.raises(ValueError, match=r"users=\.\.\. or roles"):
        Access.members()
    with pytest.raises(ValueError, match="max_waiting"):
        Access.channel(max_waiting=0)
    assert as_access(None) is OPENER and as_access("opener") is OPENER
    assert Access.members(users=[5], roles=[6]).describe() == "shared: users 5; roles 6"


# -- per-user data, many users at once -----------------------------------------------------------------


async def test_member_data_is_per_user(open_room: Callable[..., Any]) -> None:
    h = await open_room("channel")
    for user in (GUEST, GUEST, STRANGER, GUEST):
        await h.click("+1", user=user)
    session = h.manager.session_for(HOST)
    assert session.members == {GUEST: {"mine": 3}, STRANGER: {"mine": 1}}
    assert session.data["n"] == 4


@pytest.mark.parametrize("rest_bot", [False, True])
async def test_many_users_clicking_at_once_are_serialized(
    open_room: Callable[..., Any], rest_bot: bool
) -> None:
    """Twenty users click the same screen together: every click runs, one at a time (the
    counter's read-modify-write yields in between, so overlapping steps would lose updates)."""
    h = await open_room("channel", rest_bot=rest_bot)
    message = dict(h.message or {})
    custom_id = h.button("+1")["custom_id"]
    users = [5000 + i for i in range(20)]
    replies = await asyncio.gather(*(h.send_component(custom_id, message=message, user=u) for u in users))
    await h.manager.drain()
    assert [r.ephemeral_text for r in replies] == [None] * 20
    assert count(h) == 20
    assert sorted(h.manager.session_for(HOST).members) == users
    assert h.message is not None and h.message["content"] == "n=20 members=20"


async def test_a_full_queue_on_a_shared_menu_is_busy(open_room: Callable[..., Any]) -> None:
    h = await open_room(Access.channel(max_waiting=3))
    message = dict(h.message or {})
    custom_id = h.button("+1")["custom_id"]
    await asyncio.gather(*(h.send_component(custom_id, message=message, user=6000 + i) for i in range(8)))
    answers = [r.json["data"].get("content") for r in h.discord.requests if r.path.endswith("/callback")]
    busy = answers.count(Texts().crowded)
    assert count(h) == 4 and busy == 4  # one running and three waiting; the other four are told "busy"


# -- screens: many users' clicks on one message ----------------------------------------------------------


async def test_another_users_click_on_an_earlier_screen_runs(open_room: Callable[..., Any]) -> None:
    h = await open_room("channel")
    earlier = dict(h.message or {})
    inc = h.button("+1")["custom_id"]
    await h.click("+1", user=GUEST)  # a new screen
    reply = await h.send_component(inc, message=earlier, user=STRANGER)
    assert reply.ephemeral_text is None and count(h) == 2


async def test_a_users_own_double_click_stays_stale(open_room: Callable[..., Any]) -> None:
    h = await open_room("channel")
    earlier = dict(h.message or {})
    inc = h.button("+1")["custom_id"]
    await h.send_component(inc, message=earlier, user=GUEST)
    reply = await h.send_component(inc, message=earlier, user=GUEST)
    assert reply.ephemeral_text == STALE and count(h) == 1
    reply = await h.send_component(inc, message=earlier, user=HOST)  # the opener's own first click
    assert reply.ephemeral_text is None and count(h) == 2
    reply = await h.send_component(inc, message=earlier, user=HOST)
    assert reply.ephemeral_text == STALE and count(h) == 2


async def test_earlier_screens_of_items_without_an_id_or_of_another_state_stay_stale(
    open_room: Callable[..., Any],
) -> None:
    h = await open_room("channel")
    earlier = dict(h.message or {})
    positional, nxt = h.button("pos")["custom_id"], h.button("Next")["custom_id"]
    await h.click("+1", user=GUEST)
    reply = await h.send_component(positional, message=earlier, user=STRANGER)
    assert reply.ephemeral_text == STALE and count(h) == 1
    await h.click("Next", user=GUEST)
    await h.click("Back", user=GUEST)  # the same state again, a later visit
    assert h.manager.session_for(HOST).state == "main"
    reply = await h.send_component(nxt, message=earlier, user=STRANGER)  # from the first visit
    assert reply.ephemeral_text == STALE and h.manager.session_for(HOST).state == "main"
    await h.click("Next", user=STRANGER)  # the current screen of this visit
    assert h.manager.session_for(HOST).state == "other"


async def test_an_opener_only_menu_keeps_strict_screens(open_room: Callable[..., Any]) -> None:
    h = await open_room()
    earlier = dict(h.message or {})
    inc = h.button("+1")["custom_id"]
    await h.click("+1", user=HOST)
    reply = await h.send_component(inc, message=earlier, user=HOST)
    assert reply.ephemeral_text == STALE and count(h) == 1
    assert h.manager.session_for(HOST).member_screens is None


# -- sessions of the users who click ----------------------------------------------------------------------


async def test_a_shared_menu_belongs_to_its_opener_alone(open_room: Callable[..., Any]) -> None:
    """Clicking someone's shared menu opens nothing of yours; your own command opens your own
    menu and leaves theirs open (only the opener's own new menu replaces it)."""
    h = await open_room("channel")
    hosts = h.menu_id
    await h.click("+1", user=GUEST)
    assert h.manager.sessions.of_user(GUEST) == {}
    await h.command("room", user=GUEST)
    assert set(h.manager.sessions.of_user(GUEST)) == {"room"}
    assert h.manager.session_for(HOST) is not None
    await h.click("+1", user=STRANGER, message_id=hosts)
    assert count(h) == 2


# -- the tracer --------------------------------------------------------------------------------------------


async def test_the_tracer_records_who_clicked(open_room: Callable[..., Any]) -> None:
    tracer = Tracer()
    h = await open_room("channel", tracer=tracer)
    await h.click("Next", user=GUEST)
    await h.click("Back", user=STRANGER)
    moves = [(e.trigger, e.user_id, e.clicker) for e in tracer.events(kind="transition")]
    assert moves == [("next", HOST, GUEST), ("back", HOST, STRANGER)]
    assert tracer.events(kind="start")[0].clicker == HOST


# -- flowfsm check -----------------------------------------------------------------------------------------


def test_check_flags_a_shared_menu_nobody_else_can_see() -> None:
    flow = Flow("secret", access="channel", ephemeral=True)
    flow.add_state("main", lambda ctx: "hi", initial=True, final=True)
    assert [str(f) for f in check_flow(flow)] == [
        "secret:*: access is shared: anyone in the channel, but only the opener sees an ephemeral "
        "message (Flow(ephemeral=True)); use ephemeral=False or Access.opener()"
    ]
    flow = Flow("mixed", access=Access.members(roles=[ROLE]))
    flow.add_state("main", lambda ctx: "hi", initial=True)
    flow.add_state("private", lambda ctx: "psst", ephemeral=True, final=True)
    flow.transition("go", "main", "private")
    assert [str(f) for f in check_flow(flow)] == [
        f"mixed:private: access is shared: roles {ROLE}, but only the opener sees an ephemeral message "
        "(ephemeral=True on this state)"
    ]
    opener_only = Flow("mine", ephemeral=True)
    opener_only.add_state("main", lambda ctx: "hi", initial=True, final=True)
    assert check_flow(opener_only) == []


# -- beyond one process --------------------------------------------------------------------------------------


async def test_member_data_travels_in_the_snapshot(open_room: Callable[..., Any]) -> None:
    """A remote store keeps each user's data with the session (a replica that loads it goes on)."""
    from flowfsm.engine.snapshot import decode_session, encode_session

    h = await open_room("channel")
    await h.click("+1", user=GUEST)
    await h.click("+1", user=STRANGER)
    session = h.manager.session_for(HOST)
    back = decode_session(encode_session(session), h.manager.flows)
    assert back.members == {GUEST: {"mine": 1}, STRANGER: {"mine": 1}}
    assert back.member_screens is None  # the screens users clicked are not kept
    session.members[GUEST]["oops"] = {1, 2}  # a set cannot be stored: named with its user
    with pytest.raises(Exception, match=f"ctx.member_data of user {GUEST}"):
        encode_session(session)


async def test_ctx_tell_in_a_command_step_reaches_the_opener() -> None:
    flow = Flow("hello")

    @flow.state(initial=True)
    def main(ctx: Context) -> Screen:
        ctx.tell("Only you can see this.")
        ctx.tell("And this.")
        return Screen("hello", items=[Button("Again", id="again", action=lambda ctx: None)])

    async with Harness([flow]) as h:
        reply = await h.command("hello")
        assert reply.type == 4 and reply.ephemeral_text == "Only you can see this.\nAnd this."
        assert h.message is not None and h.message["content"] == "hello"
        assert (await h.click("Again")).ephemeral_text == "Only you can see this.\nAnd this."
