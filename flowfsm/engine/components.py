"""A checked :class:`~flowfsm.define.screen.Screen`'s items as hikari component builders.

Classic mode: rows of buttons (placed by ``row`` or left to right, paginated when they do not fit),
a row per select, and a last row of Back/Cancel/page navigation. Components v2 layout mode: the
layout's own builders (:func:`flowfsm.define.layout.build_layout`) with the same buttons and
selects. Each interactive item gets the custom id ``ff:<flow>:<session>:<state>:<screen>:<key>``,
the key being :func:`item_key`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import hikari
from hikari.impl import InteractiveButtonBuilder, MessageActionRowBuilder

from flowfsm.define.layout import (
    ButtonGroup,
    LayoutNode,
    build_layout,
    button_builder,
    iter_items,
    layout_problems,
)
from flowfsm.define.modals import Modal
from flowfsm.define.screen import Button, Item
from flowfsm.define.selects import SELECT_TYPES, Select, add_select
from flowfsm.engine.screen_checks import MAX_BUTTONS_PER_ROW, MAX_ROWS, ScreenChecks

__all__ = ["NEXT_KEY", "PREVIOUS_KEY", "Components", "item_key"]

NEXT_KEY = "~next"
PREVIOUS_KEY = "~prev"


def item_key(item: Any, index: int) -> str:
    """The custom-id key of an item: a modal's ``~m.<id>``, else the item's id or position."""
    if isinstance(item, Modal):
        return f"~m.{item.id}"
    return getattr(item, "id", None) or str(index)


class Components(ScreenChecks):
    """The builders of one render: classic rows or a Components v2 layout, with the checks."""

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
        """Classic mode: rows of buttons, a row per select, the reserved row; (components, page, pages)."""
        selects: list[tuple[int, Select]] = []
        buttons: list[tuple[int, Button]] = []
        pinned: list[tuple[int, Button]] = []
        placed = False  # whether any button asks for a row of its own
        for i, it in enumerate(items):
            if isinstance(it, Button):
                buttons.append((i, it))
                if it.pin is not None:
                    pinned.append((i, it))
                if it.row is not None:
                    placed = True
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
            loose = [(i, b) for i, b in buttons if b.pin is None]
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
        max_rows = MAX_ROWS - len(selects) - (1 if nav_row else 0)
        if not placed and len(buttons) <= max_rows * MAX_BUTTONS_PER_ROW:
            # Left to right, five to a row: what :meth:`place` does when no button asks for a row.
            rows = [buttons[i : i + MAX_BUTTONS_PER_ROW] for i in range(0, len(buttons), MAX_BUTTONS_PER_ROW)]
        else:
            rows = self.place(buttons, max_rows=max_rows)
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

    def nav_buttons(self, has_previous: bool, has_next: bool, *, always: bool) -> list[Button]:
        """Previous/Next buttons for a paginated screen (none when there is one page and nav is not stable)."""
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
        """The builder of one button, with its custom id (a link button has none)."""
        if button.url is not None:
            return button_builder(button, None, disabled=self.disabled)
        cid = self.custom_id(button.id or str(index), button)
        # :func:`~flowfsm.define.layout.button_builder` for an interactive button, inlined: this
        # runs for every button of every render.
        emoji = button.emoji
        return InteractiveButtonBuilder(
            style=button.style,
            custom_id=cid,
            label=button.label or hikari.UNDEFINED,
            emoji=hikari.UNDEFINED if emoji is None else emoji,
            is_disabled=button.disabled or self.disabled,
        )

    # -- layout mode -------------------------------------------------------------------------------

    def layout(
        self,
        nodes: Sequence[LayoutNode],
        reserved: Sequence[Button],
        page: int,
        interactive: bool,
        modals: Sequence[Modal],
    ) -> tuple[list[hikari.api.ComponentBuilder], tuple[Any, ...], int, int]:
        """Components v2 layout mode: the layout's builders and the reserved row; (components, items, page, pages)."""
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
