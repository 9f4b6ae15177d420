"""The benchmark menu, written four times: as a flowfsm Flow, as a ``miru.ext.menu`` Menu, as a plain
``miru.View`` that builds new buttons on every click, and as an idiomatic ``miru.View`` whose decorated
buttons are made once per session and reused.

The menu has 4 states with 3 buttons each and the same texts in all four versions::

    main   "Main menu"               List -> list    Help -> help    Refresh
    list   "Items: alpha, beta, …"   Open -> detail  Back -> main    Refresh
    detail "Item alpha: …"           Back -> list    Home -> main    Refresh
    help   "Help: …"                 Back -> main    List -> list    Refresh

The benchmark clicks the cycle main -List-> list -Open-> detail -Back-> list -Back-> main, so every
measured click moves the machine to another state and re-renders the whole message.

Each implementation is used the way its documentation recommends for a REST bot: the start returns
a response builder, and clicks are routed by the same ``miru.Client`` (flowfsm through the client's
unhandled-component hook, the miru versions through the client's view registry).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Literal

import hikari
import miru
from miru.ext import menu as miru_menu

from flowfsm import Button, Context, Flow, FlowManager, Screen

STYLE: Literal[hikari.ButtonStyle.SECONDARY] = hikari.ButtonStyle.SECONDARY
TIMEOUT = 300.0

CONTENT: dict[str, str] = {
    "main": "Main menu",
    "list": "Items: alpha, beta, gamma",
    "detail": "Item alpha: the first item of the list, with its details.",
    "help": "Help: pick List to browse the items, Back returns to the previous screen.",
}

# state -> [(label, destination state or None for "re-render in place")]; the same in all three versions.
BUTTONS: dict[str, list[tuple[str, str | None]]] = {
    "main": [("List", "list"), ("Help", "help"), ("Refresh", None)],
    "list": [("Open", "detail"), ("Back", "main"), ("Refresh", None)],
    "detail": [("Back", "list"), ("Home", "main"), ("Refresh", None)],
    "help": [("Back", "main"), ("List", "list"), ("Refresh", None)],
}

# The click cycle the benchmark repeats: (state the menu is in, label clicked, state after the click).
CYCLE: list[tuple[str, str, str]] = [
    ("main", "List", "list"),
    ("list", "Open", "detail"),
    ("detail", "Back", "list"),
    ("list", "Back", "main"),
]

FRAMEWORKS = ("flowfsm", "miru_menu", "miru_view", "miru_view_idiomatic")
"""Names used throughout the benchmark and in ``results.json``."""


# -- (a) flowfsm ---------------------------------------------------------------------------------------


def _trigger(label: str) -> str:
    return label.lower()


def build_flow() -> Flow:
    """The benchmark menu as a flowfsm flow (one transitions machine for every session)."""
    flow = Flow("bench", timeout=TIMEOUT)

    def refresh(ctx: Context) -> None:
        """Action of the Refresh button: nothing to change, the state re-renders."""

    def renderer(state: str) -> Callable[[Context], Screen]:
        def render(ctx: Context) -> Screen:
            items = [
                Button(label, trigger=_trigger(label), id=_trigger(label), style=STYLE)
                if dest is not None
                else Button(label, action=refresh, id="refresh", style=STYLE)
                for label, dest in BUTTONS[state]
            ]
            return Screen(CONTENT[state], items=items)

        render.__name__ = state
        return render

    for state in BUTTONS:
        flow.add_state(state, renderer(state), initial=state == "main")
    for state, buttons in BUTTONS.items():
        for label, dest in buttons:
            if dest is not None:
                flow.transition(_trigger(label), state, dest)
    return flow


class FlowfsmMenus:
    """flowfsm: the manager is the client's unhandled-component hook; a start returns the builder."""

    name = "flowfsm"

    def __init__(self, client: miru.Client, **manager_options: Any) -> None:
        self.flow = build_flow()
        self.manager = FlowManager(client, [self.flow], **manager_options)

    async def start(self, interaction: hikari.CommandInteraction) -> Any:
        """Open a menu for a command interaction; returns the response builder."""
        return await self.manager.start(interaction, self.flow)

    def open_sessions(self) -> int:
        """How many menus are open."""
        return len(self.manager.sessions)


# -- (b) miru.ext.menu ---------------------------------------------------------------------------------


class _BenchScreen(miru_menu.Screen):
    state = "main"

    async def build_content(self) -> miru_menu.ScreenContent:
        return miru_menu.ScreenContent(content=CONTENT[self.state])

    async def refresh_screen(self) -> None:
        await self.menu.update_message(await self.build_content())


class MainScreen(_BenchScreen):
    state = "main"

    @miru_menu.button(label="List", style=STYLE)
    async def to_list(self, ctx: miru.ViewContext, button: miru_menu.ScreenButton) -> None:
        await self.menu.push(ListScreen(self.menu))

    @miru_menu.button(label="Help", style=STYLE)
    async def to_help(self, ctx: miru.ViewContext, button: miru_menu.ScreenButton) -> None:
        await self.menu.push(HelpScreen(self.menu))

    @miru_menu.button(label="Refresh", style=STYLE)
    async def refresh(self, ctx: miru.ViewContext, button: miru_menu.ScreenButton) -> None:
        await self.refresh_screen()


class ListScreen(_BenchScreen):
    state = "list"

    @miru_menu.button(label="Open", style=STYLE)
    async def open(self, ctx: miru.ViewContext, button: miru_menu.ScreenButton) -> None:
        await self.menu.push(DetailScreen(self.menu))

    @miru_menu.button(label="Back", style=STYLE)
    async def back(self, ctx: miru.ViewContext, button: miru_menu.ScreenButton) -> None:
        await self.menu.pop()

    @miru_menu.button(label="Refresh", style=STYLE)
    async def refresh(self, ctx: miru.ViewContext, button: miru_menu.ScreenButton) -> None:
        await self.refresh_screen()


class DetailScreen(_BenchScreen):
    state = "detail"

    @miru_menu.button(label="Back", style=STYLE)
    async def back(self, ctx: miru.ViewContext, button: miru_menu.ScreenButton) -> None:
        await self.menu.pop()

    @miru_menu.button(label="Home", style=STYLE)
    async def home(self, ctx: miru.ViewContext, button: miru_menu.ScreenButton) -> None:
        await self.menu.pop_until_root()

    @miru_menu.button(label="Refresh", style=STYLE)
    async def refresh(self, ctx: miru.ViewContext, button: miru_menu.ScreenButton) -> None:
        await self.refresh_screen()


class HelpScreen(_BenchScreen):
    state = "help"

    @miru_menu.button(label="Back", style=STYLE)
    async def back(self, ctx: miru.ViewContext, button: miru_menu.ScreenButton) -> None:
        await self.menu.pop()

    @miru_menu.button(label="List", style=STYLE)
    async def to_list(self, ctx: miru.ViewContext, button: miru_menu.ScreenButton) -> None:
        await self.menu.push(ListScreen(self.menu))

    @miru_menu.button(label="Refresh", style=STYLE)
    async def refresh(self, ctx: miru.ViewContext, button: miru_menu.ScreenButton) -> None:
        await self.refresh_screen()


class MiruMenus:
    """miru.ext.menu: a Menu per session, started after its builder is made (miru's REST recipe)."""

    name = "miru_menu"

    def __init__(self, client: miru.Client) -> None:
        self.client = client

    async def start(self, interaction: hikari.CommandInteraction) -> Any:
        """Open a menu for a command interaction; returns the response builder."""
        menu = miru_menu.Menu(timeout=TIMEOUT)
        builder = await menu.build_response_async(self.client, MainScreen(menu))
        self.client.start_view(menu)
        return builder

    def open_sessions(self) -> int:
        """How many menus are open (miru holds unbound views by custom id, bound ones by message)."""
        views = {id(v) for v in self.client._unbound_views.values()}  # read-only look, for a sanity check
        return len(views) + len(self.client._bound_views)


# -- (c) a plain miru.View swapping its items -----------------------------------------------------------


class SwapView(miru.View):
    """One View per session; a click clears the items and adds the next state's buttons."""

    def __init__(self) -> None:
        super().__init__(timeout=TIMEOUT)
        self.state = "main"
        self.show("main")

    def show(self, state: str) -> None:
        """Replace the items with ``state``'s buttons."""
        self.state = state
        self.clear_items()
        for label, dest in BUTTONS[state]:
            button: miru.Button = miru.Button(label=label, style=STYLE)
            button.callback = self._go(dest or state)  # type: ignore[method-assign]
            self.add_item(button)

    def _go(self, dest: str) -> Callable[[miru.ViewContext], Coroutine[Any, Any, None]]:
        async def callback(ctx: miru.ViewContext) -> None:
            self.show(dest)
            await ctx.edit_response(CONTENT[dest], components=self)

        return callback


class MiruViews:
    """A plain miru.View per session."""

    name = "miru_view"

    def __init__(self, client: miru.Client) -> None:
        self.client = client

    async def start(self, interaction: hikari.CommandInteraction) -> Any:
        """Open a menu for a command interaction; returns the response builder."""
        view = SwapView()
        builder = hikari.impl.InteractionMessageBuilder(
            hikari.ResponseType.MESSAGE_CREATE, content=CONTENT["main"], components=list(view.build())
        )
        self.client.start_view(view)
        return builder

    def open_sessions(self) -> int:
        """How many menus are open."""
        views = {id(v) for v in self.client._unbound_views.values()}
        return len(views) + len(self.client._bound_views)


# -- (d) an idiomatic miru.View: decorated buttons, made once per session and reused ---------------------


class DecoratedView(miru.View):
    """One View per session with one decorated button per action; a click shows the next state's subset.

    This is how miru's documentation writes a view: ``@miru.button`` callbacks, built once by the View's
    constructor. Moving to another state re-attaches existing button objects (no new buttons, no new
    closures), so it is the fairest miru baseline for a menu that changes screens.
    """

    def __init__(self) -> None:
        super().__init__(timeout=TIMEOUT)
        self.buttons: dict[str, miru.Button] = {
            str(item.label): item for item in self.children if isinstance(item, miru.Button)
        }
        self.history: list[str] = []
        self.state = "main"
        self.show("main")

    def show(self, state: str) -> None:
        """Attach ``state``'s buttons (the same objects every time)."""
        self.state = state
        self.clear_items()
        for label, _ in BUTTONS[state]:
            self.add_item(self.buttons[label])

    async def go(self, ctx: miru.ViewContext, dest: str) -> None:
        """Show ``dest`` and edit the message."""
        if dest != self.state:
            self.history.append(self.state)
        self.show(dest)
        await ctx.edit_response(CONTENT[dest], components=self)

    @miru.button(label="List", style=STYLE)
    async def to_list(self, ctx: miru.ViewContext, button: miru.Button) -> None:
        await self.go(ctx, "list")

    @miru.button(label="Help", style=STYLE)
    async def to_help(self, ctx: miru.ViewContext, button: miru.Button) -> None:
        await self.go(ctx, "help")

    @miru.button(label="Open", style=STYLE)
    async def open(self, ctx: miru.ViewContext, button: miru.Button) -> None:
        await self.go(ctx, "detail")

    @miru.button(label="Back", style=STYLE)
    async def back(self, ctx: miru.ViewContext, button: miru.Button) -> None:
        dest = self.history.pop() if self.history else "main"
        self.show(dest)
        await ctx.edit_response(CONTENT[dest], components=self)

    @miru.button(label="Home", style=STYLE)
    async def home(self, ctx: miru.ViewContext, button: miru.Button) -> None:
        self.history.clear()
        self.show("main")
        await ctx.edit_response(CONTENT["main"], components=self)

    @miru.button(label="Refresh", style=STYLE)
    async def refresh(self, ctx: miru.ViewContext, button: miru.Button) -> None:
        await ctx.edit_response(CONTENT[self.state], components=self)


class DecoratedViews(MiruViews):
    """An idiomatic miru.View per session (decorated buttons, reused)."""

    name = "miru_view_idiomatic"

    async def start(self, interaction: hikari.CommandInteraction) -> Any:
        """Open a menu for a command interaction; returns the response builder."""
        view = DecoratedView()
        builder = hikari.impl.InteractionMessageBuilder(
            hikari.ResponseType.MESSAGE_CREATE, content=CONTENT["main"], components=list(view.build())
        )
        self.client.start_view(view)
        return builder


def make(framework: str, client: miru.Client, **manager_options: Any) -> FlowfsmMenus | MiruMenus | MiruViews:
    """The implementation named ``framework`` (one of :data:`FRAMEWORKS`) on ``client``."""
    if framework == "flowfsm":
        return FlowfsmMenus(client, **manager_options)
    if framework == "miru_menu":
        return MiruMenus(client)
    if framework == "miru_view":
        return MiruViews(client)
    if framework == "miru_view_idiomatic":
        return DecoratedViews(client)
    raise ValueError(f"unknown framework {framework!r}; expected one of {FRAMEWORKS}")
