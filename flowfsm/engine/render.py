"""Screen -> hikari message builders, within Discord's limits.

Every limit Discord enforces on a message is checked here, before anything is sent, and a
violation raises :class:`~flowfsm.errors.RenderError` naming the flow, state and item.

Two modes: classic (content, embeds, rows of buttons and selects) and Components v2 layout
(``Screen.layout``, sent with the ``IS_COMPONENTS_V2`` flag). In both, each interactive item
gets the custom id ``ff:<flow>:<session>:<state>:<key>`` where the key is the item's ``id`` or its
position; reserved items (Back, Cancel, Previous, Next) have keys starting with ``~``, modals
``~m.<id>``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import hikari
from hikari.impl import MessageActionRowBuilder

from flowfsm.define.flow import Flow
from flowfsm.define.layout import (
    ButtonGroup,
    LayoutNode,
    build_layout,
    button_builder,
    iter_items,
    layout_problems,
)
from flowfsm.define.limits import embed_problems, item_limit_problems
from flowfsm.define.modals import Modal, modal_problems
from flowfsm.define.pagination import Nav
from flowfsm.define.screen import Button, Item, Screen
from flowfsm.define.selects import SELECT_TYPES, Select, add_select, select_problems
from flowfsm.engine import custom_id
from flowfsm.errors import RenderError

__all__ = [
    "COMPONENTS_V2",
    "EPHEMERAL",
    "MAX_BUTTONS_PER_ROW",
    "MAX_CONTENT",
    "MAX_EMBEDS",
    "MAX_LABEL",
    "MAX_ROWS",
    "Nav",
    "Rendered",
    "item_key",
    "render_screen",
]

EPHEMERAL = int(hikari.MessageFlag.EPHEMERAL)
COMPONENTS_V2 = int(hikari.MessageFlag.IS_COMPONENTS_V2)
"""Message flag bits as plain ints: the engine tests them on every step, and arithmetic on
``hikari.MessageFlag`` goes through Python-level operators."""

MAX_ROWS = 5
MAX_BUTTONS_PER_ROW = 5
MAX_LABEL = 80
MAX_CONTENT = 2000
MAX_EMBEDS = 10
_URL_SCHEMES = ("http://", "https://", "discord://")
_NOT_INTERACTIVE = frozenset((hikari.ButtonStyle.LINK, hikari.ButtonStyle.PREMIUM))
NEXT_KEY = "~next"
PREVIOUS_KEY = "~prev"


_DEFAULT_NAV = Nav()
"""English page navigation, kept (disabled) at the ends."""


@dataclass(slots=True)
class Rendered:
    """A screen turned into what hikari sends, plus the items the next click may name."""

    content: str | None
    embeds: list[hikari.Embed]
    components: list[hikari.api.ComponentBuilder]
    items: tuple[Any, ...] = ()
    ephemeral: bool = False
    flags: int = 0
    """``hikari.MessageFlag`` bits, as a plain int (hikari's flag operators are slow)."""
    page: int = 0
    pages: int = 1
    attachments: list[hikari.Resourceish] = field(default_factory=list)

    @property
    def layout(self) -> bool:
        """Whether this is a Components v2 message."""
        return bool(self.flags & COMPONENTS_V2)


def item_key(item: Any, index: int) -> str:
    """The custom-id key of an item: a modal's ``~m.<id>``, else the item's id or position."""
    if isinstance(item, Modal):
        return f"~m.{item.id}"
    return getattr(item, "id", None) or str(index)


def render_screen(
    flow: Flow,
    state: str,
    session_id: str,
    screen: Screen,
    *,
    interactive: bool = True,
    disabled: bool = False,
    reserved: Sequence[Button] = (),
    page: int = 0,
    list_pages: tuple[bool, bool] | None = None,
    nav: Nav = _DEFAULT_NAV,
    ephemeral: bool = False,
    screen_number: int = 0,
) -> Rendered:
    """Check ``screen`` against Discord's limits and build its components.

    ``screen_number`` is the session's render counter, written into every custom id so a click
    made on an earlier screen is told apart from one on this screen.

    ``interactive=False`` drops every component (a closed menu); ``disabled=True`` keeps them
    greyed out (an expired menu). ``reserved`` buttons (Back, Cancel) go on a row of their own
    after the screen's items, with Previous/Next when the buttons are paginated (``page``) or
    the state paginates a list (``list_pages`` = whether a previous / next page exists).
    """
    r = _Renderer(flow, state, session_id, disabled, nav, screen_number)
    if screen.ephemeral is not None:
        ephemeral = screen.ephemeral
    flags = EPHEMERAL if ephemeral else 0
    modals = r.check_modals(screen)
    if screen.layout is not None:
        if screen.content or screen.embeds or screen.items:
            raise r.error("a layout screen cannot also have content, embeds or items (Components v2 mode)")
        if not interactive:
            # In Components v2 the text is made of components too: a closed menu greys its items out.
            r.disabled = True
        components, items, page, pages = r.layout(screen.layout, reserved, page, interactive, modals)
        flags |= COMPONENTS_V2
        return Rendered(
            None,
            [],
            components,
            (*items, *r.nav_items, *reserved, *modals),
            ephemeral,
            flags,
            page,
            pages,
            list(screen.attachments),
        )
    r.check_content(screen)
    items = tuple(screen.items)
    for index, item in enumerate(items):
        r.check_item(index, item, modals)
    components, page, pages = r.classic(items, screen.page_size, reserved, page, list_pages, interactive)
    if screen.content is None and not screen.embeds and not components:
        raise r.error("the screen is empty: give it content, embeds or items")
    return Rendered(
        screen.content,
        list(screen.embeds),
        components,
        (*items, *r.nav_items, *reserved, *modals),
        ephemeral,
        flags,
        page,
        pages,
        list(screen.attachments),
    )


class _Renderer:
    """The checks and builders of one render, with the flow and state for error messages."""

    def __init__(
        self, flow: Flow, state: str, session_id: str, disabled: bool, nav: Nav, screen_number: int = 0
    ) -> None:
        self.flow = flow
        self.state = state
        self.session_id = session_id
        self.disabled = disabled
        self.nav = nav
        self.state_index = flow.state_index(state)
        self.prefix = custom_id.encode(flow.name, session_id, self.state_index, "", screen_number)
        self.triggers = flow.triggers_from(state)
        self.seen: set[str] = set()
        self.nav_items: list[Button] = []

    def error(self, message: str, item: Any = None) -> RenderError:
        name = None if item is None else (item.describe() if hasattr(item, "describe") else str(item))
        return RenderError(self.flow.name, self.state, message, item=name)

    def custom_id(self, key: str, item: Any = None) -> str:
        cid = self.prefix + key
        if len(cid) > custom_id.MAX_CUSTOM_ID:
            raise self.error(f"custom id {cid!r} exceeds {custom_id.MAX_CUSTOM_ID} characters", item)
        return cid

    # -- checks ------------------------------------------------------------------------------------

    def check_content(self, screen: Screen) -> None:
        if screen.content is not None and len(screen.content) > MAX_CONTENT:
            raise self.error(f"content is {len(screen.content)} characters; Discord allows {MAX_CONTENT}")
        if len(screen.embeds) > MAX_EMBEDS:
            raise self.error(f"{len(screen.embeds)} embeds; Discord allows {MAX_EMBEDS}")
        for embed in screen.embeds:
            if not isinstance(embed, hikari.Embed):
                raise self.error(f"embeds must be hikari.Embed, got {type(embed).__name__}")
        self.check_embeds(screen.embeds)

    def check_embeds(self, embeds: Sequence[hikari.Embed]) -> None:
        """Discord's embed limits: texts, fields, 6000 characters across the message's embeds."""
        problems = embed_problems(embeds)
        if problems:
            raise self.error("; ".join(problems))

    def check_modals(self, screen: Screen) -> tuple[Modal, ...]:
        modals = tuple(screen.modals)
        ids: set[str] = set()
        for modal in modals:
            if not isinstance(modal, Modal):
                raise self.error(f"modals must be flowfsm.define.modals.Modal, got {type(modal).__name__}")
            problems = modal_problems(modal)
            if problems:
                raise self.error("; ".join(problems), modal)
            if modal.id in ids:
                raise self.error("two modals share this id", modal)
            ids.add(modal.id)
            if modal.trigger is not None:
                self.check_trigger(modal.trigger, modal)
        return modals

    def check_trigger(self, trigger: str, item: Any) -> None:
        if trigger not in self.triggers:
            raise self.error(f"trigger {trigger!r} cannot fire in this state", item)

    def check_item(self, index: int, item: Item, modals: Sequence[Modal]) -> None:
        if type(item) is Button:  # the common case first: this runs for every item of every render
            self.check_button(item, modals)
        elif isinstance(item, SELECT_TYPES):
            problems = select_problems(item)  # type: ignore[arg-type]
            if problems:
                raise self.error("; ".join(problems), item)
        elif not isinstance(item, Button):
            raise self.error(f"unsupported item type {type(item).__name__}", f"#{index}")
        else:
            self.check_button(item, modals)
        item_id = getattr(item, "id", None)
        if item_id is not None:
            if not custom_id.valid_item_id(item_id):
                raise self.error(
                    "an item id is 1-40 letters, digits, '_', '.' or '-' and not only digits", item
                )
            if item_id in self.seen:
                raise self.error("two items share this id", item)
            self.seen.add(item_id)
        trigger = getattr(item, "trigger", None)
        if trigger is not None:
            self.check_trigger(trigger, item)
        problems = item_limit_problems(item)  # a link button's url, emoji of buttons and options
        if problems:
            raise self.error("; ".join(problems), item)

    def check_button(self, item: Button, modals: Sequence[Modal]) -> None:
        if not item.label and item.emoji is None:
            raise self.error("a button needs a label or an emoji", item)
        if item.label is not None and len(item.label) > MAX_LABEL:
            raise self.error(f"label is {len(item.label)} characters; Discord allows {MAX_LABEL}", item)
        if item.pin not in (None, "start", "end"):
            raise self.error(f"pin must be 'start' or 'end', got {item.pin!r}", item)
        if item.url is not None:
            if item.trigger is not None or item.action is not None or item.modal is not None:
                raise self.error("a link button cannot also have a trigger, an action or a modal", item)
            if not item.url.startswith(_URL_SCHEMES):
                raise self.error(f"link url must start with one of {', '.join(_URL_SCHEMES)}", item)
            return
        given = (item.trigger is not None) + (item.action is not None) + (item.modal is not None)
        if given > 1:
            raise self.error("give a button one of trigger, action or modal", item)
        if not given and not item.disabled:
            raise self.error("a button needs a trigger, an action, a modal or a url (or disabled=True)", item)
        if item.modal is not None and item.modal not in {m.id for m in modals}:
            known = sorted(m.id for m in modals)
            raise self.error(
                f"button opens modal {item.modal!r}, which this screen does not define (known: {known})", item
            )
        if item.style in _NOT_INTERACTIVE:
            raise self.error("style LINK needs url=...; PREMIUM buttons are not supported", item)

    # -- classic mode ------------------------------------------------------------------------------

    def classic(
        self,
        items: tuple[Item, ...],
        page_size: int | None,
        reserved: Sequence[Button],
        page: int,
        list_pages: tuple[bool, bool] | None,
        interactive: bool,
    ) -> tuple[list[hikari.api.ComponentBuilder], int, int]:
        selects: list[tuple[int, Select]] = []
        buttons: list[tuple[int, Button]] = []
        pinned: list[tuple[int, Button]] = []
        loose: list[tuple[int, Button]] = []
        for i, it in enumerate(items):
            if isinstance(it, Button):
                buttons.append((i, it))
                (loose if it.pin is None else pinned).append((i, it))
            elif isinstance(it, SELECT_TYPES):
                selects.append((i, it))
        rows_for_buttons = MAX_ROWS - len(selects) - (1 if reserved or list_pages else 0)
        capacity = max(0, rows_for_buttons) * MAX_BUTTONS_PER_ROW
        paginate = page_size is not None or len(buttons) > capacity
        if paginate and list_pages is not None:
            raise self.error("a state paginating a list cannot also paginate its buttons")
        pages = 1
        nav_row: list[Button] = list(reserved)
        if paginate:
            if selects:
                raise self.error("a select cannot be combined with button pagination", selects[0][1])
            if page_size is not None and page_size < 1:
                raise self.error(f"page_size must be at least 1, got {page_size}")
            room = (MAX_ROWS - 1) * MAX_BUTTONS_PER_ROW - len(pinned)
            per_page = min(page_size or room, room)
            if per_page < 1:
                raise self.error("pinned buttons leave no room for a page of buttons")
            pages = max(1, math.ceil(len(loose) / per_page))
            page = min(max(page, 0), pages - 1)
            start = [(i, b) for i, b in pinned if b.pin == "start"]
            end = [(i, b) for i, b in pinned if b.pin == "end"]
            buttons = start + loose[page * per_page : (page + 1) * per_page] + end
            nav_row = self.nav_buttons(page > 0, page < pages - 1, always=pages > 1) + nav_row
        elif list_pages is not None:
            nav_row = self.nav_buttons(*list_pages, always=True) + nav_row
        self.check_row_count(selects, nav_row)
        if not interactive:
            return [], page, pages
        rows = self.place(buttons, max_rows=MAX_ROWS - len(selects) - (1 if nav_row else 0))
        components: list[hikari.api.ComponentBuilder] = [
            MessageActionRowBuilder(components=[self.button(button, index) for index, button in row])
            for row in rows
        ]
        for index, select in selects:
            builder = MessageActionRowBuilder()
            add_select(
                builder, select, self.custom_id(item_key(select, index), select), disabled=self.disabled
            )
            components.append(builder)
        if nav_row:
            if len(nav_row) > MAX_BUTTONS_PER_ROW:
                raise self.error("too many reserved buttons for one row")
            components.append(
                MessageActionRowBuilder(components=[self.button(button, None) for button in nav_row])
            )
        return components, page, pages

    def check_row_count(self, selects: Sequence[tuple[int, Select]], nav_row: Sequence[Button]) -> None:
        """A classic message holds 5 action rows: each select takes one, the reserved row one.

        (Rows of buttons are counted when they are placed: :meth:`place` refuses buttons that do
        not fit the rows left.)
        """
        reserved_rows = 1 if nav_row else 0
        if len(selects) + reserved_rows <= MAX_ROWS:
            return
        first_over = selects[MAX_ROWS - reserved_rows][1]
        reserved = " plus the row of Back/Cancel/page navigation" if reserved_rows else ""
        raise self.error(
            f"{len(selects)} selects (one action row each){reserved} need "
            f"{len(selects) + reserved_rows} rows; Discord allows {MAX_ROWS}",
            first_over,
        )

    def nav_buttons(self, has_previous: bool, has_next: bool, *, always: bool) -> list[Button]:
        if not always or (not self.nav.stable and not (has_previous or has_next)):
            return []
        buttons = []
        if has_previous or self.nav.stable:
            buttons.append(
                Button(self.nav.previous, id=PREVIOUS_KEY, action=_noop, disabled=not has_previous)
            )
        if has_next or self.nav.stable:
            buttons.append(Button(self.nav.next, id=NEXT_KEY, action=_noop, disabled=not has_next))
        self.nav_items = buttons
        return buttons

    def place(self, buttons: list[tuple[int, Button]], *, max_rows: int) -> list[list[tuple[int, Button]]]:
        """Place buttons on rows: explicit ``row`` first, the rest filling rows left to right."""
        if (
            all(button.row is None for _, button in buttons)
            and len(buttons) <= max_rows * MAX_BUTTONS_PER_ROW
        ):
            return [buttons[i : i + MAX_BUTTONS_PER_ROW] for i in range(0, len(buttons), MAX_BUTTONS_PER_ROW)]
        placed: dict[int, list[tuple[int, Button]]] = {}
        for index, button in buttons:
            if button.row is not None:
                if not 0 <= button.row < max_rows:
                    raise self.error(f"row {button.row} is out of range 0-{max_rows - 1}", button)
                placed.setdefault(button.row, []).append((index, button))
        row = 0
        for index, button in buttons:
            if button.row is not None:
                continue
            while len(placed.get(row, ())) >= MAX_BUTTONS_PER_ROW:
                row += 1
            if row >= max_rows:
                raise self.error(
                    f"too many buttons: {max_rows} rows of {MAX_BUTTONS_PER_ROW} are available"
                    + (" (the other rows hold selects or navigation)" if max_rows < MAX_ROWS else ""),
                    button,
                )
            placed.setdefault(row, []).append((index, button))
        for number, row_buttons in placed.items():
            if len(row_buttons) > MAX_BUTTONS_PER_ROW:
                raise self.error(
                    f"row {number} has {len(row_buttons)} buttons; Discord allows {MAX_BUTTONS_PER_ROW}",
                    row_buttons[MAX_BUTTONS_PER_ROW][1],
                )
        return [placed[n] for n in sorted(placed)]

    def button(self, button: Button, index: int | None) -> hikari.api.ButtonBuilder:
        key = button.id if index is None else (button.id or str(index))
        cid = None if button.url is not None else self.custom_id(str(key), button)
        return button_builder(button, cid, disabled=self.disabled)

    # -- layout mode -------------------------------------------------------------------------------

    def layout(
        self,
        nodes: Sequence[LayoutNode],
        reserved: Sequence[Button],
        page: int,
        interactive: bool,
        modals: Sequence[Modal],
    ) -> tuple[list[hikari.api.ComponentBuilder], tuple[Any, ...], int, int]:
        problems = layout_problems(nodes)
        if problems:
            raise self.error("; ".join(problems))
        items = tuple(iter_items(nodes))
        for index, item in enumerate(items):
            self.check_item(index, item, modals)
        pages = 1

        def group_page(group: ButtonGroup) -> tuple[int, Sequence[Button]]:
            nonlocal page, pages
            pages = group.pages
            page = min(max(page, 0), pages - 1)
            return page, self.nav_buttons(page > 0, page < pages - 1, always=pages > 1)

        def select(item: Select, index: int) -> hikari.api.SelectMenuBuilder:
            return add_select(None, item, self.custom_id(item_key(item, index), item), disabled=self.disabled)

        components = build_layout(
            nodes,
            button=self.button,
            select=select,
            group_page=group_page,
            where=f"{self.flow.name}:{self.state}",
        )
        if reserved and interactive:
            row = MessageActionRowBuilder()
            for button in reserved:
                row.add_component(self.button(button, None))
            components.append(row)
        return components, items, page, pages


def _noop(_ctx: Any) -> None:
    """Navigation buttons are handled by the engine itself."""
