"""One step of a session: deadlines (automatic defer, ``step_timeout``), the item's action or the
machine's trigger, render, response, guard refusals and failures.

A part of :class:`~flowfsm.engine.manager.FlowManager` (see ARCHITECTURE.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any

import hikari
from transitions.core import MachineError

from flowfsm import eager
from flowfsm.define import lifecycle
from flowfsm.define.context import Context
from flowfsm.define.machine import call_hook
from flowfsm.define.modals import Modal
from flowfsm.define.selects import SELECT_TYPES
from flowfsm.engine import logs, trust
from flowfsm.engine.expiry import Expiry
from flowfsm.engine.render import (
    NEXT_KEY,
    PREVIOUS_KEY,
)
from flowfsm.engine.response import Responder
from flowfsm.engine.telemetry import AFTER, NO_PROBE, RENDER, RESPONSE
from flowfsm.errors import FlowError, GuardFailure

__all__ = ["Steps"]

_LOG = logs.get_logger("flowfsm")


class Steps(Expiry):
    """One step of a session: deadlines (automatic defer, ``step_timeout``), the item's action or the"""

    async def _dispatch(self, responder: Responder, work: Coroutine[Any, Any, None]) -> Any:
        """Run a step: in the listener's task when the initial response is a REST call (gateway
        bots, arc); for a REST bot, eagerly, returning its first response (the HTTP reply) while
        whatever waits goes on in a task of its own (see :mod:`flowfsm.eager`)."""
        if responder.future is None:
            responder.task = asyncio.current_task()
            await work
            return None
        try:
            task = eager.run_eagerly(work)
        except Exception:
            # _step handles the step's errors; this is a bug in the engine, not in a callback.
            _LOG.exception("flowfsm: an interaction failed outside its step")
            task = None
        if task is None:
            responder.fail_safe()
            return responder.future.result()
        responder.task = task
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._step_task_done(done, responder))
        return await responder.future

    def _step_task_done(self, task: asyncio.Task[Any], responder: Responder) -> None:
        self._tasks.discard(task)
        responder.fail_safe()

    async def _run_item(self, ctx: Context, item: Any) -> None:
        """``on_action`` hooks, then the item: page navigation, a modal's submit, a select's or a
        button's action, or its trigger."""
        if lifecycle.has_hooks(ctx, "on_action"):
            await lifecycle.run_hooks(ctx, "on_action")
        key = getattr(item, "id", None)
        if key in (NEXT_KEY, PREVIOUS_KEY):
            ctx.session.page += 1 if key == NEXT_KEY else -1
            await self._page_state(ctx)
            await lifecycle.run_hooks(ctx, "on_next" if key == NEXT_KEY else "on_previous")
            return
        if isinstance(item, Modal):
            if item.on_submit is not None:
                await call_hook(item.on_submit, ctx, ctx.fields)
            if item.trigger is not None:
                await self.fire(ctx, item.trigger, {"fields": ctx.fields})
            return
        is_select = isinstance(item, SELECT_TYPES)
        options = getattr(item, "options_kw", None) if is_select else item.options
        if item.action is not None:
            if is_select:
                await call_hook(item.action, ctx, ctx.values)
            else:
                await call_hook(item.action, ctx)
        elif item.trigger is not None:
            await self.fire(ctx, item.trigger, options or {})

    async def fire(self, ctx: Context, trigger: str, options: Mapping[str, Any]) -> bool:
        """Fire ``trigger`` on the flow's machine with the session as its model."""
        session = ctx.session
        flow = session.flow
        event = flow.machine.events.get(trigger)
        if event is None:
            raise FlowError(f"flow {flow.name!r}, state {session.state!r}: unknown trigger {trigger!r}")
        previous = ctx.trigger_options
        ctx.trigger_options = options
        source = session.state
        try:
            fired = bool(await event.trigger(session, ctx=ctx))
            tracer = self.tracer  # lifecycle.detailed, inlined (every fired trigger asks)
            if tracer is not None and tracer.detailed:
                # A sub-flow opener leaves the flow: the event is the parent's, its dest the child.
                dest = session.state if session.flow is flow else f"flow {session.flow.name}"
                detail = "ok" if fired else "refused"
                lifecycle.trace(ctx, "fire", source, dest, trigger, detail, flow=flow.name)
            return fired
        except MachineError as exc:
            raise FlowError(
                f"flow {flow.name!r}, state {session.state!r}: trigger {trigger!r} cannot fire here ({exc.value})"
            ) from None
        finally:
            ctx.trigger_options = previous

    async def _step(self, ctx: Context, responder: Responder, work: Callable[[], Awaitable[None]]) -> None:
        """One step of a session: callbacks, render, response, ``after_render`` — bounded in time,
        deferred in time, and any error handed to :meth:`_fail`."""
        session = ctx.session
        before = (session.flow, session.state)
        probe = self.telemetry.step(ctx, responder)
        timing = probe is not NO_PROBE  # nobody measures: no marks (three calls a click)
        self._defers.add(responder, self.defer_after)
        self._limits.add(responder, self.step_timeout)
        try:
            try:
                await work()
                if timing:
                    probe.mark(RENDER)
                rendered = await self._render_for_step(ctx)
            except GuardFailure as refusal:
                probe.outcome("guard")
                await self._refused_by_guard(ctx, responder, refusal)
                return
            if timing:
                probe.mark(RESPONSE)
            if not await self._show(ctx, responder, rendered, before):
                probe.outcome("gone")
                return
            if timing:
                probe.mark(AFTER)
            if session.ended:
                self._end(session, ctx.end_reason)
            elif lifecycle.has_hooks(ctx, "after_render"):
                if responder.future is not None and responder.future.done():
                    # REST bot: let the interaction server send the reply before after_render runs.
                    await eager.own_task()
                    await asyncio.sleep(0)
                await lifecycle.run_hooks(ctx, "after_render")
        except asyncio.CancelledError:
            if not self._forgive_overrun(responder):
                probe.outcome("cancelled")
                raise
            probe.outcome("timeout")
            await self._fail(ctx, responder, TimeoutError(f"the step took longer than {self.step_timeout} s"))
        except Exception as exc:
            probe.outcome("error", exc)
            self._limits.discard(responder)  # the error reply is not bounded by the step's limit
            await self._fail(ctx, responder, exc)
        finally:
            self._limits.discard(responder)
            self._defers.discard(responder)
            # Still marked when the step swallowed its cancellation and finished anyway.
            self._forgive_overrun(responder)
            if timing:
                probe.done()

    def _overrun(self, responder: Responder) -> None:
        """A step ran past ``step_timeout``: cancel it (:meth:`_step` turns that into an error reply).

        A step still running at a deadline has waited for something, so it runs in a task."""
        task = responder.task
        if task is None or task.done():
            return
        self._overran.add(responder)
        task.cancel()

    def _forgive_overrun(self, responder: Responder) -> bool:
        """Whether the step was cancelled for running too long; if so, take the cancellation
        back from its task (the step ends with the timeout reply, or went on regardless)."""
        if responder not in self._overran:
            return False
        self._overran.discard(responder)
        assert responder.task is not None  # only a step with a task is cancelled
        responder.task.uncancel()
        return True

    async def _refused_by_guard(self, ctx: Context, responder: Responder, refusal: GuardFailure) -> None:
        """A guard said no: tell the user, keep the state, re-render the menu in place."""
        session = ctx.session
        self.telemetry.refused(session.flow, "guard")
        lifecycle.trace(ctx, "guard", session.state, session.state, None, refusal.message)
        try:
            await responder.ephemeral_text(refusal.message)
        except hikari.NotFoundError as gone:
            _LOG.info(
                "flowfsm: session %s ended, its interaction is gone (%s)",
                session.id,
                gone.code,
                extra=logs.fields(session),
            )
            self._end(session, "message_deleted")
            responder.fail_safe()
            return
        if session.token is None:
            # Refused before the menu ever showed (a guard in setup): there is no menu to keep.
            self._end(session, "cancelled")
            return
        rendered = await self._render_for_step(ctx)
        await self._edit_menu(
            session, content=rendered.content, embeds=rendered.embeds, components=rendered.components
        )
        if session.ended:
            self._end(session, ctx.end_reason)

    async def _fail(self, ctx: Context, responder: Responder, exc: BaseException) -> None:
        session = ctx.session
        texts = self.localized.for_user(ctx.interaction)
        text = texts.timeout if isinstance(exc, TimeoutError) else texts.error
        _LOG.error(
            "flowfsm: error in flow %r, state %r, session %s (user %s)",
            session.flow.name,
            session.state,
            session.id,
            session.user_id,
            exc_info=exc,
            extra=logs.fields(session),
        )
        was_open = self.sessions.get(session.id) is session
        lifecycle.trace(
            ctx, "error", session.state, session.state, None, trust.redact(f"{type(exc).__name__}: {exc}")
        )
        self._end(session, "error")
        try:
            if self._error_handler is not None:
                await call_hook(self._error_handler, ctx, exc)
                if not responder.responded:
                    await responder.ephemeral_text(text)
            else:
                await responder.ephemeral_text(text)
        except Exception:
            _LOG.exception(
                "flowfsm: the error reply failed for session %s", session.id, extra=logs.fields(session)
            )
        finally:
            responder.fail_safe()
        if was_open:
            self.outbox.put(lambda: self._close_message(session, disabled=True, ctx=ctx))
