"""Live menus through the real stack: ``flows.send``, timed edges, ``ctx.watch`` / ``flows.invalidate``.

Everything runs through :class:`flowfsm.testing.Harness` (loopback Discord, real hikari entities,
the real miru client), in gateway and REST-bot modes where the path differs; time is the
harness's clock (``h.advance``), never a sleep.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from examples import auction, inventory
from examples.inventory_db import InventoryDB
from flowfsm import Button, Context, Flow, FlowError, Screen
from flowfsm.testing import Harness
from flowfsm.testing.harness import DEFAULT_USER, OTHER_USER

ALICE, BOB = DEFAULT_USER, OTHER_USER
MODES = pytest.mark.parametrize("rest_bot", [False, True], ids=["gateway", "rest"])


def content(h: Harness, message_id: int | None = None) -> str:
    message = h.discord.messages[message_id] if message_id is not None else h.message
    assert message is not None
    return str(message["content"])


# -- the auction example: timed edges and external bids ---------------------------------------------------


@MODES
async def test_auction_counts_down_takes_bids_from_outside_and_sells(rest_bot: bool) -> None:
    async with Harness([auction.auction], rest_bot=rest_bot) as h:
        await h.command("auction")
        assert "highest bid **100** coins (opening bid) · ⏳ 60 s left" in content(h)

        await h.advance(10)  # the tick edge fires by itself
        assert "⏳ 50 s left" in content(h)

        await h.click("Bid 110")
        assert "**110** coins (you)" in content(h)

        results = await auction.external_bid(h.manager, "Carol", 150)
        assert [r.status for r in results] == ["sent"]
        assert "**150** coins (Carol)" in content(h) and h.labels() == ["Bid 160", "Leave"]

        lower = await auction.external_bid(h.manager, "Dave", 120)
        assert [r.status for r in lower] == ["refused"]  # the condition kept the higher bid
        assert "(Carol)" in content(h)

        await h.advance(50)  # the last ticks, then `close` after 60 s
        assert content(h) == "🔨 Sold to Carol: the antique clock for **150** coins."
        assert h.session() is None
        assert await auction.external_bid(h.manager, "Eve", 500) == []  # no open auction left


@MODES
async def test_auction_won_by_the_user_and_leaving(rest_bot: bool) -> None:
    async with Harness([auction.auction], rest_bot=rest_bot) as h:
        await h.command("auction")
        await h.click("Bid 110")
        await h.advance(60)
        assert content(h) == "🔨 You win: the antique clock for **110** coins."

        await h.command("auction", user=BOB)
        await h.click("Leave", user=BOB)
        assert content(h) == "You left the auction at **100** coins."
        assert h.manager.timed_plans() == {}  # ended sessions leave no timed plan behind


async def test_a_click_does_not_restart_the_countdown() -> None:
    async with Harness([auction.auction]) as h:
        await h.command("auction")
        await h.advance(25)
        await h.click("Bid 110")  # a render in the same state keeps the state's plan
        await h.advance(35)
        assert content(h).startswith("🔨 You win")


# -- flows.send --------------------------------------------------------------------------------------------

gate_flow = Flow("gated", timeout=600)
EVENTS: list[str] = []
GATE: dict[str, asyncio.Event] = {}


async def slow(ctx: Context) -> None:
    """A click that holds the session's lock until the test opens the gate."""
    EVENTS.append("click starts")
    GATE["entered"].set()
    await GATE["open"].wait()
    ctx.data["clicks"] = ctx.data.get("clicks", 0) + 1
    EVENTS.append("click ends")


async def slow_go(ctx: Context) -> None:
    """A click that holds the lock, then leaves the state."""
    await slow(ctx)
    await ctx.fire("go")


def noted(name: str) -> Any:
    def note(ctx: Context) -> None:
        EVENTS.append(f"{name} sees {ctx.data.get('clicks', 0)} click(s)")

    return note


@gate_flow.state(initial=True)
def waiting(ctx: Context) -> Screen:
    return Screen(
        content=f"clicks {ctx.data.get('clicks', 0)} pings {ctx.data.get('pings', 0)}",
        items=[
            Button("Slow", action=slow, id="slow"),
            Button("Go", trigger="go", id="go"),
            Button("Slow go", action=slow_go, id="slow-go"),
        ],
    )


@gate_flow.state()
def elsewhere(ctx: Context) -> Screen:
    return Screen(content="elsewhere", items=[Button("Home", trigger="home", id="home")])


def ping(ctx: Context) -> None:
    ctx.data["pings"] = ctx.data.get("pings", 0) + 1


gate_flow.transition("ping", "waiting", None, before=[noted("ping"), ping])
gate_flow.transition("tick", "waiting", None, every=5, before=[noted("tick"), ping])
gate_flow.transition("go", "waiting", "elsewhere")
gate_flow.transition("home", "elsewhere", "waiting")


@pytest.fixture
def gate() -> dict[str, asyncio.Event]:
    EVENTS.clear()
    GATE.update(entered=asyncio.Event(), open=asyncio.Event())
    return GATE


@MODES
async def test_send_racing_a_click_waits_for_it(rest_bot: bool, gate: dict[str, asyncio.Event]) -> None:
    async with Harness([gate_flow], rest_bot=rest_bot) as h:
        await h.command("gated")
        click = asyncio.create_task(h.click("Slow"))
        await gate["entered"].wait()
        send = asyncio.create_task(h.manager.send(ALICE, "ping"))
        for _ in range(20):
            await asyncio.sleep(0)  # give the send every chance to cut in
        assert not send.done() and EVENTS == ["click starts"]

        gate["open"].set()
        await click
        result = await send
        assert result.ok and result.state == "waiting"
        assert EVENTS == ["click starts", "click ends", "ping sees 1 click(s)"]
        assert content(h) == "clicks 1 pings 1"


async def test_send_to_unknown_expired_or_ended_sessions_is_a_clear_result(caplog: Any) -> None:
    async with Harness([gate_flow, auction.auction]) as h:
        assert (await h.manager.send("no-such-session", "ping")).status == "no_session"
        assert (await h.manager.send(ALICE, "ping")).status == "no_session"
        assert "has no open menu" in (await h.manager.send(ALICE, "ping")).detail

        await h.command("gated")
        session, gated_menu = h.session(), h.menu_id
        await h.command("auction")
        ambiguous = await h.manager.send(ALICE, "ping")
        assert ambiguous.status == "ambiguous" and "flow=" in ambiguous.detail
        assert (await h.manager.send(ALICE, "ping", flow="gated")).ok
        assert (await h.manager.send(session, "ping")).ok

        await h.click("Go", message_id=gated_menu)
        moved = await h.manager.send(session, "ping")
        assert moved.status == "not_here" and moved.state == "elsewhere"
        with pytest.raises(FlowError, match="declares no trigger 'nope'"):
            await h.manager.send(session, "nope")

        await h.advance(601)  # both sessions expire
        assert (await h.manager.send(session, "ping")).status == "no_session"
        assert (await h.manager.send(session.id, "ping")).status == "no_session"
        assert (await h.manager.send(ALICE, "ping", flow="gated")).status == "no_session"
        assert h.manager.open_sessions(flow="gated") == []


async def test_open_sessions_by_flow_and_user() -> None:
    async with Harness([gate_flow, auction.auction]) as h:
        await h.command("gated")
        await h.command("gated", user=BOB)
        await h.command("auction", user=BOB)
        assert {s.user_id for s in h.manager.open_sessions(flow="gated")} == {ALICE, BOB}
        assert [s.flow.name for s in h.manager.open_sessions(user=ALICE)] == ["gated"]
        assert [s.user_id for s in h.manager.open_sessions(flow=auction.auction, user=BOB)] == [BOB]
        assert len(h.manager.open_sessions()) == 3


# -- timed edges and the lock ------------------------------------------------------------------------------


@MODES
async def test_timed_edge_due_while_a_click_holds_the_lock_runs_after_it(
    rest_bot: bool, gate: dict[str, asyncio.Event]
) -> None:
    async with Harness([gate_flow], rest_bot=rest_bot) as h:
        await h.command("gated")
        click = asyncio.create_task(h.click("Slow"))
        await gate["entered"].wait()
        h.clock.advance(5)
        h.manager.tick()  # the shared timer's work: the tick is queued, and waits for the lock
        for _ in range(20):
            await asyncio.sleep(0)
        assert EVENTS == ["click starts"]

        gate["open"].set()
        await click
        await h.manager.drain()
        assert EVENTS == ["click starts", "click ends", "tick sees 1 click(s)"]
        assert content(h) == "clicks 1 pings 1"


async def test_timed_edge_of_a_state_the_click_left_does_not_fire(gate: dict[str, asyncio.Event]) -> None:
    async with Harness([gate_flow]) as h:
        await h.command("gated")
        click = asyncio.create_task(h.click("Slow go"))
        await gate["entered"].wait()
        h.clock.advance(5)
        h.manager.tick()  # the tick is queued and waits for the lock; the click leaves `waiting`
        gate["open"].set()
        await click
        await h.manager.drain()
        assert h.session().state == "elsewhere" and "pings" not in str(h.session().data)
        assert h.manager.timed_plans() == {}  # `elsewhere` has no timed edge

        await h.click("Home")  # back in `waiting`: a new plan, counted from now
        await h.advance(4.9)
        assert content(h) == "clicks 1 pings 0"
        await h.advance(0.1)
        assert content(h) == "clicks 1 pings 1"


async def test_no_task_per_idle_session_with_timed_edges() -> None:
    async with Harness([gate_flow]) as h:
        await h.command("gated")
        await h.manager.drain()
        before = len(asyncio.all_tasks())
        for user in range(5000, 5050):
            await h.command("gated", user=user)
        await h.manager.drain()
        assert len(h.manager.timed_plans()) == 51
        assert len(asyncio.all_tasks()) == before  # plans are heap entries, not tasks
        await h.advance(5)
        assert len(asyncio.all_tasks()) == before
        assert all(
            content(h, s.message_id).endswith("pings 1") for s in h.manager.open_sessions(flow="gated")
        )


# -- ephemeral menus past their 15-minute token -----------------------------------------------------------

private = Flow("private", timeout=3600, ephemeral=True)


@private.state(initial=True)
def offer(ctx: Context) -> Screen:
    ctx.watch("offers")
    return Screen(content=f"offer, {ctx.data.get('seen', 0)} look(s)", items=[Button("Look", action=look)])


def look(ctx: Context) -> None:
    ctx.data["seen"] = ctx.data.get("seen", 0) + 1


@private.state(final=True)
def gone(ctx: Context) -> Screen:
    return Screen(content="the offer is gone")


private.transition("expire", "offer", "gone", after=1000)
private.transition("nudge", "offer", None)


async def test_an_ephemeral_menu_past_its_token_is_left_alone_until_the_next_click(caplog: Any) -> None:
    caplog.set_level(logging.INFO, "flowfsm")
    async with Harness([private]) as h:
        await h.command("private")
        await h.advance(900)
        result = await h.manager.send(ALICE, "nudge")
        assert result.status == "unreachable" and "15-minute" in result.detail
        assert h.manager.invalidate("offers") == 1
        await h.advance(1)
        assert h.manager.live_stats.unreachable == 1 and h.manager.live_stats.refreshes == 0
        await h.advance(100)  # `expire` is due, but no edit could show it: not fired
        session = h.session()
        assert session is not None and session.state == "offer"
        assert "timed 'expire' not run on session" in caplog.text
        assert session.token and session.token not in caplog.text  # no secret in the log

        await h.click("Look")  # a fresh token: the waiting edge fires at once
        await h.advance(0)
        assert h.session() is None and content(h) == "the offer is gone"


# -- invalidation: the shop's stock across users ----------------------------------------------------------

CATALOG = (
    ("potion", "Healing potion", "potions", 10, 20),
    ("elixir", "Elixir", "potions", 45, 1),
    ("sword", "Iron sword", "weapons", 60, 5),
)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[InventoryDB]:
    current = inventory.configure(tmp_path / "shop.sqlite3", catalog=CATALOG, timer=lambda: 0.0)
    yield current
    await current.close()


@MODES
async def test_a_purchase_updates_the_stock_in_every_other_open_shop(
    rest_bot: bool, store: InventoryDB
) -> None:
    async with Harness([inventory.inventory], rest_bot=rest_bot) as h:
        menus = {}
        for user in (ALICE, BOB, 3003):
            await h.command("inventory", user=user)
            menus[user] = h.menu_id
        await h.click("Potions", user=ALICE, message_id=menus[ALICE])
        await h.click("Potions", user=BOB, message_id=menus[BOB])  # BOB browses, 3003 stays at the shop
        await h.manager.drain()
        assert "• Potions: 2 item(s) in stock" in content(h, menus[3003])

        await h.click("Buy Elixir", user=ALICE, message_id=menus[ALICE])
        await h.manager.drain()

        assert "Elixir** · 45 coins · **sold out**" in content(h, menus[BOB])  # no click of Bob's
        assert "• Potions: 1 item(s) in stock" in content(h, menus[3003])
        assert h.manager.live_stats.refreshes == 2  # Bob and 3003; Alice's own step re-rendered
        # The refresh kept Bob's screen: his click on a button from before it is not stale.
        await h.click("Buy Healing potion", user=BOB, message_id=menus[BOB])
        assert "Bought **Healing potion**" in content(h, menus[BOB])


async def test_an_invalidation_storm_is_coalesced_within_the_bound(store: InventoryDB) -> None:
    users = range(4000, 4020)
    async with Harness([inventory.inventory], refresh_interval=1.0) as h:
        for user in users:
            await h.command("inventory", user=user)
            await h.click("Potions", user=user, message_id=h.menu_id)
        await h.manager.drain()
        edits_before = len(h.discord.requests)

        steps, per_step = 100, 10  # 1,000 invalidations over 5 seconds
        for _ in range(steps):
            for _ in range(per_step):
                h.manager.invalidate("stock", "potion")
            await h.advance(0.05)
        await h.advance(1)

        stats = h.manager.live_stats
        duration = steps * 0.05 + 1
        bound = len(users) * (int(duration / h.manager.refresh_interval) + 1)
        edits = len(h.discord.requests) - edits_before
        assert stats.invalidations == steps * per_step
        assert stats.flushes <= int(duration / h.manager.refresh_interval) + 1
        assert 0 < stats.refreshes == edits <= bound
        assert stats.coalesced >= steps * per_step * len(users) - bound


async def test_a_refresh_that_changes_the_items_starts_a_new_screen(store: InventoryDB) -> None:
    async with Harness([inventory.inventory]) as h:
        await h.command("inventory", user=BOB)
        bob = h.menu_id
        await h.click("Potions", user=BOB, message_id=bob)
        before = h.session(BOB).screen
        await store.purchase(ALICE, "elixir")
        h.manager.invalidate("stock", "elixir")
        await h.manager.drain()
        # The button is disabled now, its action the same: the same screen, refreshed.
        assert h.session(BOB).screen == before and "sold out" in content(h, bob)
        assert h.manager.watched_keys()  # Bob's screen re-declared what it watches
