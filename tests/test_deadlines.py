"""flowfsm.engine.deadlines: many deadlines on one loop timer, driven by a loop whose clock the test moves."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from flowfsm.engine.deadlines import Deadlines


class ClockLoop(asyncio.SelectorEventLoop):
    """An event loop whose ``time()`` is set by the test, counting the timers armed on it."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 1000.0
        self.timers_armed = 0

    def time(self) -> float:
        return self.now

    def call_at(
        self, when: float, callback: Callable[..., object], *args: Any, **kwargs: Any
    ) -> asyncio.TimerHandle:
        self.timers_armed += 1
        return super().call_at(when, callback, *args, **kwargs)


def run(test: Callable[[ClockLoop], Coroutine[Any, Any, None]]) -> None:
    """Run ``test(loop)`` on a fresh :class:`ClockLoop`."""
    loop = ClockLoop()
    with asyncio.Runner(loop_factory=lambda: loop) as runner:
        runner.run(test(loop))


async def advance(loop: ClockLoop, seconds: float) -> None:
    """Move the clock on and let the loop run what fell due."""
    loop.now += seconds
    for _ in range(3):
        await asyncio.sleep(0)


def test_due_keys_fire_in_order_and_discarded_keys_never() -> None:
    async def body(loop: ClockLoop) -> None:
        fired: list[str] = []
        deadlines: Deadlines[str] = Deadlines(fired.append)
        deadlines.add("a", 2.0)
        await advance(loop, 0.5)
        deadlines.add("b", 2.0)
        deadlines.add("c", 2.0)
        deadlines.discard("b")
        await advance(loop, 1.4)
        assert fired == [] and len(deadlines) == 2
        await advance(loop, 0.2)  # 2.1 s after "a", 1.6 s after "c"
        assert fired == ["a"] and "c" in deadlines and "a" not in deadlines
        await advance(loop, 0.5)
        assert fired == ["a", "c"] and len(deadlines) == 0

    run(body)


def test_a_key_keeps_its_first_deadline() -> None:
    async def body(loop: ClockLoop) -> None:
        fired: list[str] = []
        deadlines: Deadlines[str] = Deadlines(fired.append)
        deadlines.add("a", 1.0)
        await advance(loop, 0.8)
        deadlines.add("a", 1.0)  # e.g. a click that waited for its session, then starts its step
        await advance(loop, 0.3)
        assert fired == ["a"]

    run(body)


def test_one_timer_serves_a_stream_of_short_steps() -> None:
    async def body(loop: ClockLoop) -> None:
        deadlines: Deadlines[int] = Deadlines(lambda key: None)
        before = loop.timers_armed
        for step in range(10_000):  # steps of 0.1 ms each, every one well within its 2 s
            deadlines.add(step, 2.0)
            loop.now += 0.0001
            deadlines.discard(step)
        assert loop.timers_armed - before == 1
        assert len(deadlines) == 0

    run(body)


def test_a_shorter_duration_added_later_fires_first() -> None:
    async def body(loop: ClockLoop) -> None:
        fired: list[str] = []
        deadlines: Deadlines[str] = Deadlines(fired.append)
        deadlines.add("long", 10.0)
        deadlines.add("short", 1.0)
        await advance(loop, 1.5)
        assert fired == ["short"]
        await advance(loop, 9.0)
        assert fired == ["short", "long"]

    run(body)


def test_a_callback_may_add_keys() -> None:
    async def body(loop: ClockLoop) -> None:
        fired: list[str] = []
        deadlines: Deadlines[str] = Deadlines(lambda key: (fired.append(key), deadlines.add(key + "+", 1.0)))
        deadlines.add("a", 1.0)
        await advance(loop, 1.0)
        assert fired == ["a"] and "a+" in deadlines
        await advance(loop, 1.0)
        assert fired == ["a", "a+"]

    run(body)


def test_close_forgets_everything() -> None:
    async def body(loop: ClockLoop) -> None:
        fired: list[str] = []
        deadlines: Deadlines[str] = Deadlines(fired.append)
        deadlines.add("a", 1.0)
        deadlines.close()
        await advance(loop, 5.0)
        assert fired == [] and len(deadlines) == 0

    run(body)
