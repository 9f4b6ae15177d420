"""Guards (predicates with a user-facing failure message) and pipelines of guards and actions.

A guard's predicate returns ``True`` (pass), ``False`` (fail with the guard's message) or a
non-empty string (fail with that string). Guards go into a transition's ``conditions`` (the
machine refuses the transition) or into a :func:`pipeline` used as an item's action. A failed
guard raises :class:`~flowfsm.errors.GuardFailure`: the user sees the message (ephemeral), the
state does not change and the menu re-renders.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, overload

from flowfsm.define.machine import call_hook
from flowfsm.errors import GuardFailure

if TYPE_CHECKING:
    from flowfsm.define.context import Context

__all__ = ["DEFAULT_GUARD_MESSAGE", "Guard", "guard", "pipeline", "trace_guard"]

DEFAULT_GUARD_MESSAGE = "You can't do that right now."

Predicate = Callable[["Context"], "Awaitable[bool | str] | bool | str"]


class Guard:
    """A predicate with a failure message; usable as a transition condition or pipeline step."""

    __slots__ = ("message", "name", "predicate")

    _flowfsm_inline = True
    """Awaiting a guard waits only where its predicate does (see :func:`flowfsm.define.machine.call_hook`)."""

    def __init__(
        self, predicate: Predicate, message: str = DEFAULT_GUARD_MESSAGE, *, name: str | None = None
    ) -> None:
        if not callable(predicate):
            raise TypeError(f"guard predicate must be callable, got {predicate!r}")
        self.predicate = predicate
        self.message = message
        self.name = name or getattr(predicate, "__name__", "guard")

    def __repr__(self) -> str:
        return f"Guard({self.name!r})"

    async def failure(self, ctx: Context) -> str | None:
        """The failure message, or ``None`` when the guard passes."""
        result = await call_hook(self.predicate, ctx)
        if isinstance(result, str):
            message: str | None = result or self.message
        else:
            message = None if result else self.message
        if getattr(ctx.manager.tracer, "detailed", False):
            trace_guard(ctx, str(self.name), message is None)
        return message

    async def __call__(self, ctx: Context) -> None:
        """Raise :class:`GuardFailure` unless the guard passes (pipeline step form)."""
        message = await self.failure(ctx)
        if message is not None:
            raise GuardFailure(message)


def trace_guard(ctx: Context, name: str, passed: bool) -> None:
    """Record one guard outcome on the manager's tracer (``kind="guard-check"``, ``detail="name:pass"``
    or ``"name:refuse"``): test coverage counts both outcomes of every guard."""
    from flowfsm.define.lifecycle import trace  # lifecycle imports the flow module, as this one does

    state = ctx.session.state
    trace(ctx, "guard-check", state, state, None, f"{name}:{'pass' if passed else 'refuse'}")


@overload
def guard(predicate: Predicate, message: str = ..., *, name: str | None = None) -> Guard: ...


@overload
def guard(
    predicate: None = None, message: str = ..., *, name: str | None = None
) -> Callable[[Predicate], Guard]: ...


def guard(
    predicate: Predicate | None = None, message: str = DEFAULT_GUARD_MESSAGE, *, name: str | None = None
) -> Guard | Callable[[Predicate], Guard]:
    """Make a :class:`Guard`; also usable as a decorator: ``@guard(message="Admins only")``."""
    if predicate is None:
        return lambda fn: Guard(fn, message, name=name)
    return Guard(predicate, message, name=name)


def pipeline(*steps: Guard | Callable[[Context], Any]) -> Callable[[Context], Awaitable[None]]:
    """Compose guards and actions into one action, run in order, stopping at the first failed guard.

    Exceptions other than :class:`GuardFailure` propagate to the error handler.
    """
    for step in steps:
        if not callable(step):
            raise TypeError(f"pipeline step must be a Guard or a callable, got {step!r}")

    async def run(ctx: Context) -> None:
        for step in steps:
            await call_hook(step, ctx)

    run.__name__ = (
        "pipeline(" + ", ".join(getattr(s, "name", getattr(s, "__name__", "?")) for s in steps) + ")"
    )
    run.steps = steps  # type: ignore[attr-defined]
    run._flowfsm_inline = True  # type: ignore[attr-defined]  # each step goes through call_hook
    return run
