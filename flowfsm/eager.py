"""Run a REST bot's step in the caller until it has to wait, then in a task of its own.

A REST bot answers a click with the HTTP reply to Discord's request, so a step runs apart from
that request's task: the reply can go out as soon as the menu is rendered (``after_render``
hooks run after it), or as a deferral when the step is slow. A task per step costs two trips
through the event loop before the reply is ready, although most steps never wait for anything:
their callbacks are plain functions and the reply is a builder handed back to the server.

:func:`run_eagerly` starts the step's coroutine in the caller. Every place where a step may wait
first awaits :func:`own_task`: a user callback that returned an awaitable, a Discord API call,
yielding to the interaction server before ``after_render``. Running eagerly, that hands the
coroutine over to a new task *before* the wait starts, so the waiting code (and anything it
binds to ``asyncio.current_task()``, such as ``asyncio.timeout`` or aiohttp's request timeouts)
runs in the step's own task; in a task already, it does nothing. A step that never reaches such
a point completes in the caller without a task. Python 3.12's ``asyncio.eager_task_factory``
does the same for every task of a loop, switching the current task; this works on 3.11 and
keeps every wait in a real task.

Should a step wait without passing :func:`own_task` first (a contended session lock, which
binds nothing to the current task), the wait is handed to the new task as it is.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Generator
from typing import Any

__all__ = ["own_task", "run_eagerly"]


class _Flag(threading.local):
    eager = False


_RUNNING = _Flag()
"""Set while a coroutine runs eagerly. Not a context variable: tasks created meanwhile copy the
context, and must not believe they run eagerly. Eager code never waits, so nothing else runs
on this thread until it is cleared."""
_HAND_OVER = object()
"""Yielded by :func:`own_task` to the eager runner: "continue me in a task"."""


class _OwnTask:
    __slots__ = ()

    def __await__(self) -> Generator[Any, None, None]:
        if _RUNNING.eager:
            yield _HAND_OVER


_OWN_TASK = _OwnTask()


def own_task() -> _OwnTask:
    """Await this before anything that may wait: it makes sure the rest runs in a task.

    Inside a task it completes at once; in a coroutine started by :func:`run_eagerly`, it moves
    the coroutine to a new task first.
    """
    return _OWN_TASK


def run_eagerly(coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any] | None:
    """Run ``coro`` now, in the caller, up to its first wait.

    Returns ``None`` when it finished without waiting, else the task that continues it.
    Exceptions raised before the first wait propagate to the caller.
    """
    outer, _RUNNING.eager = _RUNNING.eager, True
    try:
        pending = coro.send(None)
    except StopIteration:
        return None
    finally:
        _RUNNING.eager = outer
    return asyncio.get_running_loop().create_task(_continue(coro, pending))


async def _continue(coro: Coroutine[Any, Any, Any], pending: Any) -> Any:
    return await _Continuation(coro, pending)


class _Continuation:
    """Drives a coroutine, started elsewhere, from inside the task awaiting this."""

    __slots__ = ("_coro", "_pending")

    def __init__(self, coro: Coroutine[Any, Any, Any], pending: Any) -> None:
        self._coro = coro
        self._pending = pending

    def __await__(self) -> Generator[Any, Any, Any]:
        coro = self._coro
        value: Any = None
        error: BaseException | None = None
        if self._pending is not _HAND_OVER:
            # It stopped at a real wait (a future, or a bare yield): wait for that first.
            value, error = yield from _wait(coro, self._pending)
        while True:
            try:
                pending = coro.send(value) if error is None else coro.throw(error)
            except StopIteration as stop:
                return stop.value
            value, error = yield from _wait(coro, pending)


def _wait(
    coro: Coroutine[Any, Any, Any], pending: Any
) -> Generator[Any, Any, tuple[Any, BaseException | None]]:
    """Pass one wait up to the task; return what to resume ``coro`` with (a value or an error)."""
    try:
        return (yield pending), None
    except GeneratorExit:
        coro.close()
        raise
    except BaseException as error:  # cancellation included: it belongs to the coroutine
        return None, error
