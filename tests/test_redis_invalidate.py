"""``flows.invalidate`` on a RedisStore (real redis-server): the keys each stored session watches
are kept in Redis by the save script, any replica's invalidation marks the sessions watching a key,
one replica refreshes each (at most one edit per session per ``refresh_interval`` under a storm),
a claimed refresh whose replica dies is run after the lease, and sessions that end, expire or stop
watching leave the watch sets.

Replicas are FlowManagers in one process sharing the loopback Discord, one clock and one Redis
prefix (see tests/test_redis_engine.py).
"""

from __future__ import annotations

from typing import Any

from test_redis_engine import count_round_trips, replicas, same_menu

from flowfsm import Button, Context, Flow, Screen
from flowfsm.engine.external import NOT_HERE
from flowfsm.engine.stores.redis import RedisStore
from flowfsm.testing import Harness
from flowfsm.testing.harness import DEFAULT_USER as ALICE

STOCK = {"apple": 5}

shelf = Flow("shelf", timeout=60, command="shelf")
"""A shop shelf showing the stock of apples; ``peek`` shows a screen that watches nothing."""


def buy(ctx: Context) -> None:
    """One apple fewer; the other open shelves show it (this one re-renders anyway)."""
    STOCK["apple"] -= 1
    ctx.invalidate("stock", "apple")


@shelf.state(initial=True)
def showing(ctx: Context) -> Screen:
    """The stock line, watching the key it shows."""
    ctx.watch("stock", "apple")
    return Screen(
        f"apples: {STOCK['apple']}",
        items=[Button("Buy", action=buy), Button("Peek", trigger="peek"), Button("Done", trigger="done")],
    )


@shelf.state()
def peeking(ctx: Context) -> Screen:
    """A screen that watches nothing."""
    return Screen("peeking", items=[Button("Back", trigger="back")])


@shelf.state(final=True)
def closed(ctx: Context) -> Screen:
    """The end."""
    return Screen("closed")


shelf.transition("peek", "showing", "peeking")
shelf.transition("back", "peeking", "showing")
shelf.transition("done", "showing", "closed")
shelf.transition("restock", "peeking", "peeking")


def content(h: Harness) -> str:
    assert h.message is not None
    return str(h.message.get("content"))


def store_of(h: Harness) -> RedisStore:
    store = h.manager.remote
    assert isinstance(store, RedisStore)
    return store


async def watchers(h: Harness) -> set[str]:
    store = store_of(h)
    return {m.decode() for m in await store.redis.smembers(store.watch_set_key(("stock", "apple")))}


async def keys(h: Harness) -> list[str]:
    store = store_of(h)
    found = await store.redis.keys(f"{store.prefix}*")
    return sorted(k.decode()[len(store.prefix) :] for k in found)


def edit_count(h: Harness) -> int:
    """How many edits the loopback Discord received."""
    return sum(1 for request in h.discord.requests if request.method == "PATCH")


async def test_an_invalidation_on_one_replica_refreshes_a_session_another_stored(redis_store: Any) -> None:
    STOCK["apple"] = 5
    async with replicas(redis_store) as r:
        one, two = await r.replica([shelf]), await r.replica([shelf])
        await one.command("shelf")
        session_id = await store_of(one).user_session(ALICE, "shelf")
        assert await watchers(one) == {session_id}
        STOCK["apple"] = 4
        assert await two.manager.ainvalidate("nobody watches this") == 0  # loads the script
        sent = count_round_trips(store_of(two))
        assert await two.manager.ainvalidate("stock", "apple") == 1
        assert sent == ["EVALSHA"]  # one script marks every watcher
        await two.advance(0)
        assert content(one) == "apples: 4"
        assert two.manager.live_stats.refreshes == 1
        assert await watchers(one) == {session_id}  # the refreshed screen watches it again
        same_menu(two, one)
        await two.click("Buy")  # a refresh kept the screen's custom ids: the click is current
        assert content(two) == "apples: 3"


async def test_a_storm_gives_each_session_at_most_one_edit_per_interval(redis_store: Any) -> None:
    STOCK["apple"] = 100
    async with replicas(redis_store) as r:
        one, two = await r.replica([shelf]), await r.replica([shelf])
        users = [ALICE + n for n in range(5)]
        for user in users:
            await one.command("shelf", user=user)
        await one.manager.drain()
        before = edit_count(one)
        marked = 0
        for tick in range(40):  # 20 invalidations a second from both replicas for 2 s
            STOCK["apple"] -= 1
            marked += await (one if tick % 2 else two).manager.ainvalidate("stock", "apple")
            await (two if tick % 2 else one).advance(0.05)
        await one.advance(1)
        edits = edit_count(one) - before
        # 2 s of storm plus the trailing refresh: at most 3 edits a session (1 s interval).
        assert len(users) * 2 <= edits <= len(users) * 3
        assert marked == edits
        assert one.message is not None and content(one) == "apples: 60"  # the last one shows it


async def test_ctx_invalidate_skips_its_own_session(redis_store: Any) -> None:
    STOCK["apple"] = 5
    async with replicas(redis_store) as r:
        one, two = await r.replica([shelf]), await r.replica([shelf])
        await one.command("shelf", user=ALICE)
        await two.command("shelf", user=ALICE + 1)
        await two.click("Buy", user=ALICE + 1)
        await two.manager.drain()  # the sync invalidate queued the store's marking
        assert two.manager.live_stats.marked == 1  # the other shelf only
        await one.advance(0)
        assert content(two) == "apples: 4"
        assert one.manager.live_stats.refreshes + two.manager.live_stats.refreshes == 1


async def test_a_refresh_claim_that_dies_runs_after_the_lease(redis_store: Any) -> None:
    STOCK["apple"] = 5
    async with replicas(redis_store) as r:
        one, two = await r.replica([shelf], lease=5), await r.replica([shelf], lease=5)
        await one.command("shelf")
        same_menu(two, one)
        STOCK["apple"] = 2
        await one.manager.ainvalidate("stock", "apple")
        claims = await store_of(one).claim_live(r.clock.now)
        assert len(claims.refresh) == 1
        await r.stop(one)  # died with the claim
        await two.advance(4.9)
        assert content(two) == "apples: 5"
        await two.advance(0.1)
        assert content(two) == "apples: 2"


async def test_sessions_that_stop_watching_end_or_expire_leave_the_watch_sets(redis_store: Any) -> None:
    STOCK["apple"] = 5
    async with replicas(redis_store) as r:
        h = await r.replica([shelf])
        menus = []
        for n in range(3):
            await h.command("shelf", user=ALICE + n)
            menus.append(h.menu_id)
        assert len(await watchers(h)) == 3
        sent = count_round_trips(store_of(h))
        await h.click("Peek", user=ALICE + 2, message_id=menus[2])  # a screen that watches nothing
        assert sent == ["EVALSHA", "EVALSHA"]  # the watch sets ride in the save: still 2
        assert len(await watchers(h)) == 2
        first = await store_of(h).user_session(ALICE, "shelf")
        assert first is not None
        refused = await h.manager.send(first, "restock")  # not in this state: no render
        assert refused.status == NOT_HERE and first in await watchers(h)  # its watches are kept
        await h.click("Done", user=ALICE + 1, message_id=menus[1])  # ends
        assert len(await watchers(h)) == 1
        assert await h.manager.ainvalidate("stock", "apple") == 1
        await h.advance(61)  # the rest expire, the marked one with its refresh pending
        assert await keys(h) == sorted(f"u:{ALICE + n}:shelf" for n in range(3))
