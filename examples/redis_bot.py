"""The inventory shop (:mod:`examples.inventory`) on a RedisStore, served by several replicas.

Sessions live in Redis, so any replica of the interaction server serves any click, and a deploy
loses no open menu: run the module once per replica, each on its own port, behind your load
balancer (the Interactions Endpoint URL points at the balancer)::

    export DISCORD_TOKEN=... DISCORD_PUBLIC_KEY=... REDIS_URL=redis://localhost:6379/0
    export INVENTORY_DB=inventory.sqlite3    # the shop's own data, shared by the replicas
    PORT=8081 python -m examples.redis_bot &
    PORT=8082 python -m examples.redis_bot &

The flow is the same one the single-process bot runs; only the store changes. What the session
keeps (the category browsed, the last notice) is plain data that a snapshot stores as it is.

Live stock works across replicas: a purchase on one replica (``ctx.invalidate("stock", sku)``)
refreshes every open menu showing that item, whichever replica stored it, and so does
:func:`restock`, called from any process on the same Redis (a delivery webhook, a job). The
replicas read the catalog from the database rather than from a per-process cache: another
process's write would not clear that cache, and a refreshed menu would show the old stock.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import hikari
import miru

from examples.inventory import DB_ENV, configure, db, inventory, start_options
from flowfsm import FlowManager, RedisStore, RemoteStore


def build(bot: hikari.RESTBot, store: RemoteStore) -> FlowManager:
    """Wire miru and flowfsm onto ``bot`` with sessions in ``store``; /inventory opens the shop."""
    configure(os.environ.get(DB_ENV, "inventory.sqlite3"), cache_ttl=0.0)  # see the module
    flows = FlowManager(miru.Client(bot), [inventory], store=store)

    async def on_command(interaction: hikari.CommandInteraction) -> Any:
        if interaction.command_name == "inventory":
            options = await start_options(int(interaction.user.id))
            return await flows.start(interaction, inventory, options=options)
        return (
            interaction.build_response()
            .set_content("Unknown command")
            .set_flags(hikari.MessageFlag.EPHEMERAL)
        )

    bot.interaction_server.set_listener(hikari.CommandInteraction, on_command)
    return flows


async def restock(flows: FlowManager, sku: str, amount: int) -> int:
    """A delivery: ``amount`` more of ``sku``; every open menu showing it is refreshed, on whichever
    replica it is stored. ``flows`` may be any process's manager on the same Redis. Returns how
    many menus were marked for a refresh."""
    await db().restock(sku, amount)
    return await flows.ainvalidate("stock", sku)


async def serve() -> None:
    """One replica: an interaction server on ``$PORT`` with sessions in ``$REDIS_URL``."""
    bot = hikari.RESTBot(os.environ["DISCORD_TOKEN"], "Bot", os.environ.get("DISCORD_PUBLIC_KEY"))
    store = RedisStore(os.environ.get("REDIS_URL", "redis://localhost:6379/0"))
    flows = build(bot, store)
    await bot.start(port=int(os.environ.get("PORT", "8080")))
    try:
        await bot.join()
    finally:
        await flows.close()
        await store.close()
        await db().close()


def main() -> None:
    """Run one replica until interrupted."""
    asyncio.run(serve())


if __name__ == "__main__":
    main()
