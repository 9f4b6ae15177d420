"""The engine on a RedisStore (real redis-server): clicks load and lock their session and save it
back in two round trips, a restarted bot serves an open menu, replicas take turns without lost
updates, one step at a time, busy and lost-lease steps, values that cannot be stored, changed
flows, and expiry claimed by exactly one process.

"Replicas" here are FlowManagers in one process, each with its own miru client, RedisStore and
Redis connections, sharing the loopback Discord (tests/test_redis_replicas.py runs them as
separate processes). Engine time is one fake clock, also the stores' wall clock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import hikari
import pytest
import remote_flows
from remote_flows import counter

from flowfsm import Button, Flow, FlowManager, Screen
from flowfsm.engine.stores.redis import RedisStore
from flowfsm.testing import FakeClock, FakeDiscord, Harness


@pytest.fixture(autouse=True)
def _fresh_events() -> None:
    remote_flows.RELEASE = asyncio.Event()  # an event belongs to the loop of its first wait
    remote_flows.TIMED_OUT.clear()


async def slow_step_waiting() -> None:
    """Until a Slow step waits in the middle, holding its session's lock."""
    for _ in range(10_000):
        if remote_flows.RELEASE._waiters:  # type: ignore[attr-defined]
            return
        await asyncio.sleep(0.001)
    raise AssertionError("the Slow step never started")


class Replicas:
    """Harnesses sharing one loopback Discord, one clock and one Redis prefix."""

    def __init__(self, make_store: Callable[..., RedisStore], discord: FakeDiscord) -> None:
        self.make_store = make_store
        self.discord = discord
        self.clock = FakeClock(1_800_000_000.0)
        self.running: list[Harness] = []

    async def replica(self, flows: list[Flow] | None = None, **store_options: Any) -> Harness:
        store = self.make_store(wall=self.clock, **store_options)
        harness = Harness(flows or [counter], discord=self.discord, store=store, clock=self.clock)
        harness.clock = self.clock
        self.running.append(await harness.start())
        return harness

    async def stop(self, harness: Harness) -> None:
        """The process goes away (a deploy); what it stored stays in Redis."""
        self.running.remove(harness)
        await harness.close()


@asynccontextmanager
async def replicas(redis_store: Callable[..., RedisStore]) -> AsyncIterator[Replicas]:
    async with FakeDiscord() as discord:
        r = Replicas(redis_store, discord)
        try:
            yield r
        finally:
            for harness in list(r.running):
                await r.stop(harness)


def same_menu(to: Harness, source: Harness) -> None:
    """``to`` shows (and clicks) the menu ``source`` opened."""
    to.menu_id = source.menu_id


def content(h: Harness) -> str:
    assert h.message is not None
    return str(h.message.get("content"))


def count_round_trips(store: RedisStore) -> list[str]:
    """Record every command the store's client sends (each is one round trip: no pipelines)."""
    sent: list[str] = []
    send = store.redis.execute_command

    async def counted(*args: Any, **options: Any) -> Any:
        sent.append(str(args[0]))
        return await send(*args, **options)

    store.redis.execute_command = counted  # type: ignore[method-assign]
    return sent


async def test_a_click_costs_two_round_trips_and_leaves_nothing_in_the_process(redis_store: Any) -> None:
    async with replicas(redis_store) as r:
        h = await r.replica()
        await h.command("counter")
        await h.click("Add")  # scripts loaded, connections made
        store = h.manager.remote
        assert isinstance(store, RedisStore)
        sent = count_round_trips(store)
        for expected in (2, 3, 4):
            sent.clear()
            await h.click("Add")
            assert sent == ["EVALSHA", "EVALSHA"]  # load-and-lock, save-and-unlock
            assert content(h) == f"n={expected}"
        assert len(h.manager.sessions) == 0
        assert h.session() is None  # nothing of the session stays in the process between clicks


async def test_a_restarted_bot_serves_the_next_click_of_an_open_menu(redis_store: Any) -> None:
    async with replicas(redis_store) as r:
        first = await r.replica()
        await first.command("counter")
        await first.click("Add")
        await r.stop(first)  # the deploy: the process goes away, its store stays in Redis
        second = await r.replica()
        same_menu(second, first)
        reply = await second.click("Add")
        assert reply.ephemeral_text is None
        assert content(second) == "n=2"
        await second.click("Done")
        assert content(second) == "final n=2"
        assert await second.manager.remote.next_deadline() is None  # type: ignore[union-attr]


async def test_clicks_alternating_replicas_lose_no_update(redis_store: Any) -> None:
    async with replicas(redis_store) as r:
        one, two = await r.replica(), await r.replica()
        await one.command("counter")
        for index in range(10):
            h = (one, two)[index % 2]
            same_menu(h, one)
            reply = await h.click("Add")
            assert reply.ephemeral_text is None
        assert content(one) == "n=10"


async def test_two_replicas_clicking_one_session_at_once_run_one_step(redis_store: Any) -> None:
    async with replicas(redis_store) as r:
        one, two = await r.replica(), await r.replica()
        await one.command("counter")
        same_menu(two, one)
        slow = asyncio.create_task(one.click("Slow"))
        await slow_step_waiting()
        racing = asyncio.create_task(two.click("Add"))
        await asyncio.sleep(0.05)  # the racing click now waits for the lock in Redis
        assert not racing.done()
        remote_flows.RELEASE.set()
        await slow
        second = await racing
        # The racing click was on the screen the Slow step replaced: it runs nothing.
        assert second.ephemeral_text is not None and "earlier screen" in second.ephemeral_text
        assert content(one) == "n=1"


async def test_a_click_waits_for_another_replicas_step_at_most_wait_then_busy(redis_store: Any) -> None:
    async with replicas(redis_store) as r:
        h = await r.replica(wait=0.1)
        await h.command("counter")
        session_id = h.button("Add")["custom_id"].split(":")[2]
        other = r.make_store(wall=r.clock)
        other.bind({"counter": counter}, r.clock)
        async with other.lock(session_id) as held:  # another replica's step holds it
            assert held is not None
            reply = await h.click("Add")
            assert reply.ephemeral_text is not None and "busy" in reply.ephemeral_text
        reply = await h.click("Add")
        assert reply.ephemeral_text is None and content(h) == "n=1"


async def test_a_step_whose_lease_was_lost_does_not_commit(
    redis_store: Any, caplog: pytest.LogCaptureFixture
) -> None:
    async with replicas(redis_store) as r:
        h = await r.replica()
        await h.command("counter")
        store = h.manager.remote
        assert isinstance(store, RedisStore)
        session_id = h.button("Add")["custom_id"].split(":")[2]
        slow = asyncio.create_task(h.click("Slow"))
        await slow_step_waiting()
        # The lease ran out and another replica took the session (its own token on the lock).
        await store.redis.set(store.lock_key(session_id), "another-replica")
        remote_flows.RELEASE.set()
        with caplog.at_level(logging.WARNING, "flowfsm"):
            await slow
        assert "not stored" in caplog.text
        stored = await store.load(session_id)
        assert stored is not None and stored.data == {}  # the count of 1 was not committed


async def test_a_value_that_cannot_be_stored_fails_its_step_naming_flow_state_and_key(
    redis_store: Any, caplog: pytest.LogCaptureFixture
) -> None:
    async with replicas(redis_store) as r:
        h = await r.replica()
        await h.command("counter")
        store = h.manager.remote
        assert isinstance(store, RedisStore)
        session_id = h.button("Add")["custom_id"].split(":")[2]
        with caplog.at_level(logging.ERROR, "flowfsm"):
            reply = await h.send_component(h.button("Bad")["custom_id"])
        assert reply.ephemeral_text is not None and "went wrong" in reply.ephemeral_text
        assert "flow 'counter', state 'count', ctx.data key 'pair'" in caplog.text
        assert await store.load(session_id) is None  # ended, not left half-stored


def shop_v1() -> Flow:
    flow = Flow("changing", timeout=60, resume=lambda interaction: {})

    @flow.state(initial=True)
    def browse(ctx: Any) -> Screen:
        return Screen("browse", items=[Button("Next", trigger="go")])

    @flow.state()
    def basket(ctx: Any) -> Screen:
        return Screen("basket v1", items=[Button("Back", trigger="back")])

    flow.transition("go", "browse", "basket")
    flow.transition("back", "basket", "browse")
    return flow


def shop_v2(migrations: dict[str, str] | None = None) -> Flow:
    flow = Flow("changing", timeout=60, resume=lambda interaction: {}, migrations=migrations or {})

    @flow.state(initial=True)
    def browse(ctx: Any) -> Screen:
        return Screen("browse", items=[Button("Next", trigger="go")])

    @flow.state()
    def cart(ctx: Any) -> Screen:  # "basket" was renamed
        return Screen("cart v2", items=[Button("Back", trigger="back")])

    flow.transition("go", "browse", "cart")
    flow.transition("back", "cart", "browse")
    return flow


async def test_a_flow_whose_state_vanished_gives_the_expired_reply_with_open_again(redis_store: Any) -> None:
    async with replicas(redis_store) as r:
        old = await r.replica([shop_v1()])
        await old.command("changing")
        await old.click("Next")
        await r.stop(old)
        new = await r.replica([shop_v2()])
        same_menu(new, old)
        reply = await new.click("Back")
        assert reply.error is None
        assert reply.ephemeral_text is not None and "expired" in reply.ephemeral_text
        callback = reply.callback
        assert callback is not None
        buttons = [c for row in callback["data"]["components"] for c in row["components"]]
        assert [b["label"] for b in buttons] == ["Open again"]


async def test_a_migration_carries_a_live_session_into_the_renamed_state(redis_store: Any) -> None:
    async with replicas(redis_store) as r:
        old = await r.replica([shop_v1()])
        await old.command("changing")
        await old.click("Next")
        await r.stop(old)
        new = await r.replica([shop_v2({"basket": "cart"})])
        same_menu(new, old)
        reply = await new.click("Back")
        assert reply.ephemeral_text is None
        assert content(new) == "browse"


async def test_expiry_is_claimed_by_exactly_one_replica_and_survives_a_restart(redis_store: Any) -> None:
    async with replicas(redis_store) as r:
        first = await r.replica()
        await first.command("counter")
        await first.click("Add")
        await r.stop(first)  # a restart in the middle of the session's timeout
        one, two = await r.replica(), await r.replica()
        r.clock.advance(59)
        assert await one.manager.expire_stored() + await two.manager.expire_stored() == 0
        r.clock.advance(2)  # past the deadline set before the restart: no timeout was reset
        counts = await asyncio.gather(one.manager.expire_stored(), two.manager.expire_stored())
        await one.manager.drain()
        await two.manager.drain()
        assert sorted(counts) == [0, 1]
        assert [n for _, n in remote_flows.TIMED_OUT] == [1]
        menu = r.discord.messages[first.menu_id]  # type: ignore[index]
        assert all(c.get("disabled") for row in menu["components"] for c in row["components"])


async def test_the_expiry_task_is_one_per_process_and_stops_with_the_manager(redis_store: Any) -> None:
    async with FakeDiscord() as discord:
        store = redis_store(poll=0.05)
        async with Harness([counter], discord=discord, store=store, auto_expire=True) as h:
            await h.command("counter")
            poller = h.manager._poller
            assert poller is not None and not poller.done()
            await h.click("Add")
            assert h.manager._poller is poller
        assert poller.done()


async def test_text_input_states_need_the_memory_store(redis_store: Any) -> None:
    from flowfsm import FlowDefinitionError

    reads = Flow("reads", timeout=60)

    @reads.state(initial=True, on_message=lambda ctx, text: None)
    def ask(ctx: Any) -> str:
        return "say something"

    async with FakeDiscord() as discord:
        with pytest.raises(FlowDefinitionError, match="MemoryStore"):
            async with Harness([reads], discord=discord, store=redis_store()):
                pass


def test_a_remote_store_is_recognised_and_the_memory_store_stays_the_default() -> None:
    from flowfsm import MemoryStore, RemoteStore, SessionStore

    assert not isinstance(MemoryStore(), RemoteStore)
    assert isinstance(MemoryStore(), SessionStore)
    assert isinstance(RedisStore("redis://127.0.0.1:1/0"), RemoteStore)
    assert FlowManager.__init__.__kwdefaults__["store"] is None  # type: ignore[index]


async def test_gateway_shards_memory_store_keeps_a_session_on_its_shard_redis_lets_any_serve_it(
    redis_store: Any,
) -> None:
    # Two gateway bots in one test stand for two shard processes: Discord sends a guild's
    # interactions to the shard that owns the guild, so a session started there is clicked there;
    # a click reaches another process only when the guild moves (resharding, a restart with
    # another shard count) or when interactions go to an HTTP endpoint instead.
    async with FakeDiscord() as discord:
        async with Harness([counter], discord=discord) as owner, Harness([counter], discord=discord) as other:
            await owner.command("counter")
            await owner.click("Add")
            same_menu(other, owner)
            reply = await other.click("Add")
            assert reply.ephemeral_text is not None and "expired" in reply.ephemeral_text
            assert content(owner) == "n=1"  # MemoryStore: only the owning process has the session
    async with replicas(redis_store) as r:
        owner, other = await r.replica(), await r.replica()
        assert isinstance(owner.bot, hikari.GatewayBot) and isinstance(other.bot, hikari.GatewayBot)
        await owner.command("counter")
        await owner.click("Add")
        same_menu(other, owner)
        reply = await other.click("Add")
        assert reply.ephemeral_text is None and content(other) == "n=2"  # RedisStore: any process


async def test_an_interaction_whose_step_died_before_its_save_does_not_run_again_elsewhere(
    redis_store: Any,
) -> None:
    async with replicas(redis_store) as r:
        one, two = await r.replica(), await r.replica()
        await one.command("counter")
        same_menu(two, one)
        store = one.manager.remote
        assert isinstance(store, RedisStore)
        slow_id = one.button("Slow")["custom_id"]
        slow = asyncio.create_task(one.send_component(slow_id, interaction_id=4_000_001))
        await slow_step_waiting()
        # The process running the step stops (its lease runs out); the same interaction reaches
        # another replica: it already took the session once, so it runs nothing.
        session_id = slow_id.split(":")[2]
        await store.redis.delete(store.lock_key(session_id))
        again = await two.send_component(slow_id, interaction_id=4_000_001)
        assert again.requests == []  # no reply, no edit: nothing ran
        stored = await store.load(session_id)
        assert stored is not None and stored.data == {}
        remote_flows.RELEASE.set()
        await slow


async def test_a_users_new_session_replaces_the_previous_one_whichever_replica_holds_it(
    redis_store: Any,
) -> None:
    async with replicas(redis_store) as r:
        one, two = await r.replica(), await r.replica()
        await one.command("counter")
        await one.click("Add")
        first_menu = one.menu_id
        await two.command("counter")  # the same user opens the flow again, on another replica
        await one.manager.drain()
        await two.manager.drain()
        assert [n for _, n in remote_flows.TIMED_OUT] == [1]  # the old session's on_timeout ran once
        old = r.discord.messages[first_menu]  # type: ignore[index]
        assert all(c.get("disabled") for row in old["components"] for c in row["components"])
        store = two.manager.remote
        assert isinstance(store, RedisStore)
        assert await store.redis.zcard(store.deadlines_key) == 1  # only the new session is open
        reply = await two.click("Add")
        assert reply.ephemeral_text is None and content(two) == "n=1"


async def test_the_click_after_a_step_that_died_mid_way_redraws_the_menu_and_runs_nothing(
    redis_store: Any,
) -> None:
    async with replicas(redis_store) as r:
        one, two = await r.replica(), await r.replica()
        await one.command("counter")
        same_menu(two, one)
        store = one.manager.remote
        assert isinstance(store, RedisStore)
        slow = asyncio.create_task(one.click("Slow"))
        await slow_step_waiting()
        # Its process dies here: the lease ends, the step never saves.
        session_id = one.button("Add")["custom_id"].split(":")[2]
        await store.redis.delete(store.lock_key(session_id))
        before = two.button("Add")["custom_id"]
        reply = await two.click("Add")
        assert reply.ephemeral_text is None and reply.type == 7  # the menu, drawn afresh in place
        assert content(two) == "n=0" and two.button("Add")["custom_id"] != before  # a new screen
        reply = await two.click("Add")
        assert content(two) == "n=1"  # the next click runs
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
