"""Sessions are cheap by construction (issue 8), checked by counting, never by timing.

* No transitions ``Machine`` is built and no ``add_model`` runs per session: the flow's machine is
  compiled once; starting 1,000 sessions and clicking in every one of them constructs none and adds
  no model. Counted two ways: a counting wrapper around ``Machine.__init__`` / ``add_model`` installed
  by the test (it calls the real method; nothing is replaced), and the number of live ``Machine``
  objects the garbage collector knows about before and after.
* No asyncio task per idle session: with 1,000 sessions open (and the automatic expiry armed), the
  loop holds exactly the tasks it held before they were opened.

Everything runs through the real stack: hikari entities built from Discord JSON, the real
``miru.Client``, the loopback Discord, for a gateway bot and for a RESTBot interaction server.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from transitions.core import Machine

from flowfsm import Button, Context, Flow, Screen
from flowfsm.testing import Harness

SESSIONS = 1000
FIRST_USER = 40_000
STATES = {
    "main": [("List", "list"), ("Help", "help")],
    "list": [("Open", "detail"), ("Back", "main")],
    "detail": [("Back", "list"), ("Home", "main")],
    "help": [("Back", "main"), ("List", "list")],
}


def make_flow() -> Flow:
    """The benchmark's 4-state menu (main -> list -> detail -> back), 3 buttons a state."""
    flow = Flow("scale", timeout=300)

    def refresh(ctx: Context) -> None:
        ctx.data["refreshed"] = ctx.data.get("refreshed", 0) + 1

    def renderer(state: str) -> Callable[[Context], Screen]:
        def render(ctx: Context) -> Screen:
            items = [Button(label, trigger=f"{state}_{label.lower()}") for label, _ in STATES[state]]
            return Screen(f"{state} screen", items=[*items, Button("Refresh", action=refresh)])

        return render

    for state in STATES:
        flow.add_state(state, renderer(state), initial=state == "main")
    for state, buttons in STATES.items():
        for label, dest in buttons:
            flow.transition(f"{state}_{label.lower()}", state, dest)
    return flow


class MachineCounter:
    """Counts ``Machine.__init__`` and ``add_model`` calls (every transitions machine class)."""

    def __init__(self) -> None:
        self.constructed = 0
        self.models_added = 0


@pytest.fixture
def machine_counter(monkeypatch: pytest.MonkeyPatch) -> Iterator[MachineCounter]:
    """Install counting wrappers that call the real methods; removed after the test."""
    counter = MachineCounter()
    real_init = Machine.__init__

    def counting_init(self: Machine, *args: Any, **kwargs: Any) -> None:
        counter.constructed += 1
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(Machine, "__init__", counting_init)
    # add_model is overridden by subclasses (AsyncMachine, HierarchicalMachine…): wrap every definition.
    classes = [Machine, *_subclasses(Machine)]
    for cls in classes:
        if "add_model" in vars(cls):
            real_add = vars(cls)["add_model"]

            def counting_add(self: Machine, *args: Any, _real: Any = real_add, **kwargs: Any) -> Any:
                counter.models_added += 1
                return _real(self, *args, **kwargs)

            monkeypatch.setattr(cls, "add_model", counting_add)
    yield counter


def _subclasses(cls: type) -> list[type]:
    found: list[type] = []
    sub: type
    for sub in cls.__subclasses__():
        found.extend([sub, *_subclasses(sub)])
    return found


def live_machines() -> int:
    """How many transitions machines are alive (gc-tracked objects)."""
    gc.collect()
    return sum(1 for obj in gc.get_objects() if isinstance(obj, Machine))


async def open_and_click(h: Harness, count: int) -> list[int]:
    """Open ``count`` menus (one user each), click forward in each, then back in each; returns users."""
    users = list(range(FIRST_USER, FIRST_USER + count))
    menus: dict[int, int] = {}
    for user in users:
        await h.command("scale", user=user)
        assert h.menu_id is not None
        menus[user] = h.menu_id
    for user in users:
        reply = await h.click("List", user=user, message_id=menus[user])
        assert reply.ephemeral_text is None, reply.ephemeral_text
    for user in users[: count // 10]:
        await h.click("Open", user=user, message_id=menus[user])
        await h.click("Refresh", user=user, message_id=menus[user])
        await h.click("Back", user=user, message_id=menus[user])
    return users


@pytest.mark.parametrize(("rest_bot", "count"), [(False, SESSIONS), (True, 200)], ids=["gateway", "restbot"])
async def test_sessions_build_no_machine_add_no_model_and_hold_no_task(
    machine_counter: MachineCounter, rest_bot: bool, count: int
) -> None:
    flow = make_flow()
    flow.compile()
    async with Harness([flow], rest_bot=rest_bot, auto_expire=True) as h:
        # One warm-up session, so that one-off costs (first requests, caches) are out of the count.
        await h.command("scale", user=FIRST_USER - 1)
        await h.click("List", user=FIRST_USER - 1)
        await h.manager.drain()
        machine_counter.constructed = machine_counter.models_added = 0
        machines_before = live_machines()
        tasks_before = len(asyncio.all_tasks())

        users = await open_and_click(h, count)
        await h.manager.drain()

        assert len(h.manager.sessions) == count + 1
        # No machine per session, no model per session.
        assert machine_counter.constructed == 0, "a transitions Machine was built on the hot path"
        assert machine_counter.models_added == 0, "add_model ran on the hot path"
        assert live_machines() == machines_before
        assert flow.machine.models == [], "sessions must not be models of the flow's machine"
        session = h.session(users[-1])
        assert session is not None and session.state == "list"
        for name in ("trigger", "may_trigger", "is_main", "to_main", "list_open"):
            assert not hasattr(session, name), f"session has {name!r}, as if add_model had bound it"
        # No asyncio task per idle session, although expiry is armed (one timer for all sessions).
        assert h.manager.auto_expire
        tasks_per_session = (len(asyncio.all_tasks()) - tasks_before) / count
        assert tasks_per_session == 0, [t.get_coro() for t in asyncio.all_tasks()][:10]


async def test_expiry_drops_every_session_and_leaves_no_task() -> None:
    flow = make_flow()
    async with Harness([flow]) as h:
        await h.command("scale", user=FIRST_USER - 1)
        await h.manager.drain()
        tasks_before = len(asyncio.all_tasks())
        for user in range(FIRST_USER, FIRST_USER + 300):
            await h.command("scale", user=user)
        assert len(h.manager.sessions) == 301
        expired = await h.advance(flow.timeout + 1)
        assert expired == 301
        assert len(h.manager.sessions) == 0
        assert len(h.manager.outbox) == 0
        assert len(asyncio.all_tasks()) == tasks_before
        # Every expired menu had its components disabled by the outbox.
        last = h.message
        assert last is not None
        buttons = [c for row in last["components"] for c in row["components"]]
        assert buttons and all(b.get("disabled") for b in buttons)


def test_session_is_slotted() -> None:
    """A session has no per-instance ``__dict__`` (it stays a few hundred bytes)."""
    from flowfsm import Session

    assert Session.__dictoffset__ == 0
