"""Timed edges on a RedisStore (real redis-server): the plan lives with the session in Redis, so a
replica that never saw the session fires its edge, a claim that dies with its replica is fired by
another after the lease (exactly once), an edge due while another replica's click holds the session
fires after that click, a restart keeps the plan, and ended sessions leave no key behind.

Replicas are FlowManagers in one process sharing the loopback Discord, one clock and one Redis
prefix (see tests/test_redis_engine.py); tests/test_redis_replicas.py runs real processes.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import remote_flows
from test_redis_engine import count_round_trips, replicas, same_menu, slow_step_waiting

from examples.auction import auction
from flowfsm import Button, Context, Flow, Screen
from flowfsm.engine.stores.redis import RedisStore
from flowfsm.testing import Harness
from flowfsm.testing.harness import DEFAULT_USER as ALICE


@pytest.fixture(autouse=True)
def _fresh_events() -> None:
    remote_flows.RELEASE = asyncio.Event()  # an event belongs to the loop of its first wait


def content(h: Harness) -> str:
    assert h.message is not None
    return str(h.message.get("content"))


def store_of(h: Harness) -> RedisStore:
    store = h.manager.remote
    assert isinstance(store, RedisStore)
    return store


async def keys(h: Harness) -> list[str]:
    """Every key the store's prefix holds, sorted."""
    store = store_of(h)
    found = await store.redis.keys(f"{store.prefix}*")
    return sorted(k.decode()[len(store.prefix) :] for k in found)


async def test_a_timed_edge_fires_on_a_replica_that_never_saw_the_session(redis_store: Any) -> None:
    async with replicas(redis_store) as r:
        one, two = await r.replica([auction]), await r.replica([auction])
        await one.command("auction")
        assert "60 s left" in content(one)
        store = store_of(two)
        due = await store.redis.zrange(store.timed_key, 0, -1, withscores=True)
        assert [(sid.decode(), score) for sid, score in due] == [
            (await store.user_session(ALICE, "auction"), r.clock.now + 10)
        ]
        await one.manager.drain()
        await two.advance(10)  # only the second replica looks: it fires the first tick
        assert "50 s left" in content(one)
        assert two.manager.live_stats.timed_fired == 1 and one.manager.live_stats.timed_fired == 0
        assert len(two.manager.sessions) == 0 and two.manager.timed_plans() == {}


async def test_a_click_keeps_the_countdown_and_costs_two_round_trips(redis_store: Any) -> None:
    async with replicas(redis_store) as r:
        one, two = await r.replica([auction]), await r.replica([auction])
        await one.command("auction")
        await two.advance(4)
        same_menu(two, one)
        sent = count_round_trips(store_of(two))
        await two.click("Bid 110")  # a click in the same state: the plan goes on where it was
        assert sent == ["EVALSHA", "EVALSHA"]
        assert "110" in content(two) and "60 s left" in content(two)
        await one.advance(6)
        assert "50 s left" in content(one)  # 10 s after the lot opened, not after the click
        for _ in range(5):
            await (one if _ % 2 else two).advance(10)
        assert "You win" in content(one) and "**110**" in content(one)
        assert await keys(one) == [f"u:{ALICE}:auction"]  # nothing left but the user index


async def test_a_claim_that_dies_with_its_replica_fires_after_the_lease_once(redis_store: Any) -> None:
    async with replicas(redis_store) as r:
        one = await r.replica([auction], lease=5)
        two = await r.replica([auction], lease=5)
        await one.command("auction")
        same_menu(two, one)
        r.clock.now += 10
        # The first replica claims the due edge, then dies before it loads the session.
        claims = await store_of(one).claim_live(r.clock.now)
        assert len(claims.timed) == 1
        await r.stop(one)
        assert (await store_of(two).claim_live(r.clock.now)).timed == []  # claimed: not twice
        await two.advance(4.9)
        assert "60 s left" in content(two)
        await two.advance(0.1)  # the claim's lease ran out: the other replica fires it
        assert "50 s left" in content(two)
        assert two.manager.live_stats.timed_fired == 1
        await two.advance(4.9)
        assert "50 s left" in content(two)  # fired once, late; the cadence stays: next at 20 s
        await two.advance(0.1)
        assert "40 s left" in content(two)
        assert two.manager.live_stats.timed_fired == 2


async def test_two_claims_of_one_due_time_fire_it_once(redis_store: Any) -> None:
    async with replicas(redis_store) as r:
        one, two = await r.replica([auction], lease=1), await r.replica([auction], lease=1)
        await one.command("auction")
        r.clock.now += 10
        first = await store_of(one).claim_live(r.clock.now)
        r.clock.now += 1  # the lease runs out before the first claimer runs it
        second = await store_of(two).claim_live(r.clock.now)
        assert first.timed == second.timed != []
        await asyncio.gather(
            one.manager._fire_stored(store_of(one), first.timed[0]),
            two.manager._fire_stored(store_of(two), second.timed[0]),
        )
        assert "50 s left" in content(one)
        fired = one.manager.live_stats.timed_fired + two.manager.live_stats.timed_fired
        assert fired == 1  # the second loaded the plan the first saved: nothing due


ticker = Flow("ticker", timeout=120, command="ticker")
"""A counter that also counts timed ticks, with a Slow button that holds the session's lock."""


def ticked(ctx: Context) -> None:
    """One more tick."""
    ctx.data["ticks"] = ctx.data.get("ticks", 0) + 1


async def slowly(ctx: Context) -> None:
    """Wait for the test to let go."""
    await remote_flows.RELEASE.wait()
    ctx.data["slow"] = True


@ticker.state(initial=True)
def ticking(ctx: Context) -> Screen:
    """The ticks so far."""
    return Screen(f"ticks={ctx.data.get('ticks', 0)}", items=[Button("Slow", action=slowly)])


ticker.transition("tick", "ticking", "ticking", every=5, before=ticked)


async def test_an_edge_due_while_another_replica_holds_the_session_fires_after(redis_store: Any) -> None:
    async with replicas(redis_store) as r:
        one, two = await r.replica([ticker]), await r.replica([ticker], wait=0.05)
        await one.command("ticker")
        clicking = asyncio.ensure_future(one.click("Slow"))
        await slow_step_waiting()
        r.clock.now += 5
        claims = await store_of(two).claim_live(r.clock.now)
        assert claims.timed == [] and claims.next_due is not None  # locked: left to the click
        assert claims.next_due <= r.clock.now
        remote_flows.RELEASE.set()
        await clicking
        assert content(one) == "ticks=0"
        await two.advance(0)  # the click's save wrote the due time again: it fires now
        assert content(one) == "ticks=1"
        assert two.manager.live_stats.timed_fired == 1


async def test_a_restart_keeps_the_plan(redis_store: Any) -> None:
    async with replicas(redis_store) as r:
        one = await r.replica([ticker])
        await one.command("ticker")
        await one.advance(5)
        assert content(one) == "ticks=1"
        await r.stop(one)  # a deploy: no process runs for a while
        r.clock.now += 3
        again = await r.replica([ticker])
        same_menu(again, one)
        await again.advance(2)
        assert content(one) == "ticks=2"  # 5 s after the previous tick, as planned before


async def test_ended_and_expired_sessions_leave_no_timed_entry(redis_store: Any) -> None:
    async with replicas(redis_store) as r:
        h = await r.replica([ticker, auction])
        await h.command("ticker")
        await h.command("auction", user=ALICE + 1)
        assert await store_of(h).redis.zcard(store_of(h).timed_key) == 2
        await h.advance(180)  # the auction sells, then the ticker's session expires (120 s idle)
        assert await keys(h) == sorted([f"u:{ALICE + 1}:auction", f"u:{ALICE}:ticker"])
