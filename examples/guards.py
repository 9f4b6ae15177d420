"""Guards and pipelines: an admin-only action, and a purchase guarded by a balance check.

``is_admin`` is a guard with a fixed message; ``can_afford`` returns a dynamic message. The
purchase is a pipeline: guards first, then the action; the first failed guard stops it, the user
sees the message (ephemeral), the state does not change and the menu re-renders. The "Admin
panel" transition carries the admin guard as a condition, so the state machine refuses it.
"""

from __future__ import annotations

import hikari

from flowfsm import Button, Context, Flow, Screen, guard, pipeline

store = Flow("store", description="Guards with messages and a purchase pipeline")

PRICE = 30
ADMINS: set[int] = {1001}


@guard(message="Only admins can open the admin panel.")
def is_admin(ctx: Context) -> bool:
    """Admins are listed in ADMINS (a real bot would check roles or permissions)."""
    return ctx.user_id in ADMINS or bool(ctx.options.get("admin"))


@guard
def can_afford(ctx: Context) -> bool | str:
    """Refuse with a dynamic message naming the shortfall."""
    balance = ctx.data.setdefault("balance", int(ctx.options.get("balance", 50)))
    if balance >= PRICE:
        return True
    return f"You need {PRICE - balance} more coins."


@guard(message="You already own the sword.")
def not_owned(ctx: Context) -> bool:
    """A second guard, to show that the first failure stops the pipeline."""
    return not ctx.data.get("owned")


def buy(ctx: Context) -> None:
    """The purchase itself: runs only when every guard passed."""
    ctx.data["balance"] -= PRICE
    ctx.data["owned"] = True


@store.state(initial=True, tracked=True)
def shop(ctx: Context) -> Screen:
    """The shop."""
    balance = ctx.data.setdefault("balance", int(ctx.options.get("balance", 50)))
    owned = "yes" if ctx.data.get("owned") else "no"
    return Screen(
        f"Sword: {PRICE} coins. Balance: {balance}. Owned: {owned}.",
        items=[
            Button(
                "Buy sword", action=pipeline(can_afford, not_owned, buy), style=hikari.ButtonStyle.SUCCESS
            ),
            Button("Admin panel", trigger="admin"),
        ],
    )


@store.state(returnable=True)
def admin(ctx: Context) -> Screen:
    """Admins only."""
    return Screen("Admin panel: restock, prices, refunds.")


store.transition("admin", "shop", "admin", conditions=[is_admin])

# Exploration fixtures: an empty wallet (the balance guard refuses), a full one (the sword can
# be bought, then "already own" refuses), and an admin. `flowfsm explore --coverage` and `gen-tests` use them.
store.sample("shop", options={"balance": 0}, name="broke")
store.sample("shop", options={"balance": 100}, name="rich")
store.sample("shop", options={"admin": True}, name="admin")  # exploration's users are not in ADMINS


def main() -> None:
    """Run on Discord: /store."""
    from examples._bot import run_bot

    run_bot([store])


if __name__ == "__main__":
    main()
