"""The second process of the HTTP benchmark: plays Discord against a ``hikari.RESTBot`` interaction server.

``python bench/loadgen.py URL SIGNING_KEY_HEX [--concurrency N --warmup S --duration S]``

Each of ``--concurrency`` workers is one user: it sends a signed ``/bench`` command, then clicks the
benchmark cycle (main -List-> list -Open-> detail -Back-> list -Back-> main …) on the menu it got,
one request at a time, each click built from the components of the previous reply, exactly as
Discord builds a component interaction from the message it shows. So the load is bounded: at most
``--concurrency`` requests are in flight. Clicks answered during the ``--duration`` seconds after a
``--warmup`` are counted; every reply is checked (HTTP 200, an UPDATE_MESSAGE showing the screen the
click leads to). Prints one JSON line: clicks, seconds, clicks per second, latency percentiles, errors,
and this process's CPU share (near 1.0 would mean the load generator, not the bot, is the limit).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
import nacl.signing

from bench import flows
from bench.env import APPLICATION_ID, CHANNEL_ID, GUILD_ID, OpenMenu
from flowfsm.testing import payloads, signing

FIRST_USER = 500_000


class Load:
    """Shared counters of one load run."""

    def __init__(self, warmup_end: float, end: float) -> None:
        self.warmup_end = warmup_end
        self.end = end
        self.clicks = 0
        self.errors: list[str] = []
        self.latencies: list[float] = []
        self.ids = payloads.Ids(1_400_000_000_000_000_000)


async def post(
    http: aiohttp.ClientSession, url: str, key: nacl.signing.SigningKey, payload: dict[str, Any]
) -> tuple[int, Any]:
    """Sign and POST one interaction; returns (status, decoded JSON or raw bytes)."""
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", **signing.sign(key, body)}
    async with http.post(url, data=body, headers=headers) as response:
        raw = await response.read()
        if response.content_type == "application/json":
            return response.status, json.loads(raw)
        return response.status, raw


async def worker(
    index: int, url: str, key: nacl.signing.SigningKey, http: aiohttp.ClientSession, load: Load
) -> None:
    """One user: open a menu, then click the cycle until the run ends."""
    user = FIRST_USER + index
    command = payloads.command_interaction(
        interaction_id=load.ids.next(),
        token=f"lg{index}-0",
        user_id=user,
        command_name="bench",
        guild_id=GUILD_ID,
        channel_id=CHANNEL_ID,
        application_id=APPLICATION_ID,
    )
    status, answer = await post(http, url, key, command)
    if status != 200 or not isinstance(answer, dict) or answer.get("type") != 4:
        load.errors.append(f"start: {status} {answer!r:.200}")
        return
    menu = OpenMenu(user, load.ids.next())
    menu.apply(answer)
    clicks = 0
    while (now := time.perf_counter()) < load.end:
        _, label, after = flows.CYCLE[menu.step % len(flows.CYCLE)]
        message = payloads.message(
            message_id=menu.message_id,
            channel_id=CHANNEL_ID,
            content=menu.content,
            components=menu.components,
            application_id=APPLICATION_ID,
            guild_id=GUILD_ID,
        )
        click = payloads.component_interaction(
            interaction_id=load.ids.next(),
            token=f"lg{index}-{clicks}",
            user_id=user,
            custom_id=menu.custom_id(label),
            message=message,
            guild_id=GUILD_ID,
            channel_id=CHANNEL_ID,
            application_id=APPLICATION_ID,
        )
        sent = time.perf_counter()
        status, answer = await post(http, url, key, click)
        done = time.perf_counter()
        clicks += 1
        ok = status == 200 and isinstance(answer, dict) and answer.get("type") == 7
        if not ok or answer["data"].get("content") != flows.CONTENT[after]:
            load.errors.append(f"click {label!r}: {status} {answer!r:.200}")
            return
        menu.apply(answer)
        menu.step += 1
        if now >= load.warmup_end and done <= load.end:
            load.clicks += 1
            load.latencies.append(done - sent)


async def run(url: str, key_hex: str, concurrency: int, warmup: float, duration: float) -> dict[str, Any]:
    """Run the load and return its figures."""
    key = nacl.signing.SigningKey(bytes.fromhex(key_hex))
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:
        start = time.perf_counter()
        load = Load(start + warmup, start + warmup + duration)
        cpu0 = time.process_time()
        await asyncio.gather(*(worker(i, url, key, http, load) for i in range(concurrency)))
        cpu = time.process_time() - cpu0
        wall = time.perf_counter() - start
    latencies = sorted(load.latencies)
    return {
        "clicks": load.clicks,
        "seconds": duration,
        "clicks_per_s": load.clicks / duration,
        "latency_ms_p50": 1e3 * statistics.median(latencies) if latencies else None,
        "latency_ms_p99": 1e3 * latencies[int(0.99 * (len(latencies) - 1))] if latencies else None,
        "errors": len(load.errors),
        "first_error": load.errors[0] if load.errors else None,
        "loadgen_cpu_share": cpu / wall if wall else None,
        "concurrency": concurrency,
    }


def main() -> None:
    """Parse arguments, run, print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url")
    parser.add_argument("signing_key_hex")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=0.5)
    parser.add_argument("--duration", type=float, default=3.0)
    args = parser.parse_args()
    result = asyncio.run(run(args.url, args.signing_key_hex, args.concurrency, args.warmup, args.duration))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
