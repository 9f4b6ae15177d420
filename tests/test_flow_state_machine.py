"""FlowStateMachine: hypothesis drives a flow's screens; invariants hold; a seeded bug is found
and shrunk to a minimal click sequence printed as harness calls."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import invariant

from examples.shop import shop
from flowfsm import Button, Context, Flow, Screen, guard, pipeline
from flowfsm.testing import FlowStateMachine

BOUNDED = settings(
    max_examples=10,
    stateful_step_count=10,
    deadline=None,
    derandomize=True,  # the same examples every run: make test stays fast and repeatable
    database=None,
    suppress_health_check=list(HealthCheck),
    # No "explain" phase: it replays many variants of a failure (seconds each here); the shrunk
    # harness calls are the explanation.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
)


class ShopMachine(FlowStateMachine(shop)):
    """The shop example: whatever users click, gold never goes negative."""

    @invariant()
    def gold_never_negative(self) -> None:
        wallet = self.data.get("wallet")
        assert wallet is None or wallet["balance"] >= 0, f"balance went negative: {wallet}"

    @invariant()
    def owned_items_were_paid_for(self) -> None:
        wallet = self.data.get("wallet")
        if wallet is not None:
            from examples.shop import ITEMS, START_BALANCE

            assert wallet["balance"] + sum(ITEMS[name] for name in wallet["owned"]) == START_BALANCE


def test_shop_gold_is_never_negative() -> None:
    ShopMachine.run(BOUNDED)


def make_leaky_shop() -> Flow:
    """A seeded bug: the guard checks for *any* gold, not enough gold for the price."""
    leaky = Flow("leaky")

    def gold(ctx: Context) -> int:
        return int(ctx.data.setdefault("gold", 10))

    def pay(ctx: Context) -> None:
        ctx.data["gold"] = gold(ctx) - 7

    @leaky.state(initial=True)
    def stall(ctx: Context) -> Screen:
        return Screen(
            f"Gold: {gold(ctx)}",
            items=[
                Button("Look around", trigger="look"),
                Button("Buy apple", action=pipeline(guard(lambda ctx: gold(ctx) > 0, name="has_gold"), pay)),
            ],
        )

    @leaky.state(returnable=True, fallback="stall")
    def street(ctx: Context) -> Screen:
        return Screen("The street")

    leaky.transition("look", "stall", "street")
    return leaky


def test_a_seeded_bug_is_found_and_shrunk_to_harness_calls() -> None:
    class LeakyMachine(FlowStateMachine(make_leaky_shop())):
        @invariant()
        def gold_never_negative(self) -> None:
            assert self.data.get("gold", 0) >= 0, "gold went negative"

    with pytest.raises(AssertionError, match="gold went negative") as failure:
        LeakyMachine.run(settings(BOUNDED, max_examples=100, stateful_step_count=6))
    calls = [note for note in getattr(failure.value, "__notes__", ()) if note.startswith("await h.")]
    # Minimal: open the stall, buy twice (10 -> 3 -> -4); every other step was shrunk away.
    assert calls == ["await h.command('leaky')", "await h.click('Buy apple')", "await h.click('Buy apple')"]
