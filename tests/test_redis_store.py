"""RedisStore's primitives against a real redis-server: one key per session, a leased and fenced
lock, load-and-lock and save-and-unlock in one round trip each, deadlines claimed by exactly one
caller, the message index, and no lost update when two clients take turns.

Every store here has its own client (its own connections), as two replicas would; time is the
harness's fake clock for the engine and a fake wall clock for Redis' deadlines, except for the
lock's lease, which Redis itself counts in real milliseconds.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from store_flows import FLOWS, new_session, tally

from flowfsm import Flow, Screen
from flowfsm.engine.stores.redis import LockLost, RedisStore, SessionBusy
from flowfsm.errors import SnapshotError
from flowfsm.testing import FakeClock

WALL = 1_800_000_000.0


class FakeWall(FakeClock):
    """Unix time that moves only when told."""

    def __init__(self) -> None:
        super().__init__(WALL)


def bound(store: RedisStore, clock: FakeClock | None = None, flows: Any = FLOWS) -> RedisStore:
    store.bind(flows, clock or FakeClock())
    return store


async def keys(store: RedisStore) -> list[str]:
    return sorted(k.decode() for k in await store.redis.keys(f"{store.prefix}*"))


async def test_add_load_and_one_key_per_session(redis_store: Any) -> None:
    store = bound(redis_store())
    session = new_session("s1", store.clock())
    await store.add(session)
    loaded = await store.load("s1")
    assert loaded is not None and loaded is not session
    assert (loaded.flow, loaded.state, loaded.data, loaded.message_id) == (tally, "menu", {"n": 0}, 5000)
    assert await store.load("nope") is None
    assert await keys(store) == [f"{store.prefix}deadlines", f"{store.prefix}msg:5000", f"{store.prefix}s:s1"]
    with pytest.raises(Exception, match="already exists"):
        await store.add(session)


async def test_message_index_follows_the_menu(redis_store: Any) -> None:
    store = bound(redis_store())
    session = new_session("s1", store.clock())
    await store.add(session)
    found = await store.by_message(5000)
    assert found is not None and found.id == "s1"
    async with store.lock("s1") as locked:
        assert locked is not None
        locked.message_id = 6000  # the state posted a new message
        await store.save(locked)
    assert await store.by_message(5000) is None
    moved = await store.by_message(6000)
    assert moved is not None and moved.message_id == 6000


async def test_remove_forgets_everything(redis_store: Any) -> None:
    store = bound(redis_store())
    session = new_session("s1", store.clock())
    await store.add(session)
    async with store.lock("s1") as locked:
        assert locked is not None
        await store.remove(locked)
    assert await keys(store) == []
    assert await store.load("s1") is None
    async with store.lock("s1") as gone:
        assert gone is None


async def test_a_second_locker_is_busy_or_waits_and_sees_the_first_step(redis_store: Any) -> None:
    first, second = bound(redis_store()), bound(redis_store(wait=0))
    await first.add(new_session("s1", first.clock()))
    async with first.lock("s1") as locked:
        assert locked is not None
        with pytest.raises(SessionBusy):
            async with second.lock("s1"):
                pass
        waiting = bound(redis_store(wait=10))
        late = asyncio.create_task(_read_count(waiting, "s1"))
        await asyncio.sleep(0)  # let it try once: the lock is held, so it waits
        assert not late.done()
        locked.data["n"] = 7
        await first.save(locked)
    assert await late == 7


async def _read_count(store: RedisStore, session_id: str) -> int:
    async with store.lock(session_id) as session:
        assert session is not None
        return int(session.data["n"])


async def test_no_lost_update_when_two_clients_take_turns(redis_store: Any) -> None:
    replicas = [bound(redis_store(wait=30)), bound(redis_store(wait=30))]
    await replicas[0].add(new_session("s1", replicas[0].clock()))

    async def click(store: RedisStore) -> None:
        async with store.lock("s1") as session:
            assert session is not None
            count = session.data["n"]
            await asyncio.sleep(0)  # a step that awaits something between read and write
            session.data["n"] = count + 1
            await store.save(session)

    await asyncio.gather(*(click(replicas[i % 2]) for i in range(40)))
    final = await replicas[1].load("s1")
    assert final is not None and final.data["n"] == 40


_HOLDER = """
import asyncio, sys, time
sys.path.insert(0, {tests!r})
from store_flows import FLOWS
from flowfsm.engine.stores.redis import RedisStore

async def main():
    store = RedisStore({url!r}, prefix={prefix!r}, lease=0.4)
    store.bind(FLOWS, time.monotonic)
    store._schedule_renewal = lambda *args: None  # a process frozen mid-step renews nothing either
    async with store.lock("s1") as session:
        print("locked", session.data["n"], flush=True)
        await asyncio.Event().wait()

asyncio.run(main())
"""


async def test_a_holder_that_dies_frees_the_session_when_its_lease_ends(
    redis_store: Any, redis_server: Any
) -> None:
    store = bound(redis_store(wait=0))
    await store.add(new_session("s1", store.clock()))
    code = _HOLDER.format(tests=str(Path(__file__).parent), url=redis_server.url, prefix=store.prefix)
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", code, stdout=asyncio.subprocess.PIPE)
    try:
        assert child.stdout is not None
        line = await asyncio.wait_for(child.stdout.readline(), 60)
        assert line.split() == [b"locked", b"0"]
        with pytest.raises(SessionBusy):
            async with store.lock("s1"):
                pass
        os.kill(child.pid, signal.SIGKILL)
        await child.wait()
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    waiting = bound(redis_store(wait=10))
    started = time.monotonic()
    async with waiting.lock("s1") as session:
        assert session is not None and session.data == {"n": 0}
        await waiting.save(session)
    assert time.monotonic() - started < 5  # freed by the 0.4 s lease, not by the 10 s wait


async def test_a_step_whose_lease_ran_out_cannot_overwrite_the_next(redis_store: Any) -> None:
    slow, fast = bound(redis_store()), bound(redis_store())
    await slow.add(new_session("s1", slow.clock()))
    async with slow.lock("s1") as stale:
        assert stale is not None
        await slow.redis.delete(slow.lock_key("s1"))  # the lease ran out while this replica was paused
        async with fast.lock("s1") as current:
            assert current is not None
            current.data["n"] = 100
            await fast.save(current)
        stale.data["n"] = 1
        with pytest.raises(LockLost):
            await slow.save(stale)
    final = await fast.load("s1")
    assert final is not None and final.data["n"] == 100


async def test_the_lease_is_renewed_while_a_step_runs(redis_store: Any) -> None:
    store = bound(redis_store(lease=30))
    await store.add(new_session("s1", store.clock()))
    async with store.lock("s1") as session:
        assert session is not None
        held = store.leases.get("s1")
        assert held is not None
        assert held.timer is not None
        assert held.timer.when() - asyncio.get_running_loop().time() == pytest.approx(10, abs=1)
        await store.redis.pexpire(store.lock_key("s1"), 500)
        assert await store.extend("s1")
        assert await store.redis.pttl(store.lock_key("s1")) > 20_000
        await store.save(session)
    assert held.timer.cancelled()
    assert not await store.extend("s1")  # no longer held


async def test_save_outside_a_lock_waits_for_no_one_and_overwrites_no_step(redis_store: Any) -> None:
    one, two = bound(redis_store()), bound(redis_store())
    session = new_session("s1", one.clock())
    await one.add(session)
    async with two.lock("s1") as locked:
        assert locked is not None
        with pytest.raises(SessionBusy):
            await one.save(session)
        await two.save(locked)
    session.data["n"] = 3
    await one.save(session)
    again = await two.load("s1")
    assert again is not None and again.data["n"] == 3


async def test_a_session_removed_during_a_step_is_not_brought_back(redis_store: Any) -> None:
    replica, other = bound(redis_store()), bound(redis_store())
    await replica.add(new_session("s1", replica.clock()))
    async with replica.lock("s1") as session:
        assert session is not None
        gone = await other.by_message(5000)  # the menu message was deleted: another replica removes it
        assert gone is not None
        await other.remove(gone)
        await replica.save(session)
    assert await keys(replica) == []


async def test_a_value_that_cannot_be_stored_is_named_and_the_lock_released(redis_store: Any) -> None:
    store = bound(redis_store(wait=0))
    await store.add(new_session("s1", store.clock()))
    with pytest.raises(SnapshotError, match=r"flow 'tally', state 'menu', ctx.data key 'conn'"):
        async with store.lock("s1") as session:
            assert session is not None
            session.data["conn"] = object()
            await store.save(session)
    async with store.lock("s1") as again:  # not busy: the failed step released the lock
        assert again is not None and again.data == {"n": 0}


async def test_each_due_session_is_claimed_by_exactly_one_replica(redis_store: Any) -> None:
    clock, wall = FakeClock(), FakeWall()
    a = bound(redis_store(wall=wall), clock)
    b = bound(redis_store(wall=wall), clock)
    for n in range(30):
        await a.add(new_session(f"s{n}", clock()))
    late = new_session("late", clock())
    late.timeout = 600
    await a.add(late)
    assert await a.next_deadline() == pytest.approx(clock() + 60)
    async with b.lock("s0") as busy:  # a step running at its deadline keeps its session
        assert busy is not None
        clock.advance(61)
        wall.advance(61)
        claims = await asyncio.gather(*(store.claim_expired(clock(), 4) for store in (a, b) * 6))
        claimed = [session.id for batch in claims for session in batch]
        assert len(claimed) == len(set(claimed)) == 29
        assert "s0" not in claimed and "late" not in claimed
        busy.last_active = clock()  # the engine touches a session after its step
        await b.save(busy)
    assert [s.id for s in await a.claim_expired(clock(), 100)] == []
    assert await a.next_deadline() == pytest.approx(clock() + 60)
    assert await a.by_message(5000) is not None  # s0's index survives; the claimed ones' were removed


async def test_a_restart_does_not_reset_timeouts(redis_store: Any) -> None:
    wall = FakeWall()
    before = bound(redis_store(wall=wall), FakeClock(1000.0))
    await before.add(new_session("s1", 1000.0))
    wall.advance(45)  # the bot restarts: a new process whose monotonic clock starts elsewhere
    after = bound(redis_store(wall=wall), FakeClock(7.0))
    assert await after.next_deadline() == pytest.approx(7.0 + 15)
    loaded = await after.load("s1")
    assert loaded is not None and loaded.deadline == pytest.approx(7.0 + 15)
    assert await after.claim_expired(7.0 + 14, 10) == []
    assert [s.id for s in await after.claim_expired(7.0 + 15, 10)] == ["s1"]


class CountingConnection(aioredis.Connection):
    """A connection counting the replies it reads: one per round trip."""

    replies = 0

    async def read_response(self, *args: Any, **kwargs: Any) -> Any:
        CountingConnection.replies += 1
        return await super().read_response(*args, **kwargs)


async def test_a_click_costs_two_round_trips(redis_server: Any, redis_store: Any) -> None:
    prefix = redis_store().prefix
    pool = aioredis.ConnectionPool(
        connection_class=CountingConnection, host="127.0.0.1", port=redis_server.port
    )
    client = aioredis.Redis(connection_pool=pool)
    store = bound(RedisStore(client, prefix=prefix))
    await store.add(new_session("s1", store.clock()))
    for _ in range(2):  # the first click also loads the scripts into Redis
        before = CountingConnection.replies
        async with store.lock("s1") as session:
            assert session is not None
            session.data["n"] += 1
            await store.save(session)
        trips = CountingConnection.replies - before
    assert trips == 2
    await client.aclose()


async def test_memory_usage_of_a_typical_snapshot(redis_store: Any) -> None:
    store = bound(redis_store())
    session = new_session("Ab3dE5gH", store.clock())
    session.token = "t" * 200  # interaction tokens are about this long
    session.token_at = store.clock()
    session.data = {"wallet": {"balance": 187, "owned": ["Item 01", "Item 02"]}, "turns": ["catalog:next:1"]}
    session.history = [("menu", None)]
    await store.add(session)
    used = await store.memory_usage("Ab3dE5gH")
    assert used is not None and 200 < used < 1024


async def test_a_snapshot_the_new_flow_cannot_carry_is_dropped(redis_store: Any) -> None:
    old = bound(redis_store())
    await old.add(new_session("s1", old.clock()))
    renamed = Flow("tally", timeout=60)
    renamed.add_state("home", lambda ctx: Screen("home"), initial=True)
    new = bound(redis_store(), flows={"tally": renamed})
    assert await new.load("s1") is None
    assert await keys(new) == []
    migrated = Flow("tally", timeout=60, migrations={"menu": "home"})
    migrated.add_state("home", lambda ctx: Screen("home"), initial=True)
    await old.add(new_session("s2", old.clock()))
    carried = bound(redis_store(), flows={"tally": migrated})
    async with carried.lock("s2") as session:
        assert session is not None and (session.state, session.data) == ("home", {"n": 0})


async def test_the_test_server_is_loopback_only_and_writes_nothing(redis_server: Any) -> None:
    client = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
    try:
        config = await client.config_get("*")
        assert (config["bind"], config["save"], config["appendonly"]) == ("127.0.0.1", "", "no")
    finally:
        await client.aclose()


async def test_an_interaction_takes_a_session_once_whichever_process_it_reaches(redis_store: Any) -> None:
    from flowfsm.errors import AlreadyHandled

    one, two = bound(redis_store()), bound(redis_store())
    await one.add(new_session("s1", one.clock()))
    async with one.lock("s1", 77) as session:
        assert session is not None  # the step's process dies here: no save
    with pytest.raises(AlreadyHandled):
        async with two.lock("s1", 77):
            pass
    assert await two.redis.exists(two.lock_key("s1")) == 0  # refused without keeping the lock
    async with two.lock("s1", 78) as session:
        assert session is not None
        await two.save(session)


async def test_the_user_index_lives_as_long_as_the_session_it_names(redis_store: Any) -> None:
    clock = FakeWall()
    store = bound(redis_store(wall=clock, grace=100), clock)
    session = new_session("s1", clock())
    user_key = store.user_key(session.user_id, session.root_flow.name)
    async with store.lock_new(session):
        await store.save(session)
    assert await store.redis.get(user_key) == b"s1"
    # A day of clicks later, the index's first lifetime is nearly over (Redis counts real time,
    # the test's wall clock does not move it: set what a day would have left).
    await store.redis.pexpire(user_key, 1_000)
    clock.now += 86_000
    async with store.lock("s1") as loaded:
        assert loaded is not None
        loaded.last_active = clock()
        await store.save(loaded)
    session_ttl = await store.redis.pttl(store.session_key("s1"))
    assert session_ttl > 100_000  # the click's deadline (60 s) plus the grace
    assert abs(await store.redis.pttl(user_key) - session_ttl) < 1_000  # extended with it
    assert await store.user_session(42, "tally") == "s1"
    other = new_session("s2", clock())  # the user's new session replaces it in the index
    async with store.lock_new(other) as previous:
        assert previous == "s1"
        await store.save(other)
    async with store.lock("s1") as old:
        assert old is not None
        await store.redis.pexpire(user_key, 1_000)
        await store.save(old)  # the replaced session's save leaves the index to the new one
    assert await store.redis.pttl(user_key) <= 1_000
    assert await store.user_session(42, "tally") == "s2"
