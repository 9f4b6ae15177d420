"""Shared test set-up: the repository root on sys.path so ``examples`` imports."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# -- a real redis-server for the store tests -------------------------------------------------------------

import itertools  # noqa: E402
import logging  # noqa: E402
from collections.abc import AsyncIterator, Callable, Iterator  # noqa: E402

import pytest  # noqa: E402
import pytest_asyncio  # noqa: E402
from escapes import catch_escapes  # noqa: E402

from flowfsm.testing.redis_server import RedisServer  # noqa: E402

_prefixes = itertools.count(1)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One real ``redis-server`` for the whole test session (loopback, free port, no persistence)."""
    with RedisServer() as server:
        yield server


@pytest_asyncio.fixture
async def redis_store(redis_server: RedisServer) -> AsyncIterator[Callable[..., object]]:
    """Make :class:`~flowfsm.engine.stores.redis.RedisStore` instances on the test server, each with
    its own client, all sharing this test's key prefix (so tests never see each other's keys)."""
    from flowfsm.engine.stores.redis import RedisStore

    prefix = f"t{next(_prefixes)}:"
    stores: list[RedisStore] = []

    def make(**options: object) -> RedisStore:
        store = RedisStore(redis_server.url, prefix=prefix, **options)  # type: ignore[arg-type]
        stores.append(store)
        return store

    yield make
    for store in stores:
        await store.close()


@pytest_asyncio.fixture
async def escaped() -> AsyncIterator[list[str]]:
    """For the adversarial suites: exceptions that reach the event loop and ERROR log records, checked empty at the end."""
    found: list[str] = []
    async with catch_escapes(
        lambda context: found.append(f"loop: {context.get('exception')!r}"),
        lambda record: found.append(f"log {record.name}: {record.getMessage()}"),
        logging.ERROR,
    ):
        yield found
    assert found == []
