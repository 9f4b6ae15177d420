"""Live menus on a RedisStore (real redis-server): sessions leave the live indexes with the working
set, ``flows.send`` reaches a session another replica started, and timed edges are refused only on
a remote store that cannot keep their plans (tests/test_redis_timed.py and
tests/test_redis_invalidate.py run timed edges and invalidation across replicas).

Replicas are FlowManagers in one process sharing the loopback Discord, one clock and one Redis
prefix (see tests/test_redis_engine.py).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import remote_flows
from test_redis_engine import count_round_trips, replicas, same_menu, slow_step_waiting

from flowfsm import Button, Context, Flow, FlowDefinitionError, FlowError, FlowManager, Screen
from flowfsm.engine.external import AMBIGUOUS, BUSY, NO_SESSION, SENT
from flowfsm.engine.stores.redis import RedisStore
from flowfsm.testing import FakeClock, FakeDiscord, Harness
from flowfsm.testing.harness import DEFAULT_USER as ALICE

board = Flow("board", timeout=60, command="board")
"""A counter whose screen watches a stock key; ``bump`` comes from outside (a send)."""


def add(ctx: Context) -> None:
    """One more, by a click."""
    ctx.data["n"] = ctx.data.get("n", 0) + 1


def bumped(ctx: Context) -> None:
    """``by`` more, by a send."""
    ctx.data["n"] = ctx.data.get("n", 0) + int(ctx.trigger_options.get("by", 1))


@board.state(initial=True)
def showing(ctx: Context) -> Screen:
    """The count, watching the stock it would show."""
    ctx.watch("stock", 1)
    return Screen(
        f"n={ctx.data.get('n', 0)}", items=[Button("Add", action=add), Button("Done", trigger="done")]
    )


@board.state(final=True)
def closed(ctx: Context) -> Screen:
    """The end."""
    return Screen(f"final n={ctx.data.get('n', 0)}")


board.transition("bump", "showing", "showing", before=bumped)
board.transition("done", "showing", "closed")


@pytest.fixture(autouse=True)
def _fresh_events() -> None:
    remote_flows.RELEASE = asyncio.Event()  # an event belongs to the loop of its first wait


def content(h: Harness) -> str:
    assert h.message is not None
    return str(h.message.get("content"))


def live_indexes(manager: FlowManager) -> list[Any]:
    """Everything the live parts hold per session."""
    return [
        manager._live_by_flow,
        manager._timed.plans,
        manager._watched,
        manager._watchers,
        manager._dirty,
        manager._refreshing,
    ]


async def test_sessions_leave_the_live_indexes_with_the_working_set(redis_store: Any) -> None:
    async with replicas(redis_store) as r:
        h = await r.replica([board])
        for user in range(5):
            await h.command("board", user=1_000 + user)
            await h.click("Add", user=1_000 + user)
            await h.click("Add", user=1_000 + user)
        assert len(h.manager.sessions) == 0
        assert live_indexes(h.manager) == [{}, {}, {}, {}, {}, set()]
        assert h.manager.open_sessions(flow="board") == []
        assert content(h) == "n=2"  # the sessions are alive, in Redis


async def test_a_send_from_one_replica_reaches_a_session_another_started(redis_store: Any) -> None:
    async with replicas(redis_store) as r:
        one, two = await r.replica([board]), await r.replica([board])
        await one.command("board")
        await one.click("Add")
        store = one.manager.remote
        assert isinstance(store, RedisStore)
        session_id = await store.user_session(ALICE, "board")
        assert isinstance(session_id, str)

        two_store = two.manager.remote
        assert isinstance(two_store, RedisStore)
        sent = count_round_trips(two_store)
        result = await two.manager.send(session_id, "bump", by=5)
        assert sent == ["EVALSHA", "EVALSHA"]  # load-and-lock, save-and-unlock: a click's two
        assert (result.status, result.session_id, result.state) == (SENT, session_id, "showing")
        assert content(one) == "n=6"  # the menu was edited by the other replica
        assert live_indexes(two.manager) == [{}, {}, {}, {}, {}, set()]
        assert len(two.manager.sessions) == 0

        sent.clear()
        by_user = await two.manager.send(ALICE, "bump", flow="board")
        assert sent == ["GET", "EVALSHA", "EVALSHA"]  # the user's session of the flow, then the same
        assert by_user.status == SENT and by_user.session_id == session_id
        assert content(one) == "n=7"

        await one.click("Add")  # the next click, on the first replica, sees the sent state
        assert content(one) == "n=8"
        same_menu(two, one)
        await two.click("Done")
        assert content(two) == "final n=8"


async def test_a_send_to_a_gone_session_or_a_user_without_one_says_so(redis_store: Any) -> None:
    async with replicas(redis_store) as r:
        h = await r.replica([board, remote_flows.counter])
        unknown = await h.manager.send("no-such-session", "bump")
        assert unknown.status == NO_SESSION and "no-such-session" in unknown.detail

        await h.command("board")
        user = ALICE
        assert (await h.manager.send(user, "bump")).status == AMBIGUOUS  # two flows: say which
        assert (await h.manager.send(user + 1, "bump", flow="board")).status == NO_SESSION

        await h.advance(61)  # the session expires (claimed from the store)
        expired = await h.manager.send(user, "bump", flow="board")
        assert expired.status == NO_SESSION
        await h.command("board")
        with pytest.raises(FlowError, match="no_such_trigger"):
            await h.manager.send(user, "no_such_trigger", flow="board")
        assert content(h) == "n=0"  # the lock was let go: the menu still works
        await h.click("Add")
        assert content(h) == "n=1"


async def test_a_send_to_a_session_that_moved_on_changes_nothing(redis_store: Any) -> None:
    async with replicas(redis_store) as r:
        h = await r.replica([board])
        await h.command("board")
        await h.click("Done")
        # The session ended: the user index may still name it, the store has nothing.
        gone = await h.manager.send(ALICE, "bump", flow="board")
        assert gone.status == NO_SESSION


async def test_a_send_while_another_replica_holds_the_session_is_busy(redis_store: Any) -> None:
    async with replicas(redis_store) as r:
        one = await r.replica([remote_flows.counter])
        two = await r.replica([remote_flows.counter], wait=0.05)
        await one.command("counter")
        user = ALICE
        clicking = asyncio.ensure_future(one.click("Slow"))
        await slow_step_waiting()
        busy = await two.manager.send(user, "done", flow="counter")
        assert busy.status == BUSY and not busy.ok
        remote_flows.RELEASE.set()
        await clicking
        assert content(one) == "n=1"
        sent = await two.manager.send(user, "done", flow="counter")
        assert sent.status == SENT and content(one) == "final n=1"
        again = await two.manager.send(user, "done", flow="counter")
        assert again.status == NO_SESSION  # the final state ended it: the store has nothing


class NotLive(RedisStore):
    """A remote store that cannot keep timed plans or watched keys (not a :class:`LiveStore`)."""

    claim_live = None  # type: ignore[assignment]


async def test_timed_edges_are_refused_on_a_remote_store_that_is_no_live_store(redis_store: Any) -> None:
    ticking = Flow("ticking", timeout=60)

    @ticking.state(initial=True)
    def waiting(ctx: Context) -> Screen:
        return Screen("waiting")

    ticking.transition("tick", "waiting", "waiting", every=5)
    base = redis_store()
    async with FakeDiscord() as discord:
        h = Harness([], discord=discord, store=NotLive(base.redis, prefix=base.prefix))
        await h.start()
        try:
            with pytest.raises(FlowDefinitionError, match=r"timed edge 'tick' .*no LiveStore"):
                h.manager.register(ticking)
        finally:
            await h.close()
        with_redis = Harness([], discord=discord, store=redis_store())
        await with_redis.start()
        try:
            assert with_redis.manager.register(ticking) is ticking  # RedisStore keeps plans
        finally:
            await with_redis.close()


class NoUserIndex(RedisStore):
    """A remote store without the per-user index (not a :class:`UserIndexedStore`)."""

    user_session = None  # type: ignore[assignment]


async def test_a_user_target_needs_the_session_id_without_a_user_index(redis_store: Any) -> None:
    base = redis_store()
    clock = FakeClock(1_800_000_000.0)
    store = NoUserIndex(base.redis, prefix=base.prefix, wall=clock)
    async with FakeDiscord() as discord, Harness([board], discord=discord, store=store, clock=clock) as h:
        await h.command("board")
        result = await h.manager.send(ALICE, "bump", flow="board")
        assert result.status == NO_SESSION and "session (or its id)" in result.detail
        assert content(h) == "n=0"
        session_id = await base.user_session(ALICE, "board")
        assert isinstance(session_id, str)
        sent = await h.manager.send(session_id, "bump", by=3)
        assert sent.ok and content(h) == "n=3"


async def test_a_rest_bot_replica_sends_to_a_session_the_other_started(redis_store: Any) -> None:
    clock = FakeClock(1_800_000_000.0)
    async with (
        FakeDiscord() as discord,
        Harness([board], discord=discord, store=redis_store(wall=clock), clock=clock, rest_bot=True) as one,
        Harness([board], discord=discord, store=redis_store(wall=clock), clock=clock, rest_bot=True) as two,
    ):
        await one.command("board")
        await one.click("Add")
        result = await two.manager.send(ALICE, "bump", flow="board", by=4)
        assert result.ok and content(one) == "n=5"
        same_menu(two, one)
        await two.click("Add")  # now the other replica has seen an interaction: its webhook edits
        assert (await one.manager.send(ALICE, "bump", flow="board")).ok
        assert content(two) == "n=7"
