"""The helpers that keep a click cheap behave exactly like what they replace."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
import types
from collections.abc import Generator
from typing import Any

import hikari
import pytest

from flowfsm.define.flow import call_hook
from flowfsm.define.frozen import quick_init
from flowfsm.define.screen import Button


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
