"""The helpers that keep a click cheap behave exactly like what they replace."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import pickle
import types
from collections.abc import Generator
from typing import Any

import hikari
import pytest

from flowfsm import Context, Flow, Screen
from flowfsm.define import lifecycle
from flowfsm.define.frozen import quick_init
from flowfsm.define.machine import FlowMachine, call_hook
from flowfsm.define.screen import Button
from flowfsm.testing import Harness


@dataclasses.dataclass(frozen=True, slots=True)
class _Generated:
    """The same fields as a quick_init class, with dataclasses' own __init__."""

    label: str | None = None
    size: int = 3


@quick_init
@dataclasses.dataclass(frozen=True, slots=True)
class _Quick:
    """A quick_init class."""

    label: str | None = None
    size: int = 3


def test_quick_init_keeps_signature_defaults_and_frozen_equality() -> None:
    assert inspect.signature(_Quick) == inspect.signature(_Generated)
    assert dataclasses.astuple(_Quick()) == dataclasses.astuple(_Generated())
    assert dataclasses.astuple(_Quick("a", size=5)) == ("a", 5)
    assert _Quick("a") == _Quick("a") and hash(_Quick("a")) == hash(_Quick("a"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        _Quick().label = "b"  # type: ignore[misc]
    with pytest.raises(TypeError):
        _Quick("a", 1, 2)  # type: ignore[call-arg]
    assert pickle.loads(pickle.dumps(_Quick("x"))) == _Quick("x")


def test_button_is_built_by_quick_init_with_every_field() -> None:
    def act(ctx: Any) -> None:
        """An action."""

    button = Button("Buy", action=act, style=hikari.ButtonStyle.SUCCESS, id="buy", row=1, pin="end")
    assert (button.label, button.action, button.style, button.id, button.row, button.pin) == (
        "Buy",
        act,
        hikari.ButtonStyle.SUCCESS,
        "buy",
        1,
        "end",
    )
    assert button.trigger is None and button.disabled is False and button.cleanup is None
    assert dataclasses.replace(button, label="Sell").label == "Sell"


def test_quick_init_refuses_fields_it_cannot_set() -> None:
    with pytest.raises(TypeError, match="not a plain field"):

        @quick_init
        @dataclasses.dataclass(frozen=True, slots=True)
        class _Factory:
            """A field with a factory."""

            items: list[int] = dataclasses.field(default_factory=list)

    with pytest.raises(TypeError, match="slotted"):

        @quick_init
        @dataclasses.dataclass(frozen=True)
        class _NoSlots:
            """No slots."""

            label: str = ""


def test_quick_init_runs_post_init_only_for_the_fields_it_names() -> None:
    calls: list[int | None] = []

    @quick_init
    @dataclasses.dataclass(frozen=True, slots=True)
    class _Watched:
        """A class whose __post_init__ looks only at ``limit``."""

        label: str = ""
        limit: int | None = None

        __post_init_fields__ = ("limit",)

        def __post_init__(self) -> None:
            calls.append(self.limit)

    _Watched("a")
    _Watched("b", limit=3)
    assert calls == [3]
    # The button's cooldown is still checked at construction (its __post_init__ names it).
    with pytest.raises(ValueError):
        Button("Buy", trigger="buy", cooldown=-1)
    assert Button("Buy", trigger="buy", cooldown=2).cooldown == 2.0

    with pytest.raises(TypeError, match="names no field"):

        @quick_init
        @dataclasses.dataclass(frozen=True, slots=True)
        class _Misnamed:
            """``__post_init_fields__`` with a typo."""

            limit: int | None = None

            __post_init_fields__ = ("limt",)

            def __post_init__(self) -> None:
                """Never called."""


async def test_call_hook_awaits_what_is_awaitable_whatever_came_before() -> None:
    def plain_generator() -> Generator[int, None, None]:
        yield 1

    @types.coroutine
    def generator_coroutine() -> Generator[None, None, str]:
        return "from a generator-based coroutine"
        yield  # pragma: no cover - makes this a generator

    async def native() -> str:
        return "from a coroutine"

    # A plain generator is not awaitable: returned as it is, and its type must not be remembered
    # as "never awaitable", since a generator-based coroutine has the same type.
    returned = await call_hook(plain_generator)
    assert inspect.isgenerator(returned)
    assert await call_hook(generator_coroutine) == "from a generator-based coroutine"
    assert await call_hook(native) == "from a coroutine"
    assert await call_hook(lambda: None) is None
    screen_like = "text"
    assert await call_hook(lambda: screen_like) == "text"
    assert await call_hook(lambda: screen_like) == "text"  # a remembered plain type


def test_quick_init_runs_the_classes_post_init() -> None:
    """Button validates its cooldown in ``__post_init__``; the quick ``__init__`` must still run it."""
    with pytest.raises(ValueError):
        Button("Join", trigger="join", id="join", cooldown=-1.0)
    assert Button("Join", trigger="join", id="join", cooldown=2).cooldown == 2.0


async def test_run_callbacks_keeps_order_and_awaits_only_when_a_callback_needs_it() -> None:
    """FlowMachine.run_callbacks: transitions' callbacks order, a coroutine only from the first
    callback whose result is awaitable on (the rest run after it finishes, in order)."""
    machine = FlowMachine(model=None, states=["only"], initial="only", send_event=True)
    ran: list[str] = []
    event = object()

    def plain(name: str) -> Any:
        def callback(received: object) -> None:
            assert received is event
            ran.append(name)

        return callback

    async def slow(received: object) -> None:
        await asyncio.sleep(0)
        ran.append("slow")

    assert machine.run_callbacks([plain("a"), plain("b")], event) is None  # type: ignore[arg-type]
    assert ran == ["a", "b"]
    ran.clear()
    pending = machine.run_callbacks([plain("a"), slow, plain("c")], event)  # type: ignore[arg-type]
    assert pending is not None and ran == ["a"]  # "c" waits for "slow"
    await pending
    assert ran == ["a", "slow", "c"]
    ran.clear()
    await machine.callbacks([slow, plain("d")], event)  # type: ignore[arg-type]
    assert ran == ["slow", "d"]


async def test_state_entry_and_exit_cost_a_coroutine_only_for_states_with_hooks() -> None:
    """A click's state change runs flowfsm's entry and exit at once unless the state has hooks;
    the hooks, a preserved state's snapshot and setup still run in their documented order."""
    calls: list[str] = []

    def count(ctx: Context) -> None:
        ctx.state["clicks"] = ctx.state.get("clicks", 0) + 1

    flow = Flow("entry", command="entry")
    flow.add_state("plain", lambda ctx: Screen("plain", items=[Button("go", trigger="go")]), initial=True)
    flow.add_state(
        "hooked",
        lambda ctx: Screen(
            f"clicks {ctx.state.get('clicks', 0)}",
            items=[Button("count", action=count), Button("home", trigger="home")],
        ),
        setup=lambda ctx: calls.append("setup"),
        on_enter=lambda ctx: calls.append("on_enter"),
        on_leave=lambda ctx: calls.append("on_leave"),
        preserve=True,
    )
    flow.transition("go", "plain", "hooked")
    flow.transition("home", "hooked", "plain")
    async with Harness([flow]) as h:
        await h.command("entry")
        session = h.session()
        ctx = Context(h.manager, session, None)
        event = types.SimpleNamespace(kwargs={"ctx": ctx})
        assert lifecycle.on_state_exit(event) is None  # "plain" has no leave hooks: no coroutine
        assert lifecycle.on_state_enter(event) is None  # nor entry hooks
        await h.click("go")
        await h.click("count")
        assert calls == ["setup", "on_enter"] and session.state == "hooked"
        exiting = lifecycle.on_state_exit(event)
        assert exiting is not None  # "hooked" has on_leave: a coroutine, for the machine to await
        exiting.close()  # type: ignore[attr-defined]
        await h.click("home")
        await h.click("go")  # restored from its snapshot: no setup, the count kept
        assert calls == ["setup", "on_enter", "on_leave", "on_enter"]
        assert h.message is not None and h.message["content"] == "clicks 1"
