"""Replicas of a REST bot in separate processes, sharing one RedisStore on the real redis-server,
behind a round-robin load balancer (see flowfsm.testing.replicas): clicks of one session
alternate replicas with no lost update, two replicas clicked at once run one step, and a replica
SIGKILLed in the middle of a step loses nothing that was committed and serves again once restarted.

Each replica is ``tests/remote_flows.py``'s counter flow on a ``hikari.RESTBot`` with the real
``miru.Client``; interactions are signed with the test's Ed25519 key, as Discord signs them. The
lock's lease is 1 s here, so that a killed replica's lock frees quickly.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest_asyncio

from flowfsm.testing import FakeDiscord, signing
from flowfsm.testing.harness import components_of
from flowfsm.testing.redis_server import RedisServer
from flowfsm.testing.replicas import Interactions, ReplicaSet, RoundRobin

ROOT = Path(__file__).resolve().parent.parent
USER = 4242_0001
_prefixes = itertools.count(1)


@dataclass
class Cluster:
    discord: FakeDiscord
    replicas: ReplicaSet
    balancer: RoundRobin
    users: Interactions
    marker: Path
    menu_id: int = 0

    @property
    def menu(self) -> dict[str, Any]:
        return self.discord.messages[self.menu_id]

    def button(self, label: str) -> str:
        return next(str(c["custom_id"]) for c in components_of(self.menu) if c.get("label") == label)

    async def open(self, url: str, command: str = "counter") -> None:
        sent = await self.users.command(url, command, user=USER)
        message = self.discord.message_for_token(sent.token)
        assert message is not None, sent
        self.menu_id = int(message["id"])

    async def click(self, url: str, label: str) -> Any:
        return await self.users.click(url, self.menu, self.button(label), user=USER)


async def cluster(redis_server: RedisServer, tmp_path: Path, count: int) -> AsyncIterator[Cluster]:
    signing_key, public_key = signing.generate_keypair()
    marker = tmp_path / "slow-step"
    async with FakeDiscord() as discord:
        replicas = ReplicaSet(
            "remote_flows:build",
            count,
            discord,
            redis_server.url,
            public_key,
            store_options={"prefix": f"replicas{next(_prefixes)}:", "lease": 1.0, "wait": 3.0},
            env={"FLOWFSM_SLOW_MARKER": str(marker), "FLOWFSM_HANG_MARKER": str(marker) + "-ring"},
            path=[str(ROOT), str(ROOT / "tests")],
        )
        async with replicas, RoundRobin(replicas) as balancer, aiohttp.ClientSession() as http:
            yield Cluster(discord, replicas, balancer, Interactions(discord, signing_key, http), marker)


def exists(path: Path) -> bool:
    return path.exists()


def read(path: Path) -> str:
    return path.read_text()


async def appears(path: Path) -> None:
    """Until the file ``path`` exists (written by a replica process)."""
    for _ in range(2000):
        if exists(path):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{path} never appeared")


@pytest_asyncio.fixture
async def three(redis_server: RedisServer, tmp_path: Path) -> AsyncIterator[Cluster]:
    async for c in cluster(redis_server, tmp_path, 3):
        yield c


@pytest_asyncio.fixture
async def two(redis_server: RedisServer, tmp_path: Path) -> AsyncIterator[Cluster]:
    async for c in cluster(redis_server, tmp_path, 2):
        yield c


async def test_clicks_alternate_replicas_and_concurrent_clicks_run_once(three: Cluster) -> None:
    c = three
    await c.open(c.balancer.url)
    for _ in range(9):
        sent = await c.click(c.balancer.url, "Add")
        assert sent.status == 200 and sent.ephemeral_text is None, sent
    assert c.menu["content"] == "n=9"  # no lost update
    assert list(c.balancer.served.values()) == [{0, 1, 2}]  # the session was served by every replica
    assert c.balancer.multi_served() == 1
    # Two replicas get a click of the same screen at once: one step runs, the other click finds
    # the screen it was on replaced and runs nothing.
    first, second = await asyncio.gather(c.click(c.replicas[0].url, "Add"), c.click(c.replicas[1].url, "Add"))
    refusals = [s.ephemeral_text for s in (first, second) if s.ephemeral_text is not None]
    assert len(refusals) == 1 and "earlier screen" in refusals[0]
    assert c.menu["content"] == "n=10"


async def test_a_replica_killed_in_the_middle_of_a_step_loses_nothing_committed(two: Cluster) -> None:
    c = two
    await c.open(c.replicas[0].url)
    await c.click(c.replicas[1].url, "Add")
    assert c.menu["content"] == "n=1"
    slow = asyncio.create_task(c.click(c.replicas[0].url, "Slow"))
    await appears(c.marker)  # the Slow step is running on replica 0, holding the lock
    c.replicas.kill(0)
    assert (await slow).status != 200  # its interaction was never answered
    # The balancer sends the next click to replica 1, which waits out the dead replica's lease.
    # The killed step began (its effects may be done) but did not commit: this click runs nothing
    # and redraws the menu from the last committed step.
    sent = await c.click(c.balancer.url, "Add")
    assert sent.status == 200 and sent.ephemeral_text is None, sent
    assert c.menu["content"] == "n=1"
    sent = await c.click(c.balancer.url, "Add")
    assert c.menu["content"] == "n=2"  # nothing committed was lost
    c.marker.unlink()
    await c.replicas.restart(0)
    sent = await c.click(c.replicas[0].url, "Add")  # the restarted replica serves the same menu
    assert sent.ephemeral_text is None, sent
    assert c.menu["content"] == "n=3"
    assert c.balancer.served  # the balancer routed clicks of the session


async def shows(c: Cluster, text: str) -> None:
    """Until the menu shows ``text`` (edited by a replica's timed edge, on its own clock)."""
    for _ in range(2000):
        if c.menu["content"] == text:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the menu never showed {text!r}; it shows {c.menu['content']!r}")


async def test_a_replica_killed_while_it_fires_a_timed_edge_leaves_it_to_another(two: Cluster) -> None:
    c = two
    await c.open(c.replicas[0].url, "bell")
    assert c.menu["content"] == "quiet"
    hang = Path(str(c.marker) + "-ring")
    await appears(hang)  # one replica claimed the due edge and hangs in its step, holding the lock
    claimer = int(read(hang))
    c.replicas.kill(claimer)
    # After the lock's and the claim's leases (1 s), the other replica fires it: once.
    await shows(c, "rings=1")
    sent = await c.click(c.balancer.url, "Again")
    assert sent.status == 200 and sent.ephemeral_text is None, sent
    await shows(c, "rings=2")  # the plan of the new visit rang on the surviving replica
