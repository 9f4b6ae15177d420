"""A guard for hikari's REST rate limiting against cancelled requests.

hikari (2.7) queues a request that hits a rate-limited bucket as a future, and one *throttle*
task per bucket completes those futures as the window allows (the global limiter likewise, after
a global 429). If a waiting request is cancelled (a step past its ``step_timeout``, a caller
giving up on a drain), its future is cancelled in the queue; the throttle then calls
``set_result`` on it, dies of ``InvalidStateError`` and stays registered as running, so no later
request on that bucket (every edit of every menu in a channel, say) is ever let through: they
wait forever on futures nothing completes. A route's bucket also counts the request as in
transit *before* that wait; cancelled there, hikari never releases it (the bucket's
``__aexit__`` does not run for a failed ``__aenter__``), and once as many as the bucket's limit
have leaked, every later request waits forever for a transit to end.

:func:`install` replaces the two release loops with the same loops that skip a cancelled future
(its slot goes to the next waiter), and makes a route bucket's ``acquire`` release its transit
when it is cancelled; everything else of hikari's rate limiting is left as it is. FlowManager
installs it when it is built (the replacements follow hikari 2.7's code line for line).
"""

from __future__ import annotations

import asyncio
import time

import hikari
from hikari import errors
from hikari.impl import buckets, rate_limits

from flowfsm.engine.logs import get_logger

__all__ = ["install"]

_Limiter = rate_limits.WindowedBurstRateLimiter
_LOG = get_logger("hikari.ratelimits")


async def _throttle(self: _Limiter) -> None:
    """hikari's ``WindowedBurstRateLimiter.throttle``, skipping waiters that were cancelled."""
    while self.queue:
        sleep_for = self.get_time_until_increase(time.time())
        if sleep_for > 0:
            await asyncio.sleep(sleep_for)
        while self.remaining > 0 and self.queue:
            future = self.queue.pop(0)
            if future.done():
                continue  # its request was cancelled: the slot goes to the next one
            self.remaining -= 1
            future.set_result(None)
    self.throttle_task = None


async def _unlock_later(self: rate_limits.ManualRateLimiter, retry_after: float) -> None:
    """hikari's ``ManualRateLimiter.unlock_later`` (a global 429), skipping cancelled waiters."""
    _LOG.warning("you are being globally rate limited for %ss", retry_after)
    self.reset_at = time.time() + retry_after
    await asyncio.sleep(retry_after)
    self.reset_at = None
    while self.queue:
        future = self.queue.pop(0)
        if not future.done():
            future.set_result(None)
    self.throttle_task = None


async def _bucket_acquire(self: buckets.RESTBucket) -> None:
    """hikari's ``RESTBucket.acquire``, releasing the transit it counted if it is cancelled."""
    if self._in_transit >= self.limit:
        async with self._transit_event_lock:
            self._transit_complete_event = asyncio.Event()
            await self._transit_complete_event.wait()
    self._in_transit += 1
    try:
        await _acquire_counted(self)
    except asyncio.CancelledError:
        self.release()  # hikari's __aexit__ does not run for a failed __aenter__
        raise


async def _acquire_counted(self: buckets.RESTBucket) -> None:
    """The rest of hikari's ``RESTBucket.acquire``, once the request is counted in transit."""
    if self._is_unknown:
        return
    now = time.time()
    if self.remaining == 0 and self.move_at - now > self._max_rate_limit:
        self._in_transit -= 1
        raise errors.RateLimitTooLongError(
            route=self._compiled_route,
            is_global=False,
            retry_after=self.get_time_until_increase(time.time()),
            max_retry_after=self._max_rate_limit,
            reset_at=self.move_at,
            limit=self.limit,
            period=self.period,
        )
    await _Limiter.acquire(self)
    global_ratelimit = self._global_ratelimit
    if global_ratelimit.reset_at and (global_ratelimit.reset_at - now) > self._max_rate_limit:
        self._in_transit -= 1
        raise errors.RateLimitTooLongError(
            route=self._compiled_route,
            is_global=True,
            retry_after=global_ratelimit.reset_at - now,
            max_retry_after=self._max_rate_limit,
            reset_at=global_ratelimit.reset_at,
            limit=None,
            period=None,
        )
    await global_ratelimit.acquire()


_CHECKED_HIKARI = ("2.7.",)
"""The hikari releases whose rate-limit code the loops above copy (re-check on each upgrade)."""


def install() -> bool:
    """Make hikari's rate limiters tolerate cancelled waiters (idempotent). Only on the hikari
    releases the copies were made from (``False`` on others, which keep their own code: a copy of
    an older loop could break a newer limiter)."""
    if not hikari.__version__.startswith(_CHECKED_HIKARI):
        return False
    _Limiter.throttle = _throttle  # type: ignore[method-assign]
    rate_limits.ManualRateLimiter.unlock_later = _unlock_later  # type: ignore[method-assign]
    buckets.RESTBucket.acquire = _bucket_acquire  # type: ignore[method-assign]
    return True
