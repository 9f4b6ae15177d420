"""Catch what escapes a test: exceptions that reach the event loop and log records.

Shared by the adversarial, concurrency, callback and fault suites; each suite decides what it
collects and what it asserts at the end.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any


class RecordTo(logging.Handler):
    """A log handler passing every record at ``level`` and above to ``sink``."""

    def __init__(self, sink: Callable[[logging.LogRecord], None], level: int) -> None:
        super().__init__(level)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink(record)


@asynccontextmanager
async def catch_escapes(
    on_exception: Callable[[dict[str, Any]], None], on_record: Callable[[logging.LogRecord], None], level: int
) -> AsyncIterator[None]:
    """While inside: the running loop's exception handler calls ``on_exception`` and root log
    records at ``level`` and above go to ``on_record``. On leaving, garbage is collected and the
    loop turns once first, so exceptions of dropped tasks are reported too."""
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: on_exception(context))
    handler = RecordTo(on_record, level)
    logging.getLogger().addHandler(handler)
    try:
        yield
        gc.collect()
        await asyncio.sleep(0)
    finally:
        logging.getLogger().removeHandler(handler)
        loop.set_exception_handler(previous)
