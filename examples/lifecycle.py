"""Lifecycle: every hook firing in order, preserved vs reset state, hard refresh, global hooks.

The ``counter`` state logs each hook into the session data, so the message shows the order:
setup -> on_enter -> before_render -> (render) -> after_render -> on_action -> ... -> on_leave.
``browse`` is preserved: its page survives a visit to ``detail`` and setup does not run again.
``scratch`` is not: its data starts afresh on every entry. "Hard refresh" re-runs setup.
:func:`install_audit` registers global hooks on the manager for audit logging; they run before
each state's own hooks.
"""

from __future__ import annotations

import logging
from typing import Any

from flowfsm import Button, Context, Flow, FlowManager, Screen

lifecycle = Flow("lifecycle", description="Hook order, preserved vs reset state, hard refresh")
_AUDIT = logging.getLogger("examples.audit")


def log(name: str) -> Any:
    """A hook that appends its name to the session's hook log."""

    def hook(ctx: Context) -> None:
        ctx.data.setdefault("log", []).append(f"{ctx.state_name}.{name}")

    hook.__name__ = name
    return hook


def counter_setup(ctx: Context) -> None:
    """Setup: runs when the state's data is created."""
    ctx.state["count"] = 0
    log("setup")(ctx)


def increment(ctx: Context) -> None:
    """Action: count one click."""
    ctx.state["count"] += 1


async def hard_refresh(ctx: Context) -> None:
    """Action: re-run setup (the count goes back to 0)."""
    await ctx.hard_refresh()


@lifecycle.state(
    initial=True,
    setup=counter_setup,
    on_enter=log("on_enter"),
    before_render=log("before_render"),
    after_render=log("after_render"),
    on_action=log("on_action"),
    on_leave=log("on_leave"),
)
def counter(ctx: Context) -> Screen:
    """A counter that shows the hook log."""
    recent = ", ".join(ctx.data.get("log", [])[-8:])
    return Screen(
        f"Count: {ctx.state['count']}\nHooks so far: {recent}",
        items=[
            Button("+1", action=increment),
            Button("Hard refresh", action=hard_refresh),
            Button("Browse", trigger="browse"),
            Button("Scratch", trigger="scratch"),
        ],
    )


def next_page(ctx: Context) -> None:
    """Action: turn the page of the current state."""
    ctx.state["page"] = ctx.state.get("page", 0) + 1


@lifecycle.state(preserve=True, setup=log("setup"))
def browse(ctx: Context) -> Screen:
    """Preserved: the page survives leaving and coming back."""
    page = ctx.state.get("page", 0)
    return Screen(
        f"Browsing page {page + 1}",
        items=[
            Button("Next page", action=next_page),
            Button("Open item", trigger="open"),
            Button("Home", trigger="home"),
        ],
    )


@lifecycle.state()
def detail(ctx: Context) -> Screen:
    """An item; returning to browse restores its page."""
    return Screen("Item details", items=[Button("Back to list", trigger="list")])


@lifecycle.state(setup=log("setup"))
def scratch(ctx: Context) -> Screen:
    """Not preserved: its page starts at 1 on every entry."""
    page = ctx.state.get("page", 0)
    return Screen(
        f"Scratch page {page + 1}",
        items=[Button("Next page", action=next_page), Button("Home", trigger="home")],
    )


lifecycle.transition("browse", "counter", "browse")
lifecycle.transition("scratch", "counter", "scratch")
lifecycle.transition("open", "browse", "detail")
lifecycle.transition("list", "detail", "browse")
lifecycle.transition("home", ["browse", "scratch"], "counter")


def install_audit(manager: FlowManager, sink: list[str] | None = None) -> None:
    """Global hooks for audit logging: every entry and every action, in every flow."""

    def audit(event: str) -> Any:
        def hook(ctx: Context) -> None:
            line = f"audit {event} {ctx.flow.name}.{ctx.state_name} user={ctx.user_id}"
            _AUDIT.info(line)
            if sink is not None:
                sink.append(line)
            ctx.data.setdefault("log", []).append(f"global.{event}")

        return hook

    manager.add_hook("on_enter", audit("on_enter"))
    manager.add_hook("on_action", audit("on_action"))


def main() -> None:
    """Run on Discord: /lifecycle."""
    from examples._bot import run_bot

    run_bot([lifecycle], setup=install_audit)


if __name__ == "__main__":
    main()
