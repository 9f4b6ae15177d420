"""The resilient pattern: a shop menu whose data lives in SQLite, not in the session.

* Render functions read from the database, through a TTL cache of the catalog shared by every
  session (:mod:`examples.inventory_db`); they never trust what the session remembers about stock
  or balance.
* "Buy" is an action that writes the database in a transaction which re-checks stock and balance
  in the database (not the cache); a refusal becomes :class:`flowfsm.GuardFailure`, an ephemeral
  message, with nothing written. The write invalidates the cached catalog; the action then puts
  the outcome in per-state UI state, and the re-render that follows shows it at once.
* Live: each screen watches the stock it shows (``ctx.watch("stock", sku)``) and a purchase
  invalidates it (``ctx.invalidate("stock", sku)``), so every other open menu showing that item
  re-renders with the new stock line — coalesced, at most one edit per menu per
  ``FlowManager(refresh_interval=...)``.
* The session holds only UI state: the category being browsed (session data) and the last notice
  (per-state data). The user's last viewed category is also written to the database, so a lost
  menu re-opens where the user was: ``/inventory`` starts from it, and a click on an expired menu
  (after a timeout or a restart) is answered with an "Open again" button (``Flow(resume=...)``).

States: ``shop`` (balance and categories) -> ``category`` (items with Buy buttons, Refresh) ->
``owned`` (what you own) and the final ``closed``. Run it as a bot with
``DISCORD_TOKEN=... python -m examples.inventory`` and type ``/inventory``; the database file is
``$INVENTORY_DB`` (default ``inventory.sqlite3``). Elsewhere (tests, the playground) call
:func:`configure` first; unconfigured, the flow uses ``$INVENTORY_DB`` or an in-memory database.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from os import PathLike
from typing import Any

import hikari
import miru

from examples.inventory_db import DEFAULT_CATALOG, InventoryDB, Item, PurchaseRefused
from flowfsm import Button, Context, Flow, FlowManager, GuardFailure, Screen

__all__ = ["configure", "db", "inventory", "main", "resume", "start_options"]

DB_ENV = "INVENTORY_DB"
"""Environment variable naming the database file (default ``inventory.sqlite3``)."""

_db: InventoryDB | None = None


def configure(
    path: str | PathLike[str],
    *,
    catalog: Iterable[tuple[str, str, str, int, int]] = DEFAULT_CATALOG,
    **options: Any,
) -> InventoryDB:
    """Point the shop at a database (a file path or ``":memory:"``) and return its data access object.

    The previous one is forgotten (close it yourself if you opened it). ``options`` go to
    :class:`~examples.inventory_db.InventoryDB` (``cache_ttl``, ``starting_balance``, ...).
    """
    global _db
    _db = InventoryDB(path, catalog=catalog, **options)
    return _db


def db() -> InventoryDB:
    """The shop's data access object: the configured one, else ``$INVENTORY_DB``, else an in-memory
    database (so tools that run the flow, like the playground, leave no file behind)."""
    if _db is None:
        return configure(os.environ.get(DB_ENV, ":memory:"))
    return _db


async def start_options(user_id: int) -> dict[str, Any]:
    """Where a new menu of this user opens, from the database: their last viewed category."""
    category = await db().last_category(user_id)
    return {"category": category} if category else {}


async def resume(interaction: hikari.PartialInteraction) -> dict[str, Any]:
    """``Flow(resume=...)``: the options that re-open an expired menu for the clicking user."""
    user = getattr(interaction, "user", None)
    if user is None:
        return {}
    return await start_options(int(user.id))


inventory = Flow(
    "inventory",
    timeout=300,
    command="inventory",
    description="Shop: browse categories, buy items, see what you own",
    resume=resume,
)


# -- hooks and actions ---------------------------------------------------------------------------------


async def open_where_left(ctx: Context) -> None:
    """On the session's first screen: jump to the category the start options name."""
    if ctx.data.get("opened"):
        return
    ctx.data["opened"] = True
    category = ctx.options.get("category")
    if category and category in await db().categories():
        await ctx.fire("browse", category=category)


def pick_category(ctx: Context) -> None:
    """Before ``browse``: the chosen category becomes session state (it outlives the screen)."""
    ctx.data["category"] = ctx.trigger_options.get("category") or ctx.data.get("category")


async def remember_category(ctx: Context) -> None:
    """Entering a category: record it in the database, so a lost menu re-opens here."""
    await db().set_last_category(ctx.user_id, ctx.data["category"])


async def buy(ctx: Context, sku: str) -> None:
    """Buy one ``sku``; the category re-renders afterwards from the database.

    The database decides: the store's transaction re-checks stock and balance (never the cache)
    and invalidates the cached catalog on commit. A refusal is a :class:`GuardFailure`: the user
    gets its message, ephemerally, and nothing is written. On success the UI state gets the
    notice, so the next render (right after this action) shows the purchase.
    """
    try:
        receipt = await db().purchase(ctx.user_id, sku)
    except PurchaseRefused as refused:
        raise GuardFailure(str(refused)) from None
    # Live menus: every other open menu showing this item's stock re-renders (coalesced).
    ctx.invalidate("stock", sku)
    ctx.state["notice"] = f"✅ Bought **{receipt.name}** for {receipt.price} coins."
    ctx.data["bought"] = ctx.data.get("bought", 0) + 1


def refresh(ctx: Context) -> None:
    """Re-render from the database (and the shared cache) without changing anything."""
    ctx.state.pop("notice", None)


# -- states --------------------------------------------------------------------------------------------


@inventory.state(initial=True, on_enter=open_where_left)
async def shop(ctx: Context) -> Screen:
    """Balance and categories."""
    store = db()
    balance = await store.balance(ctx.user_id)
    lines = [f"**Shop** · your balance: **{balance}** coins", ""]
    buttons: list[Button] = []
    for category in (await store.categories())[:20]:
        stocked = await store.items(category)
        for item in stocked:
            ctx.watch("stock", item.sku)  # this screen shows these items' stock
        in_stock = sum(1 for item in stocked if item.stock > 0)
        lines.append(f"• {category.title()}: {in_stock} item(s) in stock")
        buttons.append(
            Button(category.title(), trigger="browse", options={"category": category}, id=f"cat-{category}")
        )
    buttons.append(Button("My items", trigger="owned", id="owned", row=4))
    buttons.append(Button("Close", trigger="close", id="close", style=hikari.ButtonStyle.DANGER, row=4))
    return Screen(content="\n".join(lines), items=buttons)


def _line(item: Item) -> str:
    stock = f"{item.stock} left" if item.stock > 0 else "**sold out**"
    return f"• **{item.name}** · {item.price} coins · {stock}"


@inventory.state(on_enter=remember_category)
async def category(ctx: Context) -> Screen:
    """The items of the chosen category, each with a Buy button."""
    store = db()
    name: str = ctx.data["category"]
    items = (await store.items(name))[:15]
    balance = await store.balance(ctx.user_id)
    lines = [f"**{name.title()}** · your balance: **{balance}** coins", ""]
    if notice := ctx.state.get("notice"):
        lines[:0] = [notice, ""]
    for item in items:
        ctx.watch("stock", item.sku)  # another user's purchase re-renders this screen
    lines += [_line(item) for item in items] or ["Nothing here yet."]
    buttons = [
        Button(
            f"Buy {item.name}" if item.stock > 0 else f"{item.name} (sold out)",
            action=functools.partial(buy, sku=item.sku),
            id=f"buy-{item.sku}",
            style=hikari.ButtonStyle.PRIMARY,
            disabled=item.stock <= 0,
        )
        for item in items
    ]
    buttons += [
        Button("Refresh", action=refresh, id="refresh", emoji="🔄", row=4),
        Button("Back", trigger="back", id="back", row=4),
        Button("My items", trigger="owned", id="owned", row=4),
    ]
    return Screen(content="\n".join(lines), items=buttons)


@inventory.state()
async def owned(ctx: Context) -> Screen:
    """What the user owns, read from the database."""
    store = db()
    mine = await store.owned(ctx.user_id)
    balance = await store.balance(ctx.user_id)
    lines = [f"**Your items** · balance: **{balance}** coins", ""]
    lines += [f"• {entry.name}: {entry.quantity}" for entry in mine] or ["You own nothing yet."]
    return Screen(
        content="\n".join(lines),
        items=[
            Button("Back", trigger="back", id="back"),
            Button("Close", trigger="close", id="close", style=hikari.ButtonStyle.DANGER),
        ],
    )


@inventory.state(final=True)
async def closed(ctx: Context) -> Screen:
    """Shown once when the user closes the shop."""
    balance = await db().balance(ctx.user_id)
    return Screen(content=f"Shop closed. Your balance: {balance} coins.")


inventory.transition("browse", "shop", "category", before=pick_category)
inventory.transition("owned", ["shop", "category"], "owned")
inventory.transition("back", ["category", "owned"], "shop")
inventory.transition("close", ["shop", "owned"], "closed")
# `flowfsm check` opens each state on its own: the category a click would have chosen.
inventory.sample("category", data={"category": "weapons"})


def main() -> None:
    """Run the shop as a gateway bot with an /inventory command (``DISCORD_TOKEN``, ``INVENTORY_DB``)."""
    configure(os.environ.get(DB_ENV, "inventory.sqlite3"))  # a file: purchases outlive the bot
    bot = hikari.GatewayBot(os.environ["DISCORD_TOKEN"])
    client = miru.Client(bot)
    flows = FlowManager(client, [inventory])

    @bot.listen(hikari.StartedEvent)
    async def register_commands(_: hikari.StartedEvent) -> None:
        await db().connection()  # creates the schema now rather than on the first click
        app = await bot.rest.fetch_application()
        guild = os.environ.get("DISCORD_GUILD_ID")
        command = bot.rest.slash_command_builder("inventory", "Open the shop")
        await bot.rest.set_application_commands(
            app.id, [command], guild=int(guild) if guild else hikari.UNDEFINED
        )

    @bot.listen(hikari.InteractionCreateEvent)
    async def on_command(event: hikari.InteractionCreateEvent) -> None:
        interaction = event.interaction
        if isinstance(interaction, hikari.CommandInteraction) and interaction.command_name == "inventory":
            # Pick up where the database says the user was; nothing of old sessions is assumed.
            await flows.start(interaction, inventory, options=await start_options(int(interaction.user.id)))

    @bot.listen(hikari.StoppingEvent)
    async def close_db(_: hikari.StoppingEvent) -> None:
        await flows.close()
        await db().close()

    bot.run()


if __name__ == "__main__":
    main()
