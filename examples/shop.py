"""A shop: paginated item buttons with pinned buttons, a paginated inventory list, a purchase guard.

``catalog`` offers 24 items, 8 per page (``Screen(page_size=8)``); "Inventory" is pinned at the
start and "Done" at the end of every page; Previous/Next sit in the reserved row, disabled at the
ends. Each purchase is a pipeline guarded by the balance. ``inventory`` paginates the bought
items as a list (``Paginate``: 5 per page), with a select to sell one from the current page.
"""

from __future__ import annotations

import hikari

from flowfsm import Button, Context, Flow, Screen, guard, pipeline
from flowfsm.define.pagination import Paginate
from flowfsm.define.selects import SelectOption, TextSelect

shop = Flow("shop", description="Paginated catalog with pinned buttons, paginated inventory, purchase guard")

ITEMS = {f"Item {n:02d}": 5 + n for n in range(1, 25)}
START_BALANCE = 200


def wallet(ctx: Context) -> dict[str, object]:
    """The user's wallet, kept in session data (a real shop keeps it in a database)."""
    return ctx.data.setdefault(
        "wallet", {"balance": int(ctx.options.get("balance", START_BALANCE)), "owned": []}
    )


def affordable(name: str) -> object:
    """A guard refusing a purchase the balance cannot cover, naming the shortfall."""

    def check(ctx: Context) -> bool | str:
        balance = int(wallet(ctx)["balance"])  # type: ignore[call-overload]
        return True if balance >= ITEMS[name] else f"{name} costs {ITEMS[name]}; you have {balance}."

    return guard(check, name=f"can_afford_{name}")


def purchase(name: str) -> object:
    """The action run when the guard passes."""

    def buy(ctx: Context) -> None:
        w = wallet(ctx)
        w["balance"] = int(w["balance"]) - ITEMS[name]  # type: ignore[call-overload]
        w["owned"].append(name)  # type: ignore[attr-defined]
        ctx.state["last"] = name

    return buy


def log_page(direction: str) -> object:
    """on_next / on_previous hook: remember page turns (shows the hooks firing)."""

    def hook(ctx: Context) -> None:
        ctx.data.setdefault("turns", []).append(f"{ctx.state_name}:{direction}:{ctx.page_number}")

    return hook


@shop.state(initial=True, tracked=True, on_next=log_page("next"), on_previous=log_page("previous"))
def catalog(ctx: Context) -> Screen:
    """The catalog, a page of item buttons at a time."""
    w = wallet(ctx)
    note = f" Bought {ctx.state['last']}." if "last" in ctx.state else ""
    items = [
        Button(f"{name} ({price})", action=pipeline(affordable(name), purchase(name)), id=f"buy-{name[-2:]}")  # type: ignore[arg-type]
        for name, price in ITEMS.items()
    ]
    return Screen(
        f"Balance: {w['balance']} coins.{note}",
        items=[
            Button("Inventory", trigger="inventory", pin="start", style=hikari.ButtonStyle.PRIMARY),
            *items,
            Button("Done", trigger="done", pin="end", style=hikari.ButtonStyle.SUCCESS),
        ],
        page_size=8,
    )


def sell(ctx: Context, values: list[str]) -> None:
    """Select action: sell the chosen item back at its price."""
    w = wallet(ctx)
    for name in values:
        w["owned"].remove(name)  # type: ignore[attr-defined]
        w["balance"] = int(w["balance"]) + ITEMS[name]  # type: ignore[call-overload]


def owned_count(ctx: Context) -> int:
    """Paginate's count function: how many items the user owns."""
    return len(wallet(ctx)["owned"])  # type: ignore[arg-type]


@shop.state(returnable=True, paginate=Paginate(count=owned_count, per_page=5), on_next=log_page("next"))
def inventory(ctx: Context) -> Screen:
    """The owned items, five per page, with a select to sell one of this page's items."""
    assert ctx.page is not None
    owned: list[str] = wallet(ctx)["owned"]  # type: ignore[assignment]
    shown = ctx.page.slice(owned)
    lines = "\n".join(f"{ctx.page.start + i + 1}. {name}" for i, name in enumerate(shown)) or "Nothing yet."
    header = f"Inventory, page {ctx.page.current + 1}/{ctx.page.total_pages} ({ctx.page.total_items} items)"
    items = []
    if shown:
        items.append(
            TextSelect(
                [SelectOption(name) for name in dict.fromkeys(shown)], placeholder="Sell an item", action=sell
            )
        )
    return Screen(f"{header}\n{lines}", items=items)


@shop.state(final=True)
def receipt(ctx: Context) -> Screen:
    """Shown once when the user is done."""
    w = wallet(ctx)
    return Screen(f"Thanks! You own {len(w['owned'])} item(s) and have {w['balance']} coins left.")  # type: ignore[arg-type]


shop.transition("inventory", "catalog", "inventory")
shop.transition("done", "catalog", "receipt")

# Exploration fixture: a wallet with nothing in it, so `flowfsm explore --coverage` and
# `flowfsm gen-tests` also see every purchase guard refuse.
shop.sample("catalog", options={"balance": 0}, name="broke")


def main() -> None:
    """Run on Discord: /shop."""
    from examples._bot import run_bot

    run_bot([shop])


if __name__ == "__main__":
    main()
