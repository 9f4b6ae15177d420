"""flowfsm.eager: a REST bot's step runs in the caller until it must wait, and every wait runs in
a task of its own (so ``asyncio.current_task()``-bound code, like ``asyncio.timeout``, binds to the
step, never to the interaction server's request)."""

from __future__ import annotations

import asyncio
from typing import Any

import hikari

from flowfsm import Button, Context, Flow, Screen
from flowfsm.eager import own_task, run_eagerly
from flowfsm.testing import Harness

# -- run_eagerly / own_task ------------------------------------------------------------------------


async def test_a_coroutine_that_never_waits_finishes_in_the_caller() -> None:
    caller = asyncio.current_task()
    seen: list[Any] = []

    async def step() -> None:
        seen.append(asyncio.current_task())

    assert run_eagerly(step()) is None
    assert seen == [caller]


async def test_own_task_hands_the_rest_to_a_new_task() -> None:
    caller = asyncio.current_task()
    seen: list[str] = []

    async def step() -> str:
        seen.append("before")
        await own_task()
        seen.append("in a task" if asyncio.current_task() is not caller else "in the caller")
        return "done"

    task = run_eagerly(step())
    assert task is not None and seen == ["before"]  # the rest waits for the loop
    assert await task == "done"
    assert seen == ["before", "in a task"]


async def test_own_task_inside_a_task_does_nothing() -> None:
    async def step() -> asyncio.Task[Any] | None:
        await own_task()
        return asyncio.current_task()

    task = asyncio.ensure_future(step())
    assert await task is task


async def test_a_timeout_after_the_hand_over_cancels_the_step_not_the_caller() -> None:
    never = asyncio.Event()

    async def step() -> str:
        await own_task()
        try:
            async with asyncio.timeout(0):
                await never.wait()
        except TimeoutError:
            return "timed out in its own task"
        return "not reached"

    task = run_eagerly(step())
    assert task is not None
    assert await task == "timed out in its own task"
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]


async def test_an_unannounced_wait_is_continued_by_the_task() -> None:
    loop = asyncio.get_running_loop()
    gate: asyncio.Future[int] = loop.create_future()
    failing: asyncio.Future[int] = loop.create_future()

    async def step() -> int:
        value = await gate  # no own_task() first: a plain future binds nothing to the task
        try:
            await failing
        except KeyError as exc:
            return value + len(exc.args)
        return -1

    task = run_eagerly(step())
    assert task is not None
    gate.set_result(41)
    await asyncio.sleep(0)
    failing.set_exception(KeyError("x"))
    assert await task == 42


async def test_cancelling_the_task_reaches_the_coroutine() -> None:
    cleaned: list[str] = []

    async def step() -> None:
        await own_task()
        try:
            await asyncio.Event().wait()
        finally:
            cleaned.append("finally ran")

    task = run_eagerly(step())
    assert task is not None
    await asyncio.sleep(0)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    assert task.cancelled() and cleaned == ["finally ran"]


async def test_errors_before_the_first_wait_reach_the_caller() -> None:
    async def step() -> None:
        raise LookupError("early")

    try:
        run_eagerly(step())
    except LookupError as exc:
        assert str(exc) == "early"
    else:
        raise AssertionError("the error was lost")


async def test_tasks_created_while_running_eagerly_are_not_eager() -> None:
    children: list[asyncio.Task[str]] = []

    async def child() -> str:
        await own_task()  # would be a bad yield if the child believed it ran eagerly
        await asyncio.sleep(0)
        return "child ok"

    async def step() -> None:
        children.append(asyncio.get_running_loop().create_task(child()))

    assert run_eagerly(step()) is None
    assert await children[0] == "child ok"


# -- the engine: REST bot steps --------------------------------------------------------------------


def waiting_flow(log: list[str], never: asyncio.Event | None = None) -> Flow:
    """A menu whose "Fetch" action waits on an external call (``never``) bounded by ``asyncio.timeout``."""
    never = never or asyncio.Event()

    async def fetch(ctx: Context) -> None:
        try:
            async with asyncio.timeout(0):
                await never.wait()
        except TimeoutError:
            log.append("fetch timed out")
        ctx.data["fetched"] = True

    def quick(ctx: Context) -> None:
        log.append("quick")

    flow = Flow("waiting")
    flow.add_state(
        "main",
        lambda ctx: Screen(
            f"fetched={bool(ctx.data.get('fetched'))}",
            items=[Button("Fetch", action=fetch), Button("Quick", action=quick)],
        ),
        initial=True,
    )
    return flow


async def test_a_rest_bot_step_that_waits_binds_its_timeout_to_its_own_task() -> None:
    log: list[str] = []
    never = asyncio.Event()
    async with Harness([waiting_flow(log, never)], rest_bot=True) as h:
        await h.command("waiting")
        # 10 s bounds the failing case only: a timeout bound to the server's request task would
        # cancel the request, which then never gets its reply (and the step would wait forever).
        try:
            async with asyncio.timeout(10):
                reply = await h.click("Fetch")
        finally:
            never.set()
        assert reply.http_status == 200
        assert reply.type == hikari.ResponseType.MESSAGE_UPDATE
        assert log == ["fetch timed out"]
        assert h.message is not None and h.message["content"] == "fetched=True"


async def test_a_rest_bot_step_that_never_waits_runs_without_a_task() -> None:
    log: list[str] = []
    async with Harness([waiting_flow(log)], rest_bot=True) as h:
        await h.command("waiting")
        created: list[Any] = []
        loop = asyncio.get_running_loop()
        factory = loop.get_task_factory()

        def counting(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
            created.append(getattr(coro, "__qualname__", coro))
            return asyncio.Task(coro, loop=loop, **kwargs)

        loop.set_task_factory(counting)
        try:
            reply = await h.click("Quick")
        finally:
            loop.set_task_factory(factory)
        assert reply.type == hikari.ResponseType.MESSAGE_UPDATE and log == ["quick"]
        # The interaction server's and aiohttp's own tasks only: no task for the step.
        ours = [name for name in created if str(name).startswith(("FlowManager.", "_continue"))]
        assert ours == [] and "Client.handle_component_interaction" in created, created
