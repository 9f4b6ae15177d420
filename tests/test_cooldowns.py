"""Cooldowns (``Button(cooldown=...)``) and rate limits (``Flow(rate_limit=...)``): a click too soon
gets "slow down, try again in N s" in the user's language and runs nothing; the table stays
bounded however many users click. Time is the harness's fake clock: nothing sleeps."""

from __future__ import annotations

import tracemalloc
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from flowfsm import Button, Context, Flow, FlowManager, RateLimit, Screen, Texts
from flowfsm.define.i18n import builtin_texts
from flowfsm.engine.cooldowns import Cooldowns
from flowfsm.errors import FlowDefinitionError
from flowfsm.testing import Harness
from flowfsm.testing.harness import FakeClock

HOST, GUEST = 1001, 2002


def _inc(ctx: Context) -> None:
    ctx.data["n"] = ctx.data.get("n", 0) + 1


def _other(ctx: Context) -> None:
    ctx.data["other"] = ctx.data.get("other", 0) + 1


def tap(rate_limit: RateLimit | None = None, access: str = "opener") -> Flow:
    flow = Flow("tap", rate_limit=rate_limit, access=access)

    @flow.state(initial=True)
    def main(ctx: Context) -> Screen:
        return Screen(
            f"n={ctx.data.get('n', 0)}",
            items=[
                Button("Tap", id="tap", action=_inc, cooldown=2.5),
                Button("Other", id="other", action=_other),
            ],
        )

    return flow


@pytest_asyncio.fixture(params=["gateway", "rest"])
async def h(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    async with Harness([tap(access="channel")], rest_bot=request.param == "rest") as harness:
        await harness.command("tap", user=HOST)
        yield harness


def n(h: Harness) -> int:
    return int(h.manager.session_for(HOST).data.get("n", 0))


async def test_a_click_inside_the_cooldown_runs_nothing(h: Harness) -> None:
    await h.click("Tap")
    before = dict(h.message or {})
    reply = await h.click("Tap")
    assert reply.ephemeral_text == "Slow down: try again in 3 s."  # 2.5 s, rounded up
    assert n(h) == 1 and h.message == before  # nothing ran, the menu is as it was
    await h.click("Other")  # other buttons have no cooldown
    assert h.manager.session_for(HOST).data["other"] == 1
    h.clock.advance(2.0)
    assert (await h.click("Tap")).ephemeral_text == "Slow down: try again in 1 s."
    h.clock.advance(0.5)
    assert (await h.click("Tap")).ephemeral_text is None and n(h) == 2


async def test_a_cooldown_is_per_user_on_a_shared_menu(h: Harness) -> None:
    await h.click("Tap", user=HOST)
    assert (await h.click("Tap", user=GUEST)).ephemeral_text is None
    assert (await h.click("Tap", user=GUEST)).ephemeral_text == "Slow down: try again in 3 s."
    assert n(h) == 2


async def test_the_refusal_is_in_the_users_language(h: Harness) -> None:
    h.locales[GUEST] = "de"
    await h.click("Tap", user=GUEST)
    reply = await h.click("Tap", user=GUEST)
    assert reply.ephemeral_text == "Nicht so schnell: versuche es in 3 s erneut."
    assert builtin_texts()["de"].cooldown == "Nicht so schnell: versuche es in {seconds} s erneut."


async def test_the_refusal_is_counted_as_rate_limited() -> None:
    from flowfsm.engine.metrics import PrometheusMetrics

    metrics = PrometheusMetrics()
    async with Harness([tap()], metrics=metrics) as h:
        await h.command("tap")
        await h.click("Tap")
        await h.click("Tap")
    found = metrics.registry.get_sample_value(
        "flowfsm_refusals_total", {"flow": "tap", "reason": "rate_limited"}
    )
    assert found == 1


async def test_a_flow_rate_limit_allows_a_burst_then_one_click_per_interval() -> None:
    async with Harness([tap(RateLimit(3, per=6.0))]) as h:
        await h.command("tap")
        for _ in range(3):
            assert (await h.click("Other")).ephemeral_text is None
        assert (await h.click("Other")).ephemeral_text == "Slow down: try again in 2 s."
        assert h.manager.session_for(HOST).data["other"] == 3
        h.clock.advance(2.0)  # one interval (6 s / 3 clicks): room for one more click
        assert (await h.click("Other")).ephemeral_text is None
        assert (await h.click("Other")).ephemeral_text == "Slow down: try again in 2 s."
        h.clock.advance(6.0)
        await h.command("tap")  # the limit is the flow's, across the user's sessions
        for _ in range(3):
            assert (await h.click("Other")).ephemeral_text is None
        assert (await h.click("Other")).ephemeral_text is not None


def test_cooldown_values_are_checked() -> None:
    with pytest.raises(ValueError, match="Button cooldown"):
        Button("x", action=_inc, cooldown=0)
    with pytest.raises(ValueError, match="RateLimit clicks"):
        RateLimit(0, per=1.0)
    with pytest.raises(ValueError, match="RateLimit per"):
        RateLimit(1, per=float("inf"))
    with pytest.raises(FlowDefinitionError, match="rate_limit must be a RateLimit"):
        Flow("bad", rate_limit=(5, 10))  # type: ignore[arg-type]


def test_the_table_stays_bounded_however_many_users_click() -> None:
    """100,000 users each click once within one cooldown: the table keeps at most its bound,
    and its memory does not grow past what that bound costs."""
    clock = FakeClock()
    flow = tap(RateLimit(5, per=10.0))
    table = Cooldowns(clock, max_entries=1_000)
    tracemalloc.start()

    def click(user: int) -> None:
        assert table.rate_wait(flow, user) == 0.0
        assert table.button_wait("sess", "tap", 30.0, user) == 0.0

    for user in range(1_000):
        click(user)
    warm = tracemalloc.get_traced_memory()[0]
    for user in range(1_000, 100_000):
        click(user)
        if user % 97 == 0:
            clock.advance(0.001)
    grown = tracemalloc.get_traced_memory()[0] - warm
    tracemalloc.stop()
    assert len(table) <= table.max_entries == 1_000
    assert grown < 200_000, grown  # bytes: no per-user growth past the bound
    assert table.button_wait("sess", "tap", 30.0, 99_999) > 0  # the latest clickers are still held


def test_entries_leave_when_they_mean_nothing_any_more() -> None:
    clock = FakeClock()
    table = Cooldowns(clock)
    for user in range(50):
        table.button_wait("sess", "tap", 2.0, user)
    assert len(table) == 50
    clock.advance(2.0)
    table.button_wait("sess", "tap", 2.0, 999)
    assert len(table) == 1  # the expired ones went on the next write, no sweeping task


async def test_the_manager_bounds_its_table() -> None:
    async with Harness([tap()], max_cooldowns=10) as h:
        assert isinstance(h.manager, FlowManager)
        assert h.manager.cooldowns.max_entries == 10
    assert Texts().cooldown.format(seconds=4) == "Slow down: try again in 4 s."
