"""Session snapshots: msgpack against JSON on a typical snapshot, and its size in Redis.

    python bench/snapshot.py

The typical snapshot is the shop example's session after two purchases, a page turn and a visit
to the inventory (a wallet with owned items in session data, one history entry, a message, an
interaction token). Both encodings use the same msgspec ``Snapshot`` schema; "verified" is what a
store pays (encode, then decode and compare, so that a value that would change is named at once).
With ``redis-server`` installed, it also stores the snapshot in a throwaway server on a free
loopback port and prints ``MEMORY USAGE`` of its key.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import time
import timeit
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import msgspec

from examples.shop import shop
from flowfsm.engine.session import Session
from flowfsm.engine.snapshot import Snapshot, decode_session, encode_session, snapshot_of
from flowfsm.testing import Harness

WALL = time.time() - 1000.0


async def typical_session() -> Session:
    """The shop's session after two purchases, a page turn and the inventory."""
    async with Harness([shop]) as harness:
        await harness.command("shop")
        for label in ("Item 01 (6)", "Item 02 (7)", "Next →", "Inventory"):
            await harness.click(label)
        session: Session = harness.session()
        return session


def per_call(fn: Any, number: int = 20_000) -> float:
    """Microseconds per call, best of five rounds."""
    return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6


def figures(session: Session) -> list[tuple[str, int, float, float]]:
    """(encoding, bytes, encode µs, decode µs) for msgpack and JSON."""
    flows = {shop.name: shop}
    snapshot = snapshot_of(session, wall_offset=WALL)
    json_snapshot = msgspec.structs.replace(snapshot, data=msgspec.Raw(msgspec.json.encode(session.data)))
    packed = msgspec.msgpack.encode(snapshot)
    text = msgspec.json.encode(json_snapshot)
    json_decoder = msgspec.json.Decoder(Snapshot)
    msgpack_decoder = msgspec.msgpack.Decoder(Snapshot)
    rows = [
        (
            "msgpack",
            len(packed),
            per_call(lambda: msgspec.msgpack.encode(snapshot)),
            per_call(lambda: msgpack_decoder.decode(packed)),
        ),
        (
            "json",
            len(text),
            per_call(lambda: msgspec.json.encode(json_snapshot)),
            per_call(lambda: json_decoder.decode(text)),
        ),
        (
            "msgpack, whole session (verified encode / decode + restore)",
            len(packed),
            per_call(lambda: encode_session(session, wall_offset=WALL), 5_000),
            per_call(lambda: decode_session(packed, flows, wall_offset=WALL), 5_000),
        ),
    ]
    return rows


async def memory_usage(session: Session) -> int | None:
    """``MEMORY USAGE`` of the session's key in a real, throwaway redis-server."""
    if shutil.which("redis-server") is None:
        return None
    from flowfsm.engine.stores.redis import RedisStore
    from flowfsm.testing.redis_server import RedisServer

    with RedisServer() as server:
        store = RedisStore(server.url)
        store.bind({shop.name: shop}, time.monotonic)
        await store.add(session)
        used = await store.memory_usage(session.id)
        await store.close()
        return used


def main() -> None:
    """Print the table."""
    session = asyncio.run(typical_session())
    print(f"{'encoding':<62} {'bytes':>6} {'encode µs':>10} {'decode µs':>10}")
    for name, size, encode, decode in figures(session):
        print(f"{name:<62} {size:>6} {encode:>10.2f} {decode:>10.2f}")
    used = asyncio.run(memory_usage(session))
    if used is not None:
        print(f"MEMORY USAGE of the session's Redis key: {used} bytes")


if __name__ == "__main__":
    main()
