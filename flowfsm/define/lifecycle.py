"""State lifetimes, navigation history, hooks and sub-flows, mapped onto transitions' callbacks.

Order of hooks (global hooks registered on the manager run before the state's own hook of the
same name; every hook is awaited in sequence):

* entering a state: ``setup`` (only when the state's data is created, i.e. not when a preserved
  state is restored) -> ``on_enter`` (every entry, returns included);
* each click: ``on_action`` -> the item's action or trigger -> [transition: conditions/guards ->
  ``on_leave`` of the old state -> entry of the new one] -> ``on_next``/``on_previous`` (pagination)
  -> ``before_render`` -> render -> message sent or edited -> ``after_render``;
* Cancel: ``on_cancel`` -> ``on_leave``; timeout: ``on_timeout``;
* the last screen of a session (entering a final state, or ``ctx.close(text)``) runs neither
  ``before_render`` nor ``after_render``: they prepare and follow up a live menu, and a final
  screen has no items left (the final state's ``on_enter`` still runs).

These run inside the flow's transitions machine: a state's ``on_enter``/``on_exit`` callbacks
call :func:`on_state_enter`/:func:`on_state_exit`, the machine's ``before_state_change`` pushes
tracked states on the history stack, and the generated ``back`` / ``cancel`` / sub-flow
transitions are ordinary machine transitions (so diagrams and checks see them).
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from transitions.core import EventData

from flowfsm.define.flow import Flow, Hook, TransitionSpec
from flowfsm.define.machine import call_hook, context_of
from flowfsm.define.tracing import TraceEvent
from flowfsm.errors import FlowError

if TYPE_CHECKING:
    from flowfsm.define.context import Context
    from flowfsm.engine.session import Session  # a type only: definitions never import the engine

__all__ = [
    "complete",
    "enter_state",
    "generated_transitions",
    "hard_refresh",
    "has_hooks",
    "leave_state",
    "return_to_parent",
    "run_hooks",
    "start_state",
]

_EMPTY: Mapping[str, Any] = {}


async def run_hooks(ctx: Context, name: str, *args: Any) -> None:
    """Run the manager's global hooks named ``name``, then the current state's own."""
    for hook in ctx.manager.global_hooks.get(name, ()):
        await call_hook(hook, ctx, *args)
    spec = ctx.session.flow.states.get(ctx.session.state)
    if spec is not None:
        for index, hook in enumerate(spec.hooks(name)):
            if detailed(ctx.manager):
                trace_hook(ctx, name, index)
            await call_hook(hook, ctx, *args)


def trace_hook(ctx: Context, name: str, index: int) -> None:
    """Record that the current state's ``index``-th hook named ``name`` runs (``detail="name:index"``)."""
    state = ctx.session.state
    trace(ctx, "hook", state, state, None, f"{name}:{index}")


def has_hooks(ctx: Context, name: str) -> bool:
    """Whether :func:`run_hooks` would run anything for ``name`` now."""
    # Five times a click: a key test (the manager only keeps names with hooks), then the state's list.
    if name in ctx.manager.global_hooks:
        return True
    session = ctx.session
    spec = session.flow.states.get(session.state)
    return spec is not None and bool(getattr(spec, name))


async def enter_state(ctx: Context, options: Mapping[str, Any] | None) -> None:
    """Create (or restore) the current state's instance and run its entry hooks."""
    hooks = start_state(ctx, options)
    if hooks is not None:
        await hooks


def start_state(ctx: Context, options: Mapping[str, Any] | None) -> Awaitable[None] | None:
    """:func:`enter_state` without a coroutine for a state that has no entry hooks to run:
    ``None`` when the state is entered, else the awaitable that runs its hooks."""
    session = ctx.session
    spec = session.flow.states[session.state]
    session.state_options = options if options is not None else _EMPTY
    snapshot = session.preserved.pop(session.state, None) if spec.preserve and session.preserved else None
    if snapshot is not None:
        session.local, session.page = snapshot
    else:
        session.local = None
        session.page = 0
    setup = spec.setup if snapshot is None else ()
    if setup or spec.on_enter or "on_enter" in ctx.manager.global_hooks:  # most states have none
        return _entry_hooks(ctx, setup)
    return None


async def _entry_hooks(ctx: Context, setup: Sequence[Hook]) -> None:
    """A new instance's ``setup`` hooks, then ``on_enter``."""
    for index, hook in enumerate(setup):
        if detailed(ctx.manager):
            trace_hook(ctx, "setup", index)
        await call_hook(hook, ctx)
    await run_hooks(ctx, "on_enter")


async def leave_state(ctx: Context, *, cancel: bool = False) -> None:
    """Run the current state's leave hooks (after ``on_cancel`` for Cancel) and keep a snapshot
    of a preserved state's data."""
    session = ctx.session
    if cancel:
        await run_hooks(ctx, "on_cancel")
    spec = session.flow.states[session.state]
    if spec.on_leave or "on_leave" in ctx.manager.global_hooks:  # has_hooks, with the spec at hand
        await run_hooks(ctx, "on_leave")
    if spec.preserve:
        _keep(session)


def _keep(session: Session) -> None:
    """Keep a snapshot of the current (preserved) state's data, its leave hooks having run."""
    if session.preserved is None:
        session.preserved = {}
    session.preserved[session.state] = (session.local, session.page)


async def hard_refresh(ctx: Context) -> None:
    """Throw away the current state's data and run its setup again."""
    session = ctx.session
    if session.preserved:
        session.preserved.pop(session.state, None)
    session.local = None
    session.page = 0
    for hook in session.flow.states[session.state].setup:
        await call_hook(hook, ctx)


# -- transitions callbacks ------------------------------------------------------------------------


def on_state_enter(event: EventData) -> Awaitable[None] | None:
    """State ``on_enter`` callback of every machine state (no coroutine unless hooks run)."""
    ctx = event.kwargs["ctx"]  # context_of, inlined: every state change of every click
    return start_state(ctx, ctx.trigger_options or None)


def on_state_exit(event: EventData) -> Awaitable[None] | None:
    """State ``on_exit`` callback of every machine state (no coroutine unless hooks run)."""
    ctx = event.kwargs["ctx"]  # context_of, inlined: every state change of every click
    session = ctx.session
    spec = session.flow.states[session.state]
    if spec.on_leave or "on_leave" in ctx.manager.global_hooks:
        return leave_state(ctx)
    if spec.preserve:
        _keep(session)
    return None


def before_state_change(event: EventData) -> None:
    """Leaving a tracked state (not by Back) pushes it on the history stack."""
    transition = event.transition
    if transition is None or transition.dest is None or event.event is None:
        return
    if event.event.name == "back" or transition.dest == transition.source:
        return
    session = context_of(event).session
    if session.flow.states[transition.source].tracked:
        if session.history is None:
            session.history = []
        session.history.append((transition.source, session.state_options or None))


def after_state_change(event: EventData) -> None:
    """Count the transition (telemetry) and record it on the manager's tracer, if tracing is on."""
    transition = event.transition
    if transition is None or transition.dest is None or event.event is None:
        return
    ctx = context_of(event)
    ctx.manager.telemetry.transition(
        ctx.session.flow.name, transition.source, event.event.name, transition.dest
    )
    trace(ctx, "transition", transition.source, transition.dest, event.event.name)


def detailed(manager: Any) -> bool:
    """Whether the manager's tracer wants the detailed events (renders, hooks, guard outcomes,
    clicks, fired triggers, stale clicks, timeouts) that test coverage counts."""
    tracer = manager.tracer
    return tracer is not None and tracer.detailed


def trace(
    ctx: Context,
    kind: str,
    source: str,
    dest: str,
    trigger: str | None,
    detail: str | None = None,
    *,
    flow: str | None = None,
) -> None:
    """Record one event on the manager's tracer (a no-op when tracing is off); ``flow``: the
    flow the event belongs to, when not the session's current one."""
    tracer = ctx.manager.tracer
    if tracer is None:
        return
    session = ctx.session
    item = ctx.item
    component = None if item is None else (getattr(item, "id", None) or getattr(item, "label", None))
    tracer.record(
        TraceEvent(
            kind,
            flow or session.flow.name,
            source,
            dest,
            trigger,
            component,
            session.id,
            session.user_id,
            ctx.manager.clock(),
            detail,
            ctx.member_id,
        )
    )


# -- generated transitions ------------------------------------------------------------------------


def generated_transitions(flow: Flow) -> list[TransitionSpec]:
    """The ``back`` and ``cancel`` transitions of returnable / cancellable states, and the
    sub-flow openers' callbacks."""
    generated: list[TransitionSpec] = []
    tracked = [name for name, spec in flow.states.items() if spec.tracked]
    for name, spec in flow.states.items():
        if spec.returnable:
            for target in tracked:
                generated.append(
                    TransitionSpec(
                        "back",
                        name,
                        target,
                        conditions=[_history_top_is(target)],
                        before=[_pop_history],
                        kind="back",
                    )
                )
            if spec.fallback is not None:
                generated.append(
                    TransitionSpec(
                        "back",
                        name,
                        spec.fallback,
                        conditions=[_history_empty],
                        kind="back",
                        options=spec.fallback_options,
                        before=[_fallback_options(spec.fallback_options)],
                    )
                )
            else:
                generated.append(
                    TransitionSpec(
                        "back", name, None, conditions=[_history_empty], after=[_back_out], kind="back"
                    )
                )
        if spec.cancellable:
            generated.append(TransitionSpec("cancel", name, None, after=[_cancel], kind="cancel"))
    for tr in flow.transitions:
        if tr.kind == "subflow" and not tr.after:
            tr.after.append(_opener(tr))
    return generated


def _history_top_is(state: str) -> Any:
    def check(ctx: Context) -> bool:
        history = ctx.session.history
        return bool(history) and history[-1][0] == state  # type: ignore[index]

    check.__name__ = f"history={state}"
    return check


def _history_empty(ctx: Context) -> bool:
    return not ctx.session.history


_history_empty.__name__ = "history empty"


def _pop_history(ctx: Context) -> None:
    assert ctx.session.history
    _state, options = ctx.session.history.pop()
    ctx.trigger_options = options or _EMPTY


def _fallback_options(options: Mapping[str, Any] | None) -> Any:
    def apply(ctx: Context) -> None:
        ctx.trigger_options = options or _EMPTY

    apply.__name__ = "fallback options"
    return apply


async def _back_out(ctx: Context) -> None:
    """Back with nothing to go back to: return to the parent flow, or close the session."""
    if ctx.session.frames:
        await leave_state(ctx)
        await return_to_parent(ctx)
    else:
        ctx.close()


async def _cancel(ctx: Context) -> None:
    await leave_state(ctx, cancel=True)
    if ctx.session.frames:
        await return_to_parent(ctx)
    else:
        ctx.end_reason = "cancelled"
        ctx.close(ctx.manager.localized.for_screen(ctx).texts.cancelled)


def _opener(spec: TransitionSpec) -> Any:
    async def open_child(ctx: Context) -> None:
        await open_subflow(ctx, spec)

    open_child.__name__ = f"open {spec.subflow}"
    return open_child


# -- sub-flows ------------------------------------------------------------------------------------


async def open_subflow(ctx: Context, spec: TransitionSpec) -> None:
    """Leave the parent state and run the child flow's initial state in the same session."""
    session = ctx.session
    child = ctx.manager.flows.get(spec.subflow or "")
    if child is None:
        raise FlowError(
            f"flow {session.flow.name!r}, state {session.state!r}: sub-flow {spec.subflow!r} is not registered"
        )
    await leave_state(ctx)
    if session.frames is None:
        session.frames = []
    session.frames.append(
        (
            session.flow,
            session.state,
            session.history,
            session.preserved,
            session.state_options,
            spec.on_complete,
        )
    )
    source = session.state
    session.flow = child
    session.state = child.initial or ""
    session.history = None
    session.preserved = None
    trace(ctx, "subflow", source, f"{child.name}:{session.state}", spec.trigger)
    await enter_state(ctx, spec.options if spec.options is not None else (ctx.trigger_options or None))


async def return_to_parent(ctx: Context) -> str | None:
    """Pop the sub-flow frame and re-enter the parent state; returns the completion handler name."""
    session = ctx.session
    assert session.frames
    child = session.flow.name
    parent, state, history, preserved, options, handler = session.frames.pop()
    session.flow, session.state, session.history, session.preserved = parent, state, history, preserved
    trace(ctx, "complete", child, state, None)
    await enter_state(ctx, options)
    return handler


async def complete(ctx: Context, result: Any) -> None:
    """Finish the current sub-flow with ``result``: back to the parent, then its handler.

    Outside a sub-flow (the flow was opened on its own) there is no parent to receive the
    result: the session closes, as FlowCord's ``complete`` does on an empty stack.
    """
    session = ctx.session
    if not session.frames:
        await leave_state(ctx)
        ctx.close()
        return
    await leave_state(ctx)
    handler_name = await return_to_parent(ctx)
    if handler_name is not None:
        handler = session.flow.completions[handler_name]
        await call_hook(handler, ctx, result)
