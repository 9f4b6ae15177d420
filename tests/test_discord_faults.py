"""Discord failing under us: deleted messages, dead interactions, rate limits, server errors.

Faults come from the loopback Discord (``FakeDiscord.fail_next``) or from really deleting the
message there; hikari's own REST client meets them (its 429 and 5xx retries included). Whatever
happens, no exception reaches the event loop, a session whose message or interaction is gone is
removed, and nothing is sent twice.

hikari retries 500/502/503/504 up to ``max_retries`` (3 by default) after exponential back-off
with jitter (1-2 s, 2-3 s, 4-5 s): :func:`test_server_errors_exhaust_retries_then_end_cleanly`
waits through all three (about 7-10 s, bounded at 30 s), the other 5xx test through one.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import hikari
import pytest
from escapes import RecordTo, catch_escapes

from flowfsm import Button, Context, Flow, Screen, Session
from flowfsm.testing import Harness
from flowfsm.testing.harness import Reply, components_of

OWNER = 1001
CALLBACK = r"^/interactions/\d+/[^/]+/callback$"
EDIT_ORIGINAL = r"^/webhooks/\d+/[^/]+/messages/@original$"
UNKNOWN_INTERACTION = {"code": 10062, "message": "Unknown interaction"}


def build_flow(gate: asyncio.Event | None = None) -> Flow:
    """A counter; ``slow +1`` takes 50 ms, or until ``gate`` is set (deferred when ``defer_after`` is smaller)."""
    flow = Flow("faulty", command="faulty")

    def inc(ctx: Context) -> None:
        ctx.data["n"] = ctx.data.get("n", 0) + 1

    async def slow_inc(ctx: Context) -> None:
        if gate is None:
            await asyncio.sleep(0.05)
        else:
            await gate.wait()
        inc(ctx)

    @flow.state(initial=True)
    def main(ctx: Context) -> Screen:
        n = ctx.data.get("n", 0)
        return Screen(f"n={n}", items=[Button("+1", action=inc), Button("slow +1", action=slow_inc)])

    return flow


@dataclass
class Watch:
    """Exceptions that reached the event loop, and log records at WARNING and above."""

    loop: list[str] = field(default_factory=list)
    records: list[logging.LogRecord] = field(default_factory=list)

    def errors(self) -> list[str]:
        """ERROR records, as text."""
        return [f"{r.name}: {r.getMessage()}" for r in self.records if r.levelno >= logging.ERROR]


TOKEN = re.compile(r"tok\d+-[0-9a-f]{8}")
"""The shape of every interaction token the harness issues."""


@pytest.fixture
async def watch() -> AsyncIterator[Watch]:
    """Collects escapes; at the end, no exception may have reached the event loop, and no log
    record of any level (message or traceback) holds an interaction token."""
    found = Watch()
    every: list[logging.LogRecord] = []
    logger = logging.getLogger("flowfsm")
    level = logger.level
    logger.setLevel(logging.DEBUG)
    handler = RecordTo(every.append, logging.DEBUG)
    logger.addHandler(handler)
    try:
        async with catch_escapes(
            lambda context: found.loop.append(f"{context.get('exception')!r}"),
            found.records.append,
            logging.WARNING,
        ):
            yield found
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert found.loop == []
    formatter = logging.Formatter("%(name)s %(message)s")
    leaks = [text for r in every if TOKEN.search(text := formatter.format(r))]
    assert leaks == [], leaks


def held(h: Harness, session: Session) -> bool:
    """Whether the manager still holds ``session``."""
    return h.manager.sessions.get(session.id) is session


def statuses(reply: Reply, pattern: str) -> list[int]:
    """Statuses of the reply's requests whose path matches ``pattern``."""
    return [r.status for r in reply.requests if re.search(pattern, r.path)]


# -- 404: the message or the interaction is gone -------------------------------------------------------------


async def test_unknown_message_on_the_click_callback_ends_the_session(watch: Watch) -> None:
    async with Harness([build_flow()]) as h:
        await h.command("faulty", user=OWNER)
        session = h.session(OWNER)
        h.discord.fail_next("POST", CALLBACK, 404)
        reply = await h.click("+1")
        assert statuses(reply, CALLBACK) == [404]
        assert h.manager.sessions.get(session.id) is None and session.ended
        assert len(reply.requests) == 1  # the message is gone: nothing else is tried
        assert watch.errors() == []


def assert_shown_another_way(h: Harness, session: Session, menu: dict[str, Any], watch: Watch) -> None:
    """The failed reply's step stands and its screen reached the menu through the channel: the
    session goes on, the menu agrees with it (live, current screen), and a WARNING says so."""
    assert held(h, session) and session.data == {"n": 1}
    shown = h.discord.messages[int(menu["id"])]
    assert shown["content"] == "n=1"
    assert all(f":{session.screen:x}:" in c["custom_id"] for c in components_of(shown))
    assert any("showing the new screen another way" in r.getMessage() for r in watch.records)
    assert watch.errors() == []


async def test_unknown_interaction_on_the_click_callback_edits_the_menu(watch: Watch) -> None:
    """The click's step committed, but its interaction died (10062): the channel edit shows it."""
    async with Harness([build_flow()]) as h:
        await h.command("faulty", user=OWNER)
        session, menu = h.session(OWNER), h.message
        assert menu is not None
        h.discord.fail_next("POST", CALLBACK, 404, body=UNKNOWN_INTERACTION)
        reply = await h.click("+1")
        assert statuses(reply, CALLBACK) == [404]
        assert_shown_another_way(h, session, menu, watch)
        again = await h.click("+1")  # the edited menu is live and agrees with the session
        assert again.type == hikari.ResponseType.MESSAGE_UPDATE and session.data == {"n": 2}


async def test_really_deleted_message_ends_the_session(watch: Watch) -> None:
    """The message is deleted on Discord and no delete event arrives (e.g. a REST-only bot): the
    next click's update gets 404 Unknown Message."""
    async with Harness([build_flow()]) as h:
        await h.command("faulty", user=OWNER)
        session = h.session(OWNER)
        menu = h.message
        assert menu is not None
        await h.bot.rest.delete_message(222, int(menu["id"]))
        reply = await h.send_component(components_of(menu)[0]["custom_id"], message=menu)
        assert statuses(reply, CALLBACK) == [404]
        assert h.manager.sessions.get(session.id) is None
        assert watch.errors() == []


@pytest.mark.parametrize("rest_bot", [False, True], ids=["gateway", "rest"])
@pytest.mark.parametrize("code", [10008, 10062], ids=["unknown-message", "unknown-interaction"])
async def test_not_found_on_the_edit_after_a_defer(watch: Watch, rest_bot: bool, code: int) -> None:
    """Unknown Message: the session ends. Unknown Interaction: the menu is edited another way (the
    channel for a gateway bot; the previous interaction's webhook for a REST bot, which has no id)."""
    async with Harness([build_flow()], rest_bot=rest_bot, defer_after=0.01) as h:
        await h.command("faulty", user=OWNER)
        session, menu = h.session(OWNER), h.message
        assert menu is not None
        h.discord.fail_next("PATCH", EDIT_ORIGINAL, 404, body=UNKNOWN_INTERACTION if code == 10062 else None)
        reply = await h.click("slow +1")
        assert reply.type == hikari.ResponseType.DEFERRED_MESSAGE_UPDATE
        assert statuses(reply, EDIT_ORIGINAL)[0] == 404
        if code == 10008:
            assert h.manager.sessions.get(session.id) is None
            assert watch.errors() == []
        else:
            assert_shown_another_way(h, session, menu, watch)


async def test_not_found_on_the_expiry_edit(watch: Watch) -> None:
    async with Harness([build_flow()]) as h:
        await h.command("faulty", user=OWNER)
        h.discord.fail_next("PATCH", EDIT_ORIGINAL, 404)
        assert await h.advance(301) == 1
        assert len(h.manager.sessions) == 0
        assert [r.status for r in h.discord.requests if r.method == "PATCH"] == [404]
        assert watch.errors() == []


# -- 429: hikari waits retry_after and retries; nothing is sent twice ----------------------------------------


async def test_rate_limited_click_is_retried_once(watch: Watch) -> None:
    async with Harness([build_flow()]) as h:
        await h.command("faulty", user=OWNER)
        session = h.session(OWNER)
        h.discord.fail_next("POST", CALLBACK, 429, retry_after=0.05)
        reply = await h.click("+1")
        assert statuses(reply, CALLBACK) == [429, 200]
        assert reply.type == hikari.ResponseType.MESSAGE_UPDATE
        assert session.data == {"n": 1}  # the step ran once; only the HTTP call was repeated
        assert h.message is not None and h.message["content"] == "n=1"
        assert len([r for r in reply.requests if r.status == 200]) == 1
        assert h.manager.sessions.get(session.id) is session


@pytest.mark.parametrize("rest_bot", [False, True], ids=["gateway", "rest"])
async def test_rate_limited_edit_after_a_defer(watch: Watch, rest_bot: bool) -> None:
    async with Harness([build_flow()], rest_bot=rest_bot, defer_after=0.01) as h:
        await h.command("faulty", user=OWNER)
        session = h.session(OWNER)
        h.discord.fail_next("PATCH", EDIT_ORIGINAL, 429, retry_after=0.05, times=2)
        reply = await h.click("slow +1")
        assert reply.type == hikari.ResponseType.DEFERRED_MESSAGE_UPDATE
        assert statuses(reply, EDIT_ORIGINAL) == [429, 429, 200]
        assert session.data == {"n": 1}
        assert h.message is not None and h.message["content"] == "n=1"


async def test_rate_limited_expiry_edits(watch: Watch) -> None:
    async with Harness([build_flow()]) as h:
        for user in range(10):
            await h.command("faulty", user=5000 + user)
        h.discord.fail_next("PATCH", EDIT_ORIGINAL, 429, retry_after=0.02, times=5)
        assert await h.advance(301) == 10
        patches = [r.status for r in h.discord.requests if r.method == "PATCH"]
        assert patches.count(429) == 5 and patches.count(200) == 10
        disabled = [m for m in h.discord.messages.values() if components_of(m)]
        assert len(disabled) == 10 and all(c["disabled"] for m in disabled for c in components_of(m))
        assert len(h.manager.sessions) == 0


# -- 5xx: bounded retries, then a clean end ------------------------------------------------------------------


@pytest.mark.parametrize("status", [500])
async def test_one_server_error_is_retried(watch: Watch, status: int) -> None:
    """One 5xx, then success: hikari's single retry (after 1-2 s) answers the click exactly once."""
    async with Harness([build_flow()]) as h:
        await h.command("faulty", user=OWNER)
        session = h.session(OWNER)
        h.discord.fail_next("POST", CALLBACK, status)
        async with asyncio.timeout(10):
            reply = await h.click("+1")
        assert statuses(reply, CALLBACK) == [status, 200]
        assert session.data == {"n": 1}
        assert h.message is not None and h.message["content"] == "n=1"
        assert h.manager.sessions.get(session.id) is session


async def test_server_errors_exhaust_retries_then_end_cleanly(watch: Watch) -> None:
    """503 on every try: hikari gives up after 1 + 3 attempts; the menu is edited through the
    channel to the step's screen, the session goes on, nothing escapes.

    At the same time (to wait through hikari's back-off once), another session's edit after a
    deferral meets 500s until hikari gives up too.
    """
    gate = asyncio.Event()
    async with Harness([build_flow(gate)], defer_after=0.01) as h:
        await h.command("faulty", user=OWNER)
        first, first_menu = h.session(OWNER), h.message
        await h.command("faulty", user=OWNER + 1)
        second, second_menu = h.session(OWNER + 1), h.message
        assert first_menu is not None and second_menu is not None
        sent = len(h.discord.requests)
        async with asyncio.timeout(30):
            slow_click = asyncio.ensure_future(
                h.send_component(components_of(first_menu)[1]["custom_id"], message=first_menu)
            )
            # the loopback Discord has no notification: look at its requests at every turn of the loop
            deferrals: list[Any] = []
            while not deferrals:
                await asyncio.sleep(0)
                deferrals = [r for r in h.discord.requests[sent:] if (r.json or {}).get("type") == 6]
            token = deferrals[0].path.split("/")[3]
            slow_edit = rf"^/webhooks/\d+/{re.escape(token)}/messages/@original$"
            h.discord.fail_next("PATCH", slow_edit, 500, times=4)
            h.discord.fail_next("POST", CALLBACK, 503, times=4)
            gate.set()
            fast = await h.send_component(
                components_of(second_menu)[0]["custom_id"], message=second_menu, user=OWNER + 1
            )
            slow = await slow_click
        # bounded: the first attempt and hikari's three retries, then it gave up
        assert statuses(fast, CALLBACK) == [503] * 4
        assert statuses(slow, slow_edit) == [500] * 4
        # each step's screen reached its menu through the channel; the sessions go on
        for session, menu in ((first, first_menu), (second, second_menu)):
            assert_shown_another_way(h, session, menu, watch)
        # each failure was reported at WARNING with its session
        reports = [
            r.getMessage() for r in watch.records if "showing the new screen another way" in r.getMessage()
        ]
        assert len(reports) == 2 and {first.id, second.id} <= {w for r in reports for w in r.split()}
        # nothing was left half-done
        count = len(h.discord.requests)
        await h.manager.drain()
        assert len(h.discord.requests) == count


# -- a message-delete event removes the session ---------------------------------------------------------------


@pytest.mark.parametrize("where", ["guild", "dm"])
async def test_message_delete_event_removes_the_session(watch: Watch, where: str) -> None:
    guild_id = 111 if where == "guild" else None
    async with Harness([build_flow()]) as h:
        await h.command("faulty", user=OWNER, guild_id=guild_id)
        await h.command("faulty", user=OWNER + 1, guild_id=guild_id)
        session = h.session(OWNER)
        other = h.session(OWNER + 1)
        assert session is not None and other is not None
        assert isinstance(h.bot, hikari.GatewayBot) and session.message_id is not None
        payload: dict[str, Any] = {"id": str(session.message_id), "channel_id": "222"}
        if guild_id is not None:
            payload["guild_id"] = str(guild_id)
        event = h.bot.event_factory.deserialize_message_delete_event(None, payload)  # type: ignore[arg-type]
        expected = hikari.GuildMessageDeleteEvent if guild_id else hikari.DMMessageDeleteEvent
        assert isinstance(event, expected)
        await h.bot.event_manager.dispatch(event, return_tasks=True)
        assert h.manager.sessions.get(session.id) is None and session.ended
        assert held(h, other)
        # an unrelated message's deletion changes nothing
        unrelated = h.bot.event_factory.deserialize_message_delete_event(
            None,  # type: ignore[arg-type]
            {**payload, "id": "123456789"},
        )
        await h.bot.event_manager.dispatch(unrelated, return_tasks=True)
        assert held(h, other)
        # nothing is edited for the deleted one when time passes
        before = len(h.discord.requests)
        assert await h.advance(301) == 1
        assert [r.path for r in h.discord.requests[before:] if r.method == "PATCH"] != []
        assert len(h.discord.requests[before:]) == 1  # only the other session's expiry edit
        assert watch.errors() == []
