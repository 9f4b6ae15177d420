"""The outbox (issue 8): expiry edits are queued, drain completely, and never exceed the concurrency bound.

The bound is checked where it matters, at the loopback Discord: :class:`GatedDiscord` holds every
request it receives until the test lets it through, and counts how many are open at once. The test
lets them through one at a time and checks, at every step, that exactly ``min(bound, remaining)``
requests are waiting — never more. No sleeping: the test waits on a condition the server notifies.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest
from aiohttp import web

from flowfsm import Button, Context, Flow, Screen
from flowfsm.engine.outbox import Outbox
from flowfsm.testing import FakeDiscord, Harness

GUARD = 20.0  # seconds; only a guard against a hang, never a measured figure


class GatedDiscord(FakeDiscord):
    """A FakeDiscord that, while ``gated``, holds each request until :meth:`release` and counts them.

    Message edits are answered with Discord's rate-limit headers (a bucket with room to spare), as
    Discord answers them: without a known bucket, hikari sends the requests of one route one at a time,
    and the outbox's own bound could not be seen at the server.
    """

    def __init__(self) -> None:
        super().__init__()
        self.gated = False
        self.in_flight = 0
        self.peak = 0
        self.completed = 0
        self._changed = asyncio.Condition()
        self._tickets = asyncio.Semaphore(0)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if not self.gated:
            return self._with_bucket(request, await super()._handle(request))
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        await self._notify()
        try:
            await self._tickets.acquire()
            return self._with_bucket(request, await super()._handle(request))
        finally:
            self.in_flight -= 1
            self.completed += 1
            await self._notify()

    @staticmethod
    def _with_bucket(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
        if request.method == "PATCH" and "/messages/" in request.path:
            response.headers.update(
                {
                    "X-RateLimit-Bucket": "message-edits",
                    "X-RateLimit-Limit": "1000",
                    "X-RateLimit-Remaining": "999",
                    "X-RateLimit-Reset-After": "60",
                    "X-RateLimit-Reset": str(time.time() + 60),
                }
            )
        return response

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def release(self) -> None:
        """Let one held request through."""
        self._tickets.release()

    def open(self) -> None:
        """Stop holding requests and let every held one through."""
        self.gated = False
        for _ in range(self.in_flight + 100):
            self._tickets.release()

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        """Wait (without sleeping) until ``predicate`` holds after some request arrived or finished."""
        async with asyncio.timeout(GUARD), self._changed:
            await self._changed.wait_for(predicate)


def make_flow() -> Flow:
    flow = Flow("outboxed", timeout=60)

    @flow.state(initial=True)
    def main(ctx: Context) -> Screen:
        return Screen("main", items=[Button("Next", trigger="next")])

    @flow.state()
    def other(ctx: Context) -> Screen:
        return Screen("other", items=[Button("Back", trigger="back")])

    flow.transition("next", "main", "other")
    flow.transition("back", "other", "main")
    return flow


@pytest.mark.parametrize(("sessions", "bound"), [(12, 3), (5, 1), (3, 4)])
async def test_expiry_edits_drain_within_the_concurrency_bound(sessions: int, bound: int) -> None:
    flow = make_flow()
    h = Harness([flow], outbox_concurrency=bound)
    discord = h.discord = GatedDiscord()
    async with h:
        # One edit on the interaction-webhook route first: hikari learns its rate-limit bucket.
        warm = await h.command("outboxed", user=4999)
        await h.bot.rest.edit_interaction_response(discord.application_id, warm.token, content="warm")
        menus: list[int] = []
        for user in range(5000, 5000 + sessions):
            await h.command("outboxed", user=user)
            assert h.menu_id is not None
            menus.append(h.menu_id)
        await h.manager.drain()
        tasks_before = len(asyncio.all_tasks())
        try:
            discord.gated = True
            h.clock.advance(flow.timeout + 1)
            assert h.manager.expire_due() == sessions + 1
            assert len(h.manager.sessions) == 0  # dropped at once; the edits are only queued
            assert len(h.manager.outbox) == sessions + 1

            # Let the edits through one by one; at each step exactly min(bound, left) wait at Discord.
            total = sessions + 1
            for done in range(total):
                waiting = min(bound, total - done)
                await discord.wait_until(lambda waiting=waiting: discord.in_flight >= waiting)  # type: ignore[misc]
                assert discord.in_flight == waiting
                discord.release()
                await discord.wait_until(lambda done=done: discord.completed == done + 1)  # type: ignore[misc]
        finally:
            discord.open()
        await h.manager.drain()

        assert discord.peak == min(bound, total)
        assert len(h.manager.outbox) == 0
        assert len(asyncio.all_tasks()) == tasks_before, "outbox workers must not outlive the work"
        for menu_id in menus:
            message = discord.messages[menu_id]
            buttons = [c for row in message["components"] for c in row["components"]]
            assert buttons and all(button["disabled"] for button in buttons), message
        edits = [r for r in discord.requests[-total:] if r.method == "PATCH"]
        assert len(edits) == total and all(r.status == 200 for r in edits)


async def test_outbox_runs_every_job_in_order_within_the_bound() -> None:
    outbox = Outbox(concurrency=2)
    gates = [asyncio.Event() for _ in range(6)]
    started: list[int] = []
    running = 0
    peak = 0

    def job(index: int) -> Callable[[], asyncio.Future[None]]:
        async def run() -> None:
            nonlocal running, peak
            started.append(index)
            running += 1
            peak = max(peak, running)
            try:
                await gates[index].wait()
                if index == 3:
                    raise RuntimeError("a failing job does not stop the queue")
            finally:
                running -= 1

        return run  # type: ignore[return-value]

    tasks_before = len(asyncio.all_tasks())
    for index in range(6):
        outbox.put(job(index))
    for index in range(6):
        await _turns()
        assert running == min(2, 6 - index)
        gates[index].set()
    async with asyncio.timeout(GUARD):
        await outbox.join()
    assert started == list(range(6))
    assert peak == 2
    assert len(outbox) == 0
    await _turns()
    assert len(asyncio.all_tasks()) == tasks_before


async def test_job_put_while_the_last_worker_finishes_still_runs() -> None:
    outbox = Outbox(concurrency=1)
    loop = asyncio.get_running_loop()
    gate = loop.create_future()
    ran: list[str] = []

    async def first() -> None:
        await gate
        ran.append("first")

    async def second() -> None:
        ran.append("second")

    outbox.put(first)
    await _turns()
    gate.set_result(None)  # the worker resumes in the next turn, finishes the job and finds the queue empty
    loop.call_soon(outbox.put, second)  # …and this runs in that same turn, before the worker's done-callback
    await _turns(10)
    # Not outbox.join(): with the bug it never yields, and would hang the test run.
    assert ran == ["first", "second"]
    assert len(outbox) == 0


async def _turns(count: int = 5) -> None:
    """Let the loop run ``count`` turns (no time passes)."""
    for _ in range(count):
        await asyncio.sleep(0)
