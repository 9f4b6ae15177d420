"""Typed session data: ``Flow("cart", data=Cart)`` makes ``ctx.data`` a ``Cart``.

``Cart`` is a dataclass whose fields all have defaults; the engine creates it the first time a
callback reads ``ctx.data``. Annotating callbacks with ``Context[Cart]`` lets the editor complete
``ctx.data.lines`` and mypy check it. With a remote store (docs/deploying.md) the cart is stored
with its schema, so its tuple of lines comes back a tuple. Without ``data=``, ``ctx.data`` is a dict.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flowfsm import Button, Context, Flow, Screen

PRICES = {"Tea": 3, "Cake": 5}


@dataclass
class Cart:
    """What the user picked so far."""

    lines: tuple[str, ...] = ()
    total: int = 0


cart = Flow("cart", data=Cart, description="Typed session data: ctx.data is a Cart dataclass")


def add(name: str) -> Callable[[Context[Cart]], None]:
    """An action adding one item to the cart."""

    def action(ctx: Context[Cart]) -> None:
        ctx.data.lines = (*ctx.data.lines, name)
        ctx.data.total += PRICES[name]

    action.__name__ = f"add_{name.lower()}"
    return action


@cart.state(initial=True)
def picking(ctx: Context[Cart]) -> Screen:
    """The cart so far, a button per item, and checkout."""
    lines = ", ".join(ctx.data.lines) or "nothing yet"
    items = [Button(f"Add {name}", action=add(name)) for name in PRICES]
    return Screen(
        f"Cart: {lines} ({ctx.data.total} coins)", items=[*items, Button("Checkout", trigger="checkout")]
    )


@cart.state(final=True)
def paid(ctx: Context[Cart]) -> Screen:
    """The receipt."""
    return Screen(f"Paid {ctx.data.total} coins for {len(ctx.data.lines)} item(s).")


cart.transition("checkout", "picking", "paid")


def main() -> None:
    """Run on Discord: /cart."""
    from examples._bot import run_bot

    run_bot([cart])


if __name__ == "__main__":
    main()
