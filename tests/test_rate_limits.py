"""A REST call cancelled while hikari holds it in a rate-limited queue must not wedge the bucket.

The default soak hung in its wind-down: a step past its timeout (or a drain given up on) cancelled
an edit that was waiting in hikari's rate-limit queue for a channel's message-edit bucket; the
bucket's throttle task then died on the cancelled future (``InvalidStateError``), stayed registered
as running, and every later edit of that bucket (every outbox job of that channel) waited forever;
a request cancelled there also stayed counted in transit, which wedges the bucket once its limit
of such leaks is reached.
A FlowManager installs :mod:`flowfsm.engine.rate_limit_guard`, which lets the queue skip such a
waiter. The limiters are hikari's own; their windows read ``time.time()``, so the tests open a
window by setting its end (``move_at``) rather than waiting — no time passes, nothing sleeps.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest
from hikari.impl import buckets, rate_limits
from hikari.internal import routes

from flowfsm import Context, Flow, Screen
from flowfsm.engine.outbox import Outbox
from flowfsm.testing import Harness

_flow = Flow("rate_limit_guard")


@_flow.state(initial=True)
def _home(ctx: Context) -> Screen:
    return Screen("home")


async def _turns(count: int = 5) -> None:
    """Let the loop run ``count`` turns (no time passes)."""
    for _ in range(count):
        await asyncio.sleep(0)


async def test_a_cancelled_waiter_does_not_wedge_a_rate_limited_bucket() -> None:
    async with Harness([_flow]):  # building the FlowManager installs the guard
        limiter = rate_limits.WindowedBurstRateLimiter("channel edits", period=60.0, limit=1)
        limiter.remaining, limiter.move_at = 0, time.time() + 3600  # rate-limited for an hour
        cancelled = asyncio.ensure_future(limiter.acquire())
        waiting = asyncio.ensure_future(limiter.acquire())
        await asyncio.sleep(0)  # both queued; the throttle task is created, not yet run
        assert len(limiter.queue) == 2 and limiter.throttle_task is not None
        cancelled.cancel()  # e.g. a step past its step_timeout, mid-edit
        limiter.move_at = 0.0  # the window is over: the throttle releases at once
        await _turns()
        assert cancelled.cancelled()
        assert waiting.done(), "the request queued behind the cancelled one is never let through"
        assert limiter.throttle_task is None
        assert limiter.remaining == 0  # the released request used the slot, the cancelled one none
        # …and the bucket keeps working: a later request is let through as the window allows
        limiter.remaining, limiter.move_at = 0, time.time() + 3600
        later = asyncio.ensure_future(limiter.acquire())
        await asyncio.sleep(0)
        limiter.move_at = 0.0
        await _turns()
        assert later.done()


async def test_a_cancelled_waiter_does_not_wedge_a_global_rate_limit() -> None:
    async with Harness([_flow]):
        limiter = rate_limits.ManualRateLimiter()
        limiter.throttle(0.0)  # a global 429 with retry_after 0: nothing sleeps
        cancelled = asyncio.ensure_future(limiter.acquire())
        waiting = asyncio.ensure_future(limiter.acquire())
        await asyncio.sleep(0)
        cancelled.cancel()
        await _turns()
        assert waiting.done()
        assert limiter.throttle_task is None
        limiter.close()


async def test_a_cancelled_join_leaves_the_jobs_running() -> None:
    # The soak's wind-down gives each drain a deadline; giving up the wait must not cancel
    # the edits in flight (gather did: the cancelled edit then wedged hikari's bucket).
    outbox = Outbox(concurrency=2)
    gate = asyncio.Event()
    finished: list[int] = []

    def job(index: int) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            await gate.wait()
            finished.append(index)

        return run

    for index in range(3):
        outbox.put(job(index))
    waiter = asyncio.ensure_future(outbox.join())
    await _turns()
    waiter.cancel()
    await _turns()
    assert waiter.cancelled()
    assert not finished
    assert outbox.in_flight == 2  # both still running: not cancelled with the wait
    assert len(outbox) == 3
    gate.set()
    await _turns(10)
    assert sorted(finished) == [0, 1, 2]
    assert len(outbox) == 0


async def test_a_request_cancelled_in_a_route_bucket_gives_its_transit_back() -> None:
    async with Harness([_flow]):
        route = routes.PATCH_CHANNEL_MESSAGE.compile(channel=1, message=2)
        bucket = buckets.RESTBucket("edits", route, rate_limits.ManualRateLimiter(), 7200.0)
        # a known bucket of one request at a time, rate-limited for an hour
        bucket._is_unknown, bucket.limit, bucket.remaining = False, 1, 0
        bucket.move_at = time.time() + 3600
        cancelled = asyncio.ensure_future(bucket.acquire())
        await asyncio.sleep(0)  # counted in transit, queued behind the window
        cancelled.cancel()
        bucket.move_at = 0.0
        await _turns()
        assert cancelled.cancelled()
        later = asyncio.ensure_future(bucket.acquire())
        await _turns()
        assert later.done(), "the cancelled request still counts as in transit: the bucket is wedged"
        assert later.result() is None
        bucket.release()
        bucket.close()


def test_the_guard_is_installed_only_on_the_hikari_it_was_copied_from(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flowfsm.engine import rate_limit_guard

    assert rate_limit_guard.install() is True  # the hikari this project pins and tests
    assert rate_limits.WindowedBurstRateLimiter.throttle is rate_limit_guard._throttle
    monkeypatch.setattr(rate_limit_guard, "_CHECKED_HIKARI", ("0.0.",))
    monkeypatch.setattr(rate_limits.WindowedBurstRateLimiter, "throttle", _original := object())
    assert rate_limit_guard.install() is False  # another release keeps its own code
    assert rate_limits.WindowedBurstRateLimiter.throttle is _original
