"""The transitions machine a flow compiles to, and how flowfsm calls a bot author's callbacks.

:class:`FlowMachine` and its state, transition and event classes are transitions' asyncio
classes, run the way flowfsm documents its hooks (in sequence, never in parallel) and made cheap
for a click: no log line per callback, no task per event, and no coroutine for callbacks that
finish at once. :func:`call_hook` calls any sync or async callback; :func:`awaitable` tells
whether its result must be awaited.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Sequence
from types import CoroutineType, GeneratorType
from typing import TYPE_CHECKING, Any, TypeGuard

from transitions.core import EventData
from transitions.extensions.asyncio import (
    AsyncCondition,
    AsyncEvent,
    AsyncEventData,
    AsyncMachine,
    AsyncState,
    AsyncTransition,
)

from flowfsm.eager import own_task

if TYPE_CHECKING:
    from flowfsm.define.context import Context
    from flowfsm.define.flow import Hook

__all__ = [
    "FlowEvent",
    "FlowMachine",
    "FlowState",
    "FlowTransition",
    "awaitable",
    "call_hook",
    "context_of",
    "event_adapter",
    "settle_hook",
    "traced_predicate",
]


async def call_hook(fn: Callable[..., Any], *args: Any) -> Any:
    """Call a sync or async callback and return its (awaited) result.

    An awaitable result is awaited in the step's own task (see :mod:`flowfsm.eager`), unless
    ``fn`` is one of flowfsm's own coroutine functions marked ``_flowfsm_inline`` (a pipeline,
    a guard), which only call user callbacks through this function.
    """
    result = fn(*args)
    if result is not None and awaitable(result):
        return await settle_hook(fn, result)
    return result


async def settle_hook(fn: Callable[..., Any], result: Awaitable[Any]) -> Any:
    """The awaitable half of :func:`call_hook`: await ``result``, which ``fn`` returned, in the
    step's own task unless ``fn`` is marked ``_flowfsm_inline``.

    For a hot call site that calls ``fn`` itself and pays for a coroutine only when its result
    needs awaiting."""
    if not getattr(fn, "_flowfsm_inline", False):
        await own_task()
    return await result


_PLAIN_TYPES: set[type] = set()
"""Types of hook results found not awaitable (a render function's ``Screen``, ``str``...)."""


def awaitable(result: object) -> TypeGuard[Awaitable[Any]]:
    """``inspect.isawaitable``, remembering the types that are not: it walks the ABCs on every call,
    and a click calls several hooks whose results are screens or nothing (``None`` is tested by
    the callers, before calling this)."""
    kind = type(result)
    if kind is CoroutineType:
        return True
    if kind in _PLAIN_TYPES:
        return False
    if inspect.isawaitable(result):
        return True
    if len(_PLAIN_TYPES) < 256 and kind is not GeneratorType:  # a generator's flags decide, not its type
        _PLAIN_TYPES.add(kind)
    return False


class FlowState(AsyncState):
    """transitions' :class:`AsyncState`, without a log line per callback list.

    transitions logs every state entry and exit at INFO level; a bot runs thousands of steps a
    minute, and flowfsm's own tracer (:class:`~flowfsm.define.tracing.Tracer`) records them on request.
    """

    async def enter(self, event_data: AsyncEventData) -> None:  # type: ignore[override]
        """Run the state's ``on_enter`` callbacks."""
        await event_data.machine.callbacks(self.on_enter, event_data)

    async def exit(self, event_data: AsyncEventData) -> None:  # type: ignore[override]
        """Run the state's ``on_exit`` callbacks."""
        await event_data.machine.callbacks(self.on_exit, event_data)


class FlowTransition(AsyncTransition):
    """transitions' :class:`AsyncTransition` for a machine that never draws itself.

    Conditions stop at the first that fails, as in transitions' synchronous machine (a later
    guard must not show its refusal once an earlier condition said no). The state change skips
    transitions' per-model diagram bookkeeping: a :class:`FlowMachine` is never a
    ``GraphMachine`` (diagrams use a mirror machine, see :mod:`flowfsm.tools.diagram`).
    """

    async def execute(self, event_data: AsyncEventData) -> bool:  # type: ignore[override]
        """Run the transition: conditions, callbacks around the state change, the change itself.

        transitions' own order, without awaiting the (many) callback lists that are empty, without
        a coroutine for callbacks that finish at once (flowfsm's own state entry and exit, most
        of the time) and without its per-step debug logging: a click runs one of these.
        """
        machine: FlowMachine = event_data.machine  # type: ignore[assignment]
        if self.prepare:
            await machine.callbacks(self.prepare, event_data)
        if self.conditions and not await self._eval_conditions(event_data):
            return False
        if machine.before_state_change:
            await machine.callbacks(machine.before_state_change, event_data)
        if self.before:
            await machine.callbacks(self.before, event_data)
        if self.dest is not None:
            states: dict[str, FlowState] = machine.states  # type: ignore[assignment]
            pending = machine.run_callbacks(states[self.source].on_exit, event_data)
            if pending is not None:
                await pending
            dest = states[self.dest]
            # transitions' set_state + event_data.update for one model and a string state, without
            # looking the state up three more times.
            setattr(event_data.model, machine.model_attribute, dest.value)
            event_data.state = dest
            pending = machine.run_callbacks(dest.on_enter, event_data)
            if pending is not None:
                await pending
            if dest.final and machine.on_final:
                await machine.callbacks(machine.on_final, event_data)
        if self.after:
            await machine.callbacks(self.after, event_data)
        pending = machine.run_callbacks(machine.after_state_change, event_data)
        if pending is not None:
            await pending
        return True

    async def _eval_conditions(self, event_data: AsyncEventData) -> bool:  # type: ignore[override]
        conditions: list[AsyncCondition] = self.conditions  # type: ignore[assignment]
        for condition in conditions:
            if not await condition.check(event_data):
                return False
        return True


class FlowEvent(AsyncEvent):
    """transitions' :class:`AsyncEvent`, fired directly and quietly.

    transitions logs every exception raised inside a trigger at ERROR level before re-raising
    it; flowfsm handles those exceptions itself (a guard's refusal is one, and is not an error)
    and logs real errors once, with the flow, state and session. Empty callback lists are
    skipped, and :meth:`trigger` does the work of transitions' ``_trigger`` and ``_process`` in
    one coroutine, without its per-model task bookkeeping (see :meth:`FlowMachine.process_context`).
    """

    async def trigger(self, model: Any, *args: Any, **kwargs: Any) -> bool:  # type: ignore[override]
        """Fire this event with ``model`` (a session) in its current state: the first of its
        transitions from that state whose conditions pass runs."""
        machine = self.machine
        event_data = AsyncEventData(None, self, machine, model, args=args, kwargs=kwargs)
        event_data.state = state = machine.states[getattr(model, machine.model_attribute)]
        try:
            if self._is_valid_source(state):
                if machine.prepare_event:
                    await machine.callbacks(machine.prepare_event, event_data)
                for transition in self.transitions[state.name]:
                    event_data.transition = transition
                    event_data.result = await transition.execute(event_data)
                    if event_data.result:
                        break
        except BaseException as error:
            event_data.error = error  # type: ignore[assignment]
            if not machine.on_exception:
                raise
            await machine.callbacks(machine.on_exception, event_data)
        finally:
            if machine.finalize_event:
                await machine.callbacks(machine.finalize_event, event_data)
        return bool(event_data.result)


class FlowMachine(AsyncMachine):
    """transitions' :class:`AsyncMachine`, running a step's callbacks one after the other.

    transitions runs the callbacks of one step in parallel (``asyncio.gather``, a task each);
    flowfsm documents its hooks as awaited in sequence, and a click should not cost a handful of
    tasks, so this machine awaits them in order instead, without building a partial per callback.
    """

    state_cls = FlowState  # type: ignore[assignment]
    event_cls = FlowEvent
    transition_cls = FlowTransition

    @staticmethod
    async def await_all(callables: list[Callable[..., Any]]) -> list[Any]:
        """Await each callable in turn; results in the same order."""
        return [await func() for func in callables]

    async def callbacks(self, funcs: Iterable[Any], event_data: AsyncEventData) -> None:  # type: ignore[override]
        """Run a list of callbacks in order."""
        pending = self.run_callbacks(funcs if isinstance(funcs, Sequence) else list(funcs), event_data)
        if pending is not None:
            await pending

    def run_callbacks(self, funcs: Sequence[Any], event_data: AsyncEventData) -> Awaitable[None] | None:
        """Run callbacks in order, as :meth:`callbacks` does, without a coroutine while each returns
        a plain value: ``None`` once all have run, else an awaitable that awaits the result at hand
        and runs the rest.

        (transitions' :meth:`callback`, inlined: most callbacks of a click are flowfsm's own
        entry and exit, which finish at once unless the state has hooks.)
        """
        for index, func in enumerate(funcs):
            if not callable(func):
                func = self.resolve_callable(func, event_data)
            result = func(event_data)
            if result is not None and awaitable(result):
                return self._run_rest(result, funcs[index + 1 :], event_data)
        return None

    async def _run_rest(
        self, result: Awaitable[Any], rest: Sequence[Any], event_data: AsyncEventData
    ) -> None:
        await result
        await self.callbacks(rest, event_data)

    async def callback(self, func: Any, event_data: AsyncEventData) -> None:  # type: ignore[override]
        """Run one callback (flowfsm's callbacks take the event data and may be async)."""
        await self.callbacks([func], event_data)

    async def cancel_running_transitions(self, model: Any, msg: str | None = None) -> None:
        """Nothing to cancel: see :meth:`process_context`."""

    async def process_context(self, func: Callable[[], Any], model: Any) -> Any:
        """Run one event without transitions' cancellation bookkeeping.

        transitions records the running task of every model so that a newer event can cancel an
        older one; flowfsm never has two events of one session in flight (clicks are serialized
        per session), so there is nothing to cancel and nothing to record.
        """
        return await func()


def traced_predicate(
    fn: Hook, adapted: Callable[[EventData], Awaitable[Any]]
) -> Callable[[EventData], Awaitable[Any]]:
    """A plain condition whose outcome the manager's tracer records, like a guard's."""
    name = getattr(fn, "name", None) or getattr(fn, "__name__", None) or type(fn).__name__

    async def check(event: EventData) -> Any:
        result = await adapted(event)
        ctx = context_of(event)
        if getattr(ctx.manager.tracer, "detailed", False):
            from flowfsm.define.guards import trace_guard

            trace_guard(ctx, str(name), bool(result))
        return result

    check.__name__ = str(name)
    check.__qualname__ = getattr(fn, "__qualname__", check.__name__)
    check.__wrapped__ = fn  # type: ignore[attr-defined]
    return check


def context_of(event: EventData) -> Context:
    """The :class:`~flowfsm.define.context.Context` an event was fired with (``ctx=`` of the trigger)."""
    return event.kwargs["ctx"]


def event_adapter(fn: Hook) -> Callable[[EventData], Awaitable[Any]]:
    """Adapt a ``fn(ctx)`` callback to transitions' ``callback(event_data)`` calling convention."""

    async def adapted(event: EventData) -> Any:
        return await call_hook(fn, context_of(event))

    adapted.__name__ = getattr(fn, "__name__", "callback")
    adapted.__qualname__ = getattr(fn, "__qualname__", adapted.__name__)
    adapted.__wrapped__ = fn  # type: ignore[attr-defined]
    return adapted
