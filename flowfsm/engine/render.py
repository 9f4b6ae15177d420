"""Screen -> hikari message builders, within Discord's limits: :func:`render_screen`.

Every limit Discord enforces on a message is checked before anything is sent
(:mod:`flowfsm.engine.screen_checks`), and a violation raises :class:`~flowfsm.errors.RenderError`
naming the flow, state and item; the items become hikari builders in
:mod:`flowfsm.engine.components`.

Two modes: classic (content, embeds, rows of buttons and selects) and Components v2 layout
(``Screen.layout``, sent with the ``IS_COMPONENTS_V2`` flag). In both, each interactive item
gets the custom id ``ff:<flow>:<session>:<state>:<screen>:<key>`` where the key is the item's
``id`` or its position; reserved items (Back, Cancel, Previous, Next) have keys starting with
``~``, modals ``~m.<id>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import hikari

from flowfsm.define.flow import Flow
from flowfsm.define.pagination import Nav
from flowfsm.define.screen import Button, Screen
from flowfsm.engine.components import NEXT_KEY, PREVIOUS_KEY, Components, item_key
from flowfsm.engine.screen_checks import MAX_BUTTONS_PER_ROW, MAX_CONTENT, MAX_EMBEDS, MAX_LABEL, MAX_ROWS

__all__ = [
    "COMPONENTS_V2",
    "EPHEMERAL",
    "MAX_BUTTONS_PER_ROW",
    "MAX_CONTENT",
    "MAX_EMBEDS",
    "MAX_LABEL",
    "MAX_ROWS",
    "NEXT_KEY",
    "PREVIOUS_KEY",
    "Nav",
    "Rendered",
    "item_key",
    "render_screen",
]

EPHEMERAL = int(hikari.MessageFlag.EPHEMERAL)
COMPONENTS_V2 = int(hikari.MessageFlag.IS_COMPONENTS_V2)
"""Message flag bits as plain ints: the engine tests them on every step, and arithmetic on
``hikari.MessageFlag`` goes through Python-level operators."""

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
    r = Components(flow, state, session_id, disabled, nav, screen_number)
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
