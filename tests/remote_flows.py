"""A counter flow for the remote-store engine tests (also run by the replica processes).

``Add`` counts in the session data (a lost update shows as a count too low); ``Slow`` waits in
the middle of its step until :data:`RELEASE` is set (in a replica process: for ever, after writing
the file ``$FLOWFSM_SLOW_MARKER``, so that the test can kill it there); ``Bad`` stores a value
that cannot be stored (a tuple); ``Done`` ends the session. ``on_timeout`` records each expiry.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import hikari
import miru

from flowfsm import Button, Context, Flow, FlowManager, RemoteStore, Screen

counter = Flow("counter", timeout=60, command="counter")

RELEASE = asyncio.Event()
"""Set it to let a waiting ``Slow`` step finish (in-process tests)."""
TIMED_OUT: list[tuple[str, int]] = []
"""(session id, count) of every session whose on_timeout ran in this process."""


def add(ctx: Context) -> None:
    """One more."""
    ctx.data["n"] = ctx.data.get("n", 0) + 1


def _mark(marker: str, session_id: str) -> None:
    Path(marker).write_text(session_id)


def _first(marker: str) -> bool:
    """Whether this replica is the first to get here (it then writes its index to ``marker``)."""
    if Path(marker).exists():
        return False
    _mark(marker, os.environ.get("FLOWFSM_REPLICA", "?"))
    return True


async def slow(ctx: Context) -> None:
    """One more, after a wait in the middle of the step."""
    marker = os.environ.get("FLOWFSM_SLOW_MARKER")
    if marker:
        _mark(marker, ctx.session.id)
        await asyncio.Event().wait()  # the test kills this process here
    await RELEASE.wait()
    add(ctx)


def bad(ctx: Context) -> None:
    """A tuple would come back from a snapshot as a list: it cannot be stored."""
    ctx.data["pair"] = (1, 2)


def record_timeout(ctx: Context) -> None:
    """Remember which session expired here, with its count."""
    TIMED_OUT.append((ctx.session.id, ctx.data.get("n", 0)))


@counter.state(initial=True, on_timeout=record_timeout)
def count(ctx: Context) -> Screen:
    """The count and the buttons."""
    return Screen(
        f"n={ctx.data.get('n', 0)}",
        items=[
            Button("Add", action=add),
            Button("Slow", action=slow),
            Button("Bad", action=bad),
            Button("Done", trigger="done"),
        ],
    )


@counter.state(final=True)
def done(ctx: Context) -> Screen:
    """The end."""
    return Screen(f"final n={ctx.data.get('n', 0)}")


counter.transition("done", "count", "done")


bell = Flow("bell", timeout=60, command="bell")
"""A bell that rings once, by itself, 0.5 s after it is shown (a timed ``after`` edge)."""


async def ring(ctx: Context) -> None:
    """One ring. In a replica process with ``$FLOWFSM_HANG_MARKER`` set, the first replica to
    ring writes its index to that file and hangs there (the test kills it holding the claim)."""
    marker = os.environ.get("FLOWFSM_HANG_MARKER")
    if marker and _first(marker):
        await asyncio.Event().wait()
    ctx.data["rings"] = ctx.data.get("rings", 0) + 1


@bell.state(initial=True)
def quiet(ctx: Context) -> Screen:
    """Before the ring."""
    return Screen("quiet", items=[Button("Ring now", trigger="ring")])


@bell.state()
def rang(ctx: Context) -> Screen:
    """After it: how many times it rang (once, whatever replicas died on the way)."""
    return Screen(f"rings={ctx.data.get('rings', 0)}", items=[Button("Again", trigger="again")])


bell.transition("ring", "quiet", "rang", after=0.5, before=ring)
bell.transition("again", "rang", "quiet")


def build(bot: hikari.RESTBot, store: RemoteStore) -> FlowManager:
    """A replica: /counter opens the counter flow, /bell the bell (see flowfsm.testing.replicas)."""
    flows = FlowManager(miru.Client(bot), [counter, bell], store=store)

    async def on_command(interaction: hikari.CommandInteraction) -> Any:
        return await flows.start(interaction, bell if interaction.command_name == "bell" else counter)

    bot.interaction_server.set_listener(hikari.CommandInteraction, on_command)
    return flows
