"""The lobby example end to end, through a gateway bot and through a REST bot: a menu the whole
channel clicks, a live count, "you joined" told to the one who joined, cooldowns, the host's
guards, and many players joining at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from examples.lobby import lobby
from flowfsm import Tracer
from flowfsm.testing import Harness

HOST, ANN, BEN, CAT, DAN = 1001, 2002, 3003, 4004, 5005


@pytest_asyncio.fixture(params=["gateway", "rest"])
async def h(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    async with Harness([lobby], rest_bot=request.param == "rest", tracer=Tracer()) as harness:
        await harness.command("lobby", user=HOST)
        yield harness


def content(h: Harness) -> str:
    assert h.message is not None
    return str(h.message["content"])


async def test_the_host_opens_the_lobby_as_its_first_player(h: Harness) -> None:
    assert content(h).startswith(f"**Lobby** hosted by <@{HOST}>: 1/4 joined, 0 ready")
    assert h.labels() == ["Join", "Leave", "Ready", "Start", "Close"]


async def test_joining_updates_the_count_and_tells_only_the_joiner(h: Harness) -> None:
    reply = await h.click("Join", user=ANN)
    assert reply.type == 7  # the shared message is updated in place...
    assert reply.ephemeral_text == "You joined the lobby (2/4)."  # ...and Ann alone is told
    assert "2/4 joined" in content(h) and f"⏳ <@{ANN}>" in content(h)
    reply = await h.click("Join", user=BEN)
    assert reply.ephemeral_text == "You joined the lobby (3/4)."
    h.clock.advance(2.0)
    assert (await h.click("Join", user=ANN)).ephemeral_text == "You are already in the lobby."


async def test_ready_and_leave(h: Harness) -> None:
    async def click(label: str) -> str | None:
        h.clock.advance(2.0)  # past the 2-second cooldowns, and within the rate limit
        return (await h.click(label, user=ANN)).ephemeral_text

    assert await click("Ready") == "Join the lobby first."
    assert await click("Leave") == "You are not in the lobby."
    await click("Join")
    assert await click("Ready") == "You are ready."
    assert "1 ready" in content(h) and f"✅ <@{ANN}>" in content(h)
    assert await click("Ready") == "You are not ready any more."
    assert await click("Leave") == "You left the lobby."
    assert "1/4 joined, 0 ready" in content(h) and f"<@{ANN}>" not in content(h)


async def test_a_full_lobby_turns_joiners_away(h: Harness) -> None:
    for user in (ANN, BEN, CAT):
        await h.click("Join", user=user)
    assert (await h.click("Join", user=DAN)).ephemeral_text == "The lobby is full."
    assert "4/4 joined" in content(h) and f"<@{DAN}>" not in content(h)


async def test_clicking_too_fast_is_told_to_slow_down(h: Harness) -> None:
    await h.click("Join", user=ANN)
    await h.click("Ready", user=ANN)
    before = content(h)
    reply = await h.click("Ready", user=ANN)
    assert reply.ephemeral_text == "Slow down: try again in 2 s."
    assert content(h) == before and "1 ready" in before  # Ann's second Ready ran nothing
    assert (await h.click("Ready", user=BEN)).ephemeral_text == "Join the lobby first."  # Ben's own cooldown


async def test_the_rate_limit_holds_across_buttons(h: Harness) -> None:
    """5 clicks in 10 s: a burst of five, then one every 2 s — whatever the buttons."""
    for _ in range(2):
        for label in ("Join", "Ready", "Leave"):
            assert (await h.click(label, user=ANN)).ephemeral_text != "Slow down: try again in 2 s."
        h.clock.advance(2.0)  # the buttons' cooldowns pass; one more click's worth of rate
    assert (await h.click("Join", user=ANN)).ephemeral_text == "You joined the lobby (2/4)."
    h.clock.advance(1.0)
    reply = await h.click("Ready", user=ANN)  # no cooldown on Ready any more, but the rate is spent
    assert reply.ephemeral_text == "Slow down: try again in 1 s."
    assert f"⏳ <@{ANN}>" in content(h)


async def test_only_the_host_starts_once_everyone_is_ready(h: Harness) -> None:
    assert (await h.click("Start", user=HOST)).ephemeral_text == "At least two players must join."
    await h.click("Join", user=ANN)
    await h.click("Ready", user=ANN)
    assert (await h.click("Start", user=HOST)).ephemeral_text == "Still waiting for 1 player(s) to be ready."
    await h.click("Ready", user=HOST)
    assert (await h.click("Start", user=ANN)).ephemeral_text == "Only the host can do that."
    assert h.manager.session_for(HOST).state == "waiting"
    await h.click("Start", user=HOST)
    assert content(h) == f"🎮 Game on: <@{HOST}>, <@{ANN}>"
    assert h.manager.session_for(HOST) is None  # a final state: the lobby is over
    tracer = h.manager_options["tracer"]  # the test's own (pytest --flowfsm-cov wraps the manager's)
    clicks = [(e.trigger, e.clicker) for e in tracer.events(kind="transition")]
    assert clicks == [("start", HOST)]


async def test_only_the_host_closes(h: Harness) -> None:
    await h.click("Join", user=ANN)
    assert (await h.click("Close", user=ANN)).ephemeral_text == "Only the host can do that."
    await h.click("Close", user=HOST)
    assert content(h) == "The host closed the lobby."
    assert h.manager.session_for(HOST) is None


async def test_players_joining_together_are_all_counted(h: Harness) -> None:
    message = dict(h.message or {})
    join = h.button("Join")["custom_id"]
    await asyncio.gather(*(h.send_component(join, message=message, user=u) for u in (ANN, BEN, CAT, DAN)))
    await h.manager.drain()
    assert "4/4 joined" in content(h)  # three joined, the last one found it full: no join lost
    members = h.manager.session_for(HOST).members
    assert sum(1 for data in members.values() if data.get("joined")) == 4 and len(members) == 5
