"""Many clicks at once: one session's steps never overlap, and no acknowledged update is lost.

Identical clicks on one screen (a double-click, a flood) run once: the first runs, at most
``max_waiting`` wait for it and then find an earlier screen (``Texts.stale``), the rest are
told the menu is busy (``Texts.busy``) at once.

The counter's action reads the count, yields to the event loop twice (as an action awaiting a
database would), then writes count + 1: if two steps of one session ever overlapped, an increment
would be lost and the enter/exit log would interleave. Clicks go through the real miru client,
concurrently (``asyncio.gather``), on a gateway bot and on a REST bot.
"""

from __future__ import annotations

import asyncio
from typing import Any

import hikari
import pytest

from flowfsm import Button, Context, Flow, Screen
from flowfsm.testing import Harness
from flowfsm.testing.harness import Reply, components_of

OWNER = 1001


class Counter:
    """A counter flow whose action records when each step enters and leaves."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str]] = []
        self.inside: dict[str, int] = {}
        self.max_inside = 0
        self.gate: asyncio.Event | None = None
        self.entered = asyncio.Event()
        """Set when a step first enters the action."""
        self.flow = Flow("counter", command="count")
        self.flow.add_state("main", self.render, initial=True)

    async def inc(self, ctx: Context) -> None:
        sid = ctx.session.id
        self.inside[sid] = self.inside.get(sid, 0) + 1
        self.max_inside = max(self.max_inside, self.inside[sid])
        self.log.append(("enter", sid))
        self.entered.set()
        count = ctx.data.get("n", 0)
        if self.gate is not None:
            await self.gate.wait()
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        ctx.data["n"] = count + 1
        self.log.append(("exit", sid))
        self.inside[sid] -= 1

    def render(self, ctx: Context) -> Screen:
        return Screen(f"n={ctx.data.get('n', 0)}", items=[Button("+1", action=self.inc, id="inc")])


def _text(reply: Reply) -> str | None:
    """The content of this interaction's own initial response (concurrent replies' requests mix)."""
    callback = reply.callback
    return None if callback is None else callback["data"].get("content")


def _plus_id(message: dict[str, Any]) -> str:
    return str(components_of(message)[0]["custom_id"])


@pytest.mark.parametrize("rest_bot", [False, True], ids=["gateway", "rest"])
async def test_fifty_concurrent_clicks_are_serialized(escaped: list[str], rest_bot: bool) -> None:
    counter = Counter()
    async with Harness([counter.flow], rest_bot=rest_bot) as h:
        await h.command("count", user=OWNER)
        menu = h.message
        assert menu is not None
        session = h.session(OWNER)
        replies = await asyncio.gather(*(h.send_component(_plus_id(menu), message=menu) for _ in range(50)))
        texts = h.manager.texts
        assert [r.type for r in replies].count(hikari.ResponseType.MESSAGE_UPDATE) == 1
        refused = [_text(r) for r in replies if r.type != hikari.ResponseType.MESSAGE_UPDATE]
        assert set(refused) <= {texts.stale, texts.busy} and len(refused) == 49
        assert refused.count(texts.stale) <= h.manager.max_waiting or rest_bot
        assert counter.max_inside == 1
        assert counter.log == [("enter", session.id), ("exit", session.id)]
        assert session.data == {"n": 1}
        # fifty clicks, each on the screen then shown, on a second session: each runs once
        await h.command("count", user=OWNER + 1)
        second_id = h.menu_id
        assert second_id is not None
        for _ in range(50):
            second = h.discord.messages[second_id]
            reply = await h.send_component(_plus_id(second), message=second, user=OWNER + 1)
            assert reply.type == hikari.ResponseType.MESSAGE_UPDATE
        assert h.session(OWNER + 1).data == {"n": 50}
        assert h.discord.messages[second_id]["content"] == "n=50"
        assert h.discord.messages[int(menu["id"])]["content"] == "n=1"


async def test_thousand_users_at_once(escaped: list[str]) -> None:
    counter = Counter()
    users = range(50_000, 51_000)
    async with Harness([counter.flow]) as h:
        await asyncio.gather(*(h.command("count", user=user) for user in users))
        assert len(h.manager.sessions) == 1000
        by_user = {session.user_id: session for session in h.manager.sessions}
        assert sorted(by_user) == list(users)
        menus: dict[int, dict[str, Any]] = {}
        for user, session in by_user.items():
            assert session.message_id is not None
            menus[user] = h.discord.messages[session.message_id]
        replies = await asyncio.gather(
            *(h.send_component(_plus_id(menus[user]), message=menus[user], user=user) for user in users)
        )
        assert all(r.type == hikari.ResponseType.MESSAGE_UPDATE for r in replies)
        assert counter.max_inside == 1
        assert {session.user_id: session for session in h.manager.sessions} == by_user
        for user, session in by_user.items():
            assert session.data == {"n": 1}
            assert session.message_id is not None
            shown = h.discord.messages[session.message_id]
            assert shown["content"] == "n=1"
            # each message still shows its own session
            assert _plus_id(shown).split(":")[2] == _plus_id(menus[user]).split(":")[2] == session.id
        assert len({s.id for s in h.manager.sessions}) == 1000


async def test_clicks_queued_behind_a_slow_step_when_the_session_expires(escaped: list[str]) -> None:
    """Twenty clicks wait on the lock; the session expires meanwhile. Only what ran is acknowledged."""
    counter = Counter()
    counter.gate = asyncio.Event()
    async with Harness([counter.flow]) as h:
        await h.command("count", user=OWNER)
        menu = h.message
        assert menu is not None
        session = h.session(OWNER)
        clicks = [asyncio.ensure_future(h.send_component(_plus_id(menu), message=menu)) for _ in range(20)]
        await counter.entered.wait()
        h.clock.advance(session.flow.timeout + 1)
        assert h.manager.expire_due() == 1
        counter.gate.set()
        replies = await asyncio.gather(*clicks)
        await h.manager.drain()
        updated = [r for r in replies if r.type == hikari.ResponseType.MESSAGE_UPDATE]
        refused = [_text(r) for r in replies if r.type == hikari.ResponseType.MESSAGE_CREATE]
        assert len(updated) == 1 and len(refused) == 19
        # two waited for the session and found it expired; the queue was full for the others
        expired = h.manager.texts.expired.format(command="count")
        assert refused.count(expired) == h.manager.max_waiting == 2
        assert refused.count(h.manager.texts.busy) == 17
        assert session.data == {"n": 1}
        assert len(h.manager.sessions) == 0


async def test_expired_menu_stays_disabled_when_a_running_step_finishes(escaped: list[str]) -> None:
    """The expiry edit disables the buttons while a step still runs; the step's answer must not revive them."""
    counter = Counter()
    counter.gate = asyncio.Event()
    async with Harness([counter.flow]) as h:
        await h.command("count", user=OWNER)
        menu = h.message
        assert menu is not None
        session = h.session(OWNER)
        click = asyncio.ensure_future(h.send_component(_plus_id(menu), message=menu))
        await counter.entered.wait()
        # on_timeout and the expiry edit wait for the running step (they are serialized with it)
        expiry = asyncio.ensure_future(h.advance(session.flow.timeout + 1))
        counter.gate.set()
        await click
        await expiry
        await h.manager.drain()
        shown = h.discord.messages[int(menu["id"])]
        assert not [c for c in components_of(shown) if not c.get("disabled")], components_of(shown)
        assert session.data == {"n": 1} and len(h.manager.sessions) == 0


def _deferrals(h: Harness, since: int) -> int:
    return sum(1 for r in h.discord.requests[since:] if (r.json or {}).get("type") == 6)


async def test_click_waiting_for_the_session_is_deferred_in_time(escaped: list[str]) -> None:
    counter = Counter()
    counter.gate = asyncio.Event()
    async with Harness([counter.flow], defer_after=0.01) as h:
        await h.command("count", user=OWNER)
        menu = h.message
        assert menu is not None
        sent = len(h.discord.requests)
        first = asyncio.ensure_future(h.send_component(_plus_id(menu), message=menu))
        second: asyncio.Future[Any] | None = None
        try:
            # 2 s is a bound for the failing case only (200 x defer_after), not a timing measurement
            async with asyncio.timeout(2):
                while _deferrals(h, sent) < 1:  # noqa: ASYNC110 (the loopback Discord has no notification)
                    await asyncio.sleep(0.001)  # the first click's step is slow: it is deferred
                second = asyncio.ensure_future(h.send_component(_plus_id(menu), message=menu))
                while _deferrals(h, sent) < 2:  # noqa: ASYNC110
                    await asyncio.sleep(0.001)  # the second waits for the session: deferred too
        finally:
            counter.gate.set()
            await first
            if second is not None:
                await second
        # the second click was on the screen the first one replaced: it ran nothing
        assert h.session(OWNER).data == {"n": 1}
        assert second is not None and second.result().ephemeral_text == h.manager.texts.stale
