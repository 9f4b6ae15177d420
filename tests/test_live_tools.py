"""Timed edges as the tools see them: definition errors, diagrams, check, explore, gen-tests."""

from __future__ import annotations

import pytest

from examples.auction import auction
from flowfsm import Flow, FlowDefinitionError, Screen
from flowfsm.testing.gentests import plan_paths
from flowfsm.tools.check import check_flows
from flowfsm.tools.diagram import to_dot, to_mermaid
from flowfsm.tools.explore import explore
from flowfsm.tools.timed_edges import timed_edges


def _flow(name: str, **options: object) -> Flow:
    flow = Flow(name, **options)  # type: ignore[arg-type]

    @flow.state(initial=True)
    def offer(ctx: object) -> Screen:
        return Screen(content="offer")

    @flow.state(final=True)
    def gone(ctx: object) -> Screen:
        return Screen(content="gone")

    return flow


def test_timed_edges_are_declared_with_every_or_after() -> None:
    flow = _flow("timed_defs")
    tick = flow.transition("tick", "offer", None, every=5)
    expire = flow.transition("expire", "offer", "gone", after=30)
    assert (tick.every, tick.delay, tick.time_label) == (5.0, None, "every 5 s")
    assert (expire.every, expire.delay, expire.time_label, expire.after) == (None, 30.0, "after 30 s", [])
    assert flow.timed_from("offer") == (tick, expire) and flow.timed_from("gone") == ()
    with pytest.raises(FlowDefinitionError, match="every= or after=, not both"):
        flow.transition("both", "offer", None, every=5, after=10)
    with pytest.raises(FlowDefinitionError, match="every= must be a positive number"):
        flow.transition("zero", "offer", None, every=0)
    with pytest.raises(FlowDefinitionError, match="every= must be a positive number"):
        flow.transition("text", "offer", None, every="5")  # type: ignore[arg-type]
    hooked = flow.transition("hooked", "offer", None, after=[print])  # after= still takes hooks
    assert hooked.timed is None and hooked.after == [print]


def test_diagrams_draw_timed_edges_dashed_with_their_time() -> None:
    dot = to_dot(auction)
    assert (
        'bidding -> bidding [label="tick [internal] ⏱ every 10 s" class="ff-transition ff-timed" style=dashed]'
        in dot
    )
    assert 'bidding -> sold [label="close ⏱ after 60 s" class="ff-transition ff-timed" style=dashed]' in dot
    assert (
        'bidding -> bidding [label="bid [internal] | outbid [internal] [higher]" class="ff-transition"]'
        in dot
    )
    assert "bidding --> sold: close ⏱ after 60 s" in to_mermaid(auction)


def test_check_lists_timed_edges_and_warns_where_they_cannot_work() -> None:
    assert timed_edges(auction) == [
        "auction:bidding --tick--> (internal) every 10 s",
        "auction:bidding --close--> sold after 60 s",
    ]
    assert check_flows([auction]) == []

    private = _flow("private_offer", ephemeral=True, timeout=3600)
    private.transition("expire", "offer", "gone", after=1200)
    private.transition("tick", "offer", None, every=60)
    problems = [str(finding) for finding in check_flows([private])]
    assert problems == [
        "private_offer:offer: timed transition 'expire' (after 1200 s) can fire past the 15-minute token of "
        "this ephemeral state, when no edit can reach the user (make the state public, or keep the edge and "
        "the flow's timeout under 14.5 minutes)",
        "private_offer:offer: timed transition 'tick' (every 60 s) can fire past the 15-minute token of this "
        "ephemeral state, when no edit can reach the user (make the state public, or keep the edge and the "
        "flow's timeout under 14.5 minutes)",
    ]

    slow = _flow("slow_offer", timeout=60)
    slow.transition("expire", "offer", "gone", after=60)
    assert [str(f) for f in check_flows([slow])] == [
        "slow_offer:offer: timed transition 'expire' (after 60 s) is not shorter than the flow's timeout "
        "(60 s): the session expires first unless the user clicks"
    ]


async def test_explore_waits_for_timed_edges() -> None:
    report = await explore(auction, depth=3)
    assert report.ok, report.findings
    assert set(report.reached) == {"bidding", "sold", "left"}


async def test_gen_tests_cover_timed_edges_by_moving_the_clock() -> None:
    plan = await plan_paths(auction)
    covered = {target for path in plan.paths for crossed in path.crossed for target in crossed}
    assert "auction:bidding --close--> sold" in covered
    assert "auction:bidding --tick--> (internal)" in covered
    waits = [step for path in plan.paths for step in path.steps if step.timed is not None]
    assert waits and all(step.wait is not None and step.wait > 0 for step in waits)
    # Sent from outside only: no exploration reaches it, and the plan says so.
    assert "auction:bidding --outbid--> (internal)" in plan.uncovered
