"""Running a state's render function: page state, ``before_render``, the reserved Back/Cancel row,
and the message a closed menu shows.

A part of :class:`~flowfsm.engine.manager.FlowManager` (see ARCHITECTURE.md).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from hikari.impl import TextDisplayComponentBuilder

from flowfsm.define import lifecycle
from flowfsm.define.context import Context
from flowfsm.define.i18n import Chrome
from flowfsm.define.machine import awaitable, call_hook, settle_hook
from flowfsm.define.pagination import page_state
from flowfsm.define.screen import Button, as_screen
from flowfsm.engine.core import EngineCore
from flowfsm.engine.render import (
    COMPONENTS_V2,
    EPHEMERAL,
    Rendered,
    item_key,
    render_screen,
)
from flowfsm.engine.session import Session
from flowfsm.errors import RenderError

__all__ = ["Screens"]


class Screens(EngineCore):
    """Running a state's render function: page state, ``before_render``, the reserved Back/Cancel row,"""

    async def _render_for_step(self, ctx: Context) -> Rendered:
        session = ctx.session
        if session.ended and session.end_text is not None:
            return self._text_message(session, session.end_text)
        if session.flow.is_final(session.state):
            session.ended = True
        rendered = await self.render(ctx, interactive=not session.ended)
        if self.remote is not None and not session.ended:
            # A remote store must be able to save what the step made: a SnapshotError fails the
            # step here, before it answers (see engine/remote.py).
            self.remote.check(session)
        return rendered

    def _text_message(self, session: Session, text: str) -> Rendered:
        """A message that is only ``text`` (a closed menu), in the mode of the current message."""
        ephemeral = bool(session.msg_flags & EPHEMERAL)
        if session.msg_flags & COMPONENTS_V2:
            # A Components v2 message cannot go back to plain content: the text is a component.
            flags = COMPONENTS_V2 | (EPHEMERAL if ephemeral else 0)
            return Rendered(None, [], [TextDisplayComponentBuilder(content=text)], (), ephemeral, flags)
        return Rendered(text, [], [], (), ephemeral, EPHEMERAL if ephemeral else 0)

    async def _page_state(self, ctx: Context) -> tuple[bool, bool] | None:
        """For a state that paginates a list: count the items, set ``ctx.page``; return (prev, next)."""
        session = ctx.session
        paginate = session.flow.states[session.state].paginate
        if paginate is None:
            return None
        total = await call_hook(paginate.count, ctx)
        ctx.page = page_state(session.page, paginate.per_page, int(total))
        session.page = ctx.page.current
        return ctx.page.has_previous, ctx.page.has_next

    async def render(
        self, ctx: Context, *, interactive: bool = True, disabled: bool = False, same_screen: bool = False
    ) -> Rendered:
        """Run ``before_render`` hooks and the current state's render function; build the message.

        ``same_screen`` (a refresh, see :mod:`flowfsm.engine.watch`) keeps the screen number, so
        the custom ids on the user's message stay valid, unless the screen offers other items."""
        session = ctx.session
        flow = session.flow
        spec = flow.states[session.state]
        assert spec.render is not None
        # Most states paginate nothing and have no before_render hook: no coroutine for either.
        list_pages = await self._page_state(ctx) if spec.paginate is not None else None
        if interactive and not disabled:
            if spec.before_render or "before_render" in self.global_hooks:  # lifecycle.has_hooks
                await lifecycle.run_hooks(ctx, "before_render")
            if not same_screen:
                session.screen += 1  # a new screen: clicks on the previous one are now stale
        value = spec.render(ctx)  # call_hook, without a coroutine for a render that returns a screen
        if value is not None and awaitable(value):
            value = await settle_hook(spec.render, value)
        chrome = self.localized.for_screen(ctx)
        screen = as_screen(value)
        if screen is None:
            raise RenderError(
                flow.name,
                session.state,
                f"render function returned {type(value).__name__}; expected Screen, str or hikari.Embed",
            )
        reserved = (
            self._reserved(session, chrome) if interactive and (spec.returnable or spec.cancellable) else ()
        )
        ephemeral = spec.ephemeral if spec.ephemeral is not None else flow.ephemeral
        while True:
            rendered = render_screen(
                flow,
                session.state,
                session.id,
                screen,
                interactive=interactive,
                disabled=disabled,
                reserved=reserved,
                page=session.page,
                list_pages=list_pages,
                nav=chrome.nav,
                ephemeral=ephemeral,
                screen_number=session.screen,
            )
            # No items known (a session loaded from a remote store): its screen's items are those
            # of a render of its current data, as a click's recovery takes them.
            if not same_screen or not session.items or _clicks(rendered.items) == _clicks(session.items):
                break
            # The refresh offers other items: a new screen, so clicks on the old one are stale.
            session.screen += 1
            same_screen = False
        session.page = rendered.page
        if interactive and not disabled:
            session.items = rendered.items
            for hook in self._screen_hooks:  # a new screen: the live index, timed plans... (core.py)
                hook(session)
        else:
            session.items = ()
        tracer = self.tracer  # lifecycle.detailed, inlined: every render of every click asks
        if tracer is not None and tracer.detailed and not disabled:  # a final state renders without items
            lifecycle.trace(ctx, "render", session.state, session.state, None, _item_list(session.items))
        return rendered

    def _reserved(self, session: Session, chrome: Chrome) -> list[Button]:
        """Back / Cancel buttons of returnable / cancellable states, for the reserved row."""
        spec = session.flow.states[session.state]
        buttons: list[Button] = []
        if spec.returnable:
            buttons.append(chrome.back)
        if spec.cancellable:
            buttons.append(chrome.cancel)
        return buttons


def _clicks(items: Iterable[Any]) -> list[tuple[Any, ...]]:
    """What a screen's items do when clicked, by key: equal lists mean the same custom ids mean
    the same thing on both screens."""
    return [
        (
            item_key(item, index),
            type(item),
            getattr(item, "trigger", None),
            _same_call(getattr(item, "action", None)),
            getattr(item, "modal", None),
        )
        for index, item in enumerate(items)
    ]


def _same_call(action: Any) -> Any:
    """An action as comparable across renders: ``partial(buy, sku="x")`` is made anew each time."""
    if isinstance(action, functools.partial):
        return (action.func, action.args, tuple(sorted(action.keywords.items())))
    return action


def _item_list(items: Iterable[Any]) -> str:
    """The items of a rendered screen for a ``render`` trace: ``key=label`` separated by newlines."""
    parts = []
    for index, item in enumerate(items):
        label = (
            getattr(item, "label", None) or getattr(item, "placeholder", None) or getattr(item, "title", None)
        )
        parts.append(f"{item_key(item, index)}={label or ''}")
    return "\n".join(parts)
