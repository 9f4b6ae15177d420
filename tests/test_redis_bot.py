"""examples/redis_bot.py without a token: two replicas of it in separate processes on the real
redis-server and one SQLite file, behind the round-robin balancer; one shopping session's clicks
alternate replicas, one replica is restarted in the middle (a deploy), and the database's books
agree with every purchase the menu acknowledged."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import hikari
import miru
import pytest_asyncio

from examples.inventory import configure, db, inventory
from examples.inventory_db import InventoryDB
from examples.redis_bot import restock
from flowfsm import FlowManager, RedisStore
from flowfsm.testing import FakeDiscord, signing
from flowfsm.testing.harness import components_of
from flowfsm.testing.redis_server import RedisServer
from flowfsm.testing.replicas import Interactions, ReplicaSet, RoundRobin

ROOT = Path(__file__).resolve().parent.parent
USER = 5150
_prefixes = itertools.count(1)


class Shopper:
    def __init__(self, discord: FakeDiscord, users: Interactions, url: str, user: int = USER) -> None:
        self.discord, self.users, self.url, self.user = discord, users, url, user
        self.menu_id = 0

    @property
    def menu(self) -> dict[str, Any]:
        return self.discord.messages[self.menu_id]

    async def open(self) -> None:
        sent = await self.users.command(self.url, "inventory", user=self.user)
        message = self.discord.message_for_token(sent.token)
        assert message is not None, sent
        self.menu_id = int(message["id"])

    async def click(self, label: str) -> None:
        cid = next(str(c["custom_id"]) for c in components_of(self.menu) if c.get("label") == label)
        sent = await self.users.click(self.url, self.menu, cid, user=self.user)
        assert sent.status == 200 and sent.ephemeral_text is None, sent


@pytest_asyncio.fixture
async def shop(
    redis_server: RedisServer, tmp_path: Path
) -> AsyncIterator[tuple[Shopper, ReplicaSet, RoundRobin]]:
    signing_key, public_key = signing.generate_keypair()
    async with FakeDiscord() as discord:
        replicas = ReplicaSet(
            "examples.redis_bot:build",
            2,
            discord,
            redis_server.url,
            public_key,
            store_options={"prefix": f"shop{next(_prefixes)}:"},
            env={"INVENTORY_DB": str(tmp_path / "shop.sqlite3")},
            path=[str(ROOT)],
        )
        async with replicas, RoundRobin(replicas) as balancer, aiohttp.ClientSession() as http:
            yield Shopper(discord, Interactions(discord, signing_key, http), balancer.url), replicas, balancer


async def test_the_shop_on_redis_across_replicas_and_a_deploy(
    shop: tuple[Shopper, ReplicaSet, RoundRobin], tmp_path: Path
) -> None:
    shopper, replicas, balancer = shop
    await shopper.open()
    assert "your balance: **100** coins" in shopper.menu["content"]
    await shopper.click("Potions")
    await shopper.click("Buy Healing potion")
    await replicas.restart(0)  # a deploy of one replica while the menu is open
    await shopper.click("Buy Healing potion")
    assert "Bought **Healing potion**" in shopper.menu["content"]
    assert "your balance: **80** coins" in shopper.menu["content"]
    await shopper.click("Back")
    await shopper.click("Close")
    assert shopper.menu["content"] == "Shop closed. Your balance: 80 coins."
    assert balancer.multi_served() == 1  # the one session was served by both replicas
    books = InventoryDB(tmp_path / "shop.sqlite3")
    try:
        assert await books.balance(USER) == 80
        assert [(o.name, o.quantity) for o in await books.owned(USER)] == [("Healing potion", 2)]
    finally:
        await books.close()


async def shows(shopper: Shopper, text: str) -> None:
    """Until the shopper's menu shows ``text`` (edited by whichever replica refreshed it)."""
    for _ in range(2000):
        if text in shopper.menu["content"]:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the menu never showed {text!r}: {shopper.menu['content']!r}")


async def test_a_purchase_updates_the_stock_in_a_menu_the_other_replica_stored(
    shop: tuple[Shopper, ReplicaSet, RoundRobin],
) -> None:
    alice, replicas, _balancer = shop
    bob = Shopper(alice.discord, alice.users, replicas[1].url, user=USER + 1)
    alice.url = replicas[0].url  # each shopper on a replica of their own
    await alice.open()
    await bob.open()
    await alice.click("Potions")
    await bob.click("Potions")
    before = bob.menu["content"]
    assert "**Healing potion** · 10 coins · 20 left" in before, before
    await alice.click("Buy Healing potion")  # on replica 0: ctx.invalidate("stock", sku)
    await shows(bob, "**Healing potion** · 10 coins · 19 left")  # Bob's menu, stored by replica 1
    await bob.click("Buy Healing potion")  # the refreshed menu's buttons still work
    await shows(alice, "**Healing potion** · 10 coins · 18 left")
    # A delivery from another process on the same Redis (a webhook worker): both menus refresh.
    store = RedisStore(replicas.redis_url, prefix=replicas.store_options["prefix"])
    bot = hikari.RESTBot("unused", "Bot")
    worker = FlowManager(miru.Client(bot), [inventory], store=store, auto_expire=False)
    try:
        configure(replicas.env["INVENTORY_DB"])
        assert await restock(worker, "potion", 5) == 2
        await shows(alice, "**Healing potion** · 10 coins · 23 left")
        await shows(bob, "**Healing potion** · 10 coins · 23 left")
    finally:
        await worker.close()
        await store.close()
        await db().close()
