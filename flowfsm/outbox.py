"""A bounded outgoing queue for REST work that need not block a click (expiry edits).

Workers exist only while there is work: an idle bot holds no outbox task at all.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

__all__ = ["Outbox"]

_LOG = logging.getLogger("flowfsm.outbox")

Job = Callable[[], Awaitable[object]]


class Outbox:
    """Runs queued jobs with at most ``concurrency`` in flight, in order of arrival."""

    def __init__(self, concurrency: int = 4) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.concurrency = concurrency
        self._jobs: deque[Job] = deque()
        self._workers: set[asyncio.Task[None]] = set()
        self.in_flight = 0
        self.max_in_flight = 0
        self.done = 0

    def __len__(self) -> int:
        return len(self._jobs) + self.in_flight

    def put(self, job: Job) -> None:
        """Queue a job; a worker starts if fewer than ``concurrency`` are running."""
        self._jobs.append(job)
        if len(self._workers) < self.concurrency:
            self._start_worker()

    async def _work(self) -> None:
        try:
            await self._drain()
        finally:
            # Leave the worker set before yielding to anyone: a job put from now on starts a new worker.
            self._workers.discard(asyncio.current_task())

    async def _drain(self) -> None:
        while self._jobs:
            job = self._jobs.popleft()
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                await job()
            except Exception:
                _LOG.exception("outbox job failed")
            finally:
                self.in_flight -= 1
                self.done += 1

    async def join(self) -> None:
        """Wait until every queued job has run."""
        while self._jobs or self._workers:
            if self._jobs and not self._workers:
                self._start_worker()
            await asyncio.gather(*list(self._workers), return_exceptions=True)

    def _start_worker(self) -> None:
        task = asyncio.get_running_loop().create_task(self._work())
        self._workers.add(task)
        task.add_done_callback(self._workers.discard)
