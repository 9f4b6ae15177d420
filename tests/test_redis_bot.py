"""examples/redis_bot.py without a token: two replicas of it in separate processes on the real
redis-server and one SQLite file, behind the round-robin balancer; one shopping session's clicks
alternate replicas, one replica is restarted in the middle (a deploy), and the database's books
agree with every purchase the menu acknowledged."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest_asyncio

from examples.inventory_db import InventoryDB
from flowfsm.testing import FakeDiscord, signing
from flowfsm.testing.harness import components_of
from flowfsm.testing.redis_server import RedisServer
from flowfsm.testing.replicas import Interactions, ReplicaSet, RoundRobin

ROOT = Path(__file__).resolve().parent.parent
USER = 5150
_prefixes = itertools.count(1)


class Shopper:
    def __init__(self, discord: FakeDiscord, users: Interactions, url: str) -> None:
        self.discord, self.users, self.url = discord, users, url
        self.menu_id = 0

    @property
    def menu(self) -> dict[str, Any]:
        return self.discord.messages[self.menu_id]

    async def open(self) -> None:
        sent = await self.users.command(self.url, "inventory", user=USER)
        message = self.discord.message_for_token(sent.token)
        assert message is not None, sent
        self.menu_id = int(message["id"])

    async def click(self, label: str) -> None:
        cid = next(str(c["custom_id"]) for c in components_of(self.menu) if c.get("label") == label)
        sent = await self.users.click(self.url, self.menu, cid, user=USER)
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
