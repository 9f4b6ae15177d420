"""A guard for hikari's REST rate limiter against cancelled waiters.

hikari (2.7) queues a request that hits a rate-limited bucket as a future, and one *throttle*
task per bucket completes those futures as the window allows (the global limiter likewise, after
a global 429). If a waiting request is cancelled
(a step past its ``step_timeout``, a caller giving up on a drain), its future is cancelled in the
queue; the throttle then calls ``set_result`` on it, dies of ``InvalidStateError`` and stays
registered as running, so no later request on that bucket (every edit of every menu in a
channel, say) is ever let through: they wait forever on futures nothing completes.

:func:`install` replaces the two release loops with the same loops that skip a cancelled future
(its slot goes to the next waiter). Everything else of hikari's rate limiting is
left as it is. FlowManager installs it when it is built.
"""

from __future__ import annotations

import asyncio
import time

from hikari.impl import rate_limits

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


def install() -> None:
    """Make hikari's rate limiters tolerate cancelled waiters (idempotent)."""
    _Limiter.throttle = _throttle  # type: ignore[method-assign]
    rate_limits.ManualRateLimiter.unlock_later = _unlock_later  # type: ignore[method-assign]
