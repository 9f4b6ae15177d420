"""A bounded outgoing queue for REST work that need not block a click (expiry edits).

Workers exist only while there is work: an idle bot holds no outbox task at all.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any

from flowfsm.engine.logs import get_logger

__all__ = ["Outbox"]

_LOG = get_logger("flowfsm.outbox")

Job = Callable[[], Awaitable[object]]


class Outbox:
    """Runs queued jobs with at most ``concurrency`` in flight, in order of arrival."""

    def __init__(self, concurrency: int = 4) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.concurrency = concurrency
        self._jobs: deque[Job | _Batch] = deque()
        self._queued = 0
        self._workers: set[asyncio.Task[None]] = set()
        self.in_flight = 0
        self.max_in_flight = 0
        self.done = 0

    def __len__(self) -> int:
        return self._queued + self.in_flight

    def put(self, job: Job) -> None:
        """Queue a job; a worker starts if fewer than ``concurrency`` are running."""
        self._jobs.append(job)
        self._queued += 1
        self._spawn(1)

    def put_each(self, fn: Callable[[Any], Awaitable[object]], items: Sequence[Any]) -> None:
        """Queue ``fn(item)`` for every item, in order. Nothing is allocated per item until its job
        runs, so queueing 100,000 expiry edits creates no garbage-collected objects."""
        if items:
            self._jobs.append(_Batch(fn, items))
            self._queued += len(items)
            self._spawn(len(items))

    def _spawn(self, jobs: int) -> None:
        for _ in range(min(jobs, self.concurrency - len(self._workers))):
            self._start_worker()

    def _take(self) -> Job:
        head = self._jobs[0]
        self._queued -= 1
        if isinstance(head, _Batch):
            item = head.items[head.next]
            head.next += 1
            if head.next == len(head.items):
                self._jobs.popleft()
            return partial(head.fn, item)
        self._jobs.popleft()
        return head

    async def _work(self) -> None:
        try:
            await self._drain()
        finally:
            # Leave the worker set before yielding to anyone: a job put from now on starts a new worker.
            self._workers.discard(asyncio.current_task())

    async def _drain(self) -> None:
        while self._jobs:
            job = self._take()
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
        """Wait until every queued job has run. Cancelling the wait (a caller's timeout) leaves
        the workers and their jobs running: an edit cut off mid-request could leave hikari's
        rate limiter or a session's lock in a state that blocks the jobs after it."""
        while self._jobs or self._workers:
            if self._jobs and not self._workers:
                self._start_worker()
            await asyncio.wait(list(self._workers))

    def _start_worker(self) -> None:
        task = asyncio.get_running_loop().create_task(self._work())
        self._workers.add(task)
        task.add_done_callback(self._workers.discard)


class _Batch:
    """``fn`` to run on each of ``items``; ``next`` is the position of the next one."""

    __slots__ = ("fn", "items", "next")

    def __init__(self, fn: Callable[[Any], Awaitable[object]], items: Sequence[Any]) -> None:
        self.fn = fn
        self.items = items
        self.next = 0
