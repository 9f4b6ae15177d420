"""Discord's limits on a message, checked on a :class:`~flowfsm.define.screen.Screen` before it is built.

Every limit Discord enforces on a message is checked before anything is sent; a violation raises
:class:`~flowfsm.errors.RenderError` naming the flow, state and item. The checks of one render
share the flow, state and custom-id prefix held by :class:`ScreenChecks`, which
:class:`flowfsm.engine.components.Components` extends with the builders.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import hikari

from flowfsm.define.flow import Flow
from flowfsm.define.limits import MAX_EMOJI_NAME, embed_problems, item_limit_problems
from flowfsm.define.modals import Modal, modal_problems
from flowfsm.define.pagination import Nav
from flowfsm.define.screen import Button, Item, Screen
from flowfsm.define.selects import SELECT_TYPES, Select, select_problems
from flowfsm.engine import custom_id
from flowfsm.errors import RenderError

__all__ = ["MAX_BUTTONS_PER_ROW", "MAX_CONTENT", "MAX_EMBEDS", "MAX_LABEL", "MAX_ROWS", "ScreenChecks"]

MAX_ROWS = 5
MAX_BUTTONS_PER_ROW = 5
MAX_LABEL = 80
MAX_CONTENT = 2000
MAX_EMBEDS = 10
_URL_SCHEMES = ("http://", "https://", "discord://")
_NOT_INTERACTIVE = frozenset((hikari.ButtonStyle.LINK, hikari.ButtonStyle.PREMIUM))


class ScreenChecks:
    """The checks of one render, with the flow and state for error messages."""

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
        """A :class:`RenderError` naming the flow, the state and ``item``."""
        name = None if item is None else (item.describe() if hasattr(item, "describe") else str(item))
        return RenderError(self.flow.name, self.state, message, item=name)

    def custom_id(self, key: str, item: Any = None) -> str:
        """The custom id of the item with ``key`` on this screen, within Discord's 100 characters."""
        cid = self.prefix + key
        if len(cid) > custom_id.MAX_CUSTOM_ID:
            raise self.error(f"custom id {cid!r} exceeds {custom_id.MAX_CUSTOM_ID} characters", item)
        return cid

    def check_content(self, screen: Screen) -> None:
        """The message text and embeds: lengths, count, types."""
        if screen.content is not None and len(screen.content) > MAX_CONTENT:
            raise self.error(f"content is {len(screen.content)} characters; Discord allows {MAX_CONTENT}")
        if not screen.embeds:
            return
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
        """The screen's modals: their limits, unique ids and triggers; returns them."""
        if not screen.modals:
            return ()
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
        """``trigger`` must be able to fire in this state."""
        if trigger not in self.triggers:
            raise self.error(f"trigger {trigger!r} cannot fire in this state", item)

    def check_item(self, index: int, item: Item, modals: Sequence[Modal]) -> None:
        """One button or select: its own limits, its id (valid, unique) and its trigger."""
        if type(item) is Button:  # the common case first: this runs for every item of every render
            self.check_button(item, modals)
            return
        if isinstance(item, SELECT_TYPES):
            problems = select_problems(item)  # type: ignore[arg-type]
            if problems:
                raise self.error("; ".join(problems), item)
        elif not isinstance(item, Button):
            raise self.error(f"unsupported item type {type(item).__name__}", f"#{index}")
        else:
            self.check_button(item, modals)
            return
        self.check_id(item, item.id)
        trigger = item.trigger
        if trigger is not None and trigger not in self.triggers:
            self.check_trigger(trigger, item)
        problems = item_limit_problems(item)  # the emoji of a text select's options
        if problems:
            raise self.error("; ".join(problems), item)

    def check_id(self, item: Item, item_id: str | None) -> None:
        """An item's own id: valid, and not shared with another item of the screen."""
        if item_id is None:
            return
        if not custom_id.valid_item_id(item_id):
            raise self.error("an item id is 1-40 letters, digits, '_', '.' or '-' and not only digits", item)
        if item_id in self.seen:
            raise self.error("two items share this id", item)
        self.seen.add(item_id)

    def check_button(self, item: Button, modals: Sequence[Modal]) -> None:
        """A button: label or emoji, one of trigger/action/modal or a url, a known modal, its id,
        its trigger, its emoji and url."""
        # Read each field once and test the common case (a labelled button with a trigger or an
        # action and nothing else) with as few branches as possible: this runs for every button of
        # every render.
        label, emoji, url = item.label, item.emoji, item.url
        if not label:
            if emoji is None:
                raise self.error("a button needs a label or an emoji", item)
        elif len(label) > MAX_LABEL:
            raise self.error(f"label is {len(label)} characters; Discord allows {MAX_LABEL}", item)
        if item.pin is not None and item.pin not in ("start", "end"):
            raise self.error(f"pin must be 'start' or 'end', got {item.pin!r}", item)
        trigger, action, modal = item.trigger, item.action, item.modal
        if url is not None:
            if trigger is not None or action is not None or modal is not None:
                raise self.error("a link button cannot also have a trigger, an action or a modal", item)
            if not url.startswith(_URL_SCHEMES):
                raise self.error(f"link url must start with one of {', '.join(_URL_SCHEMES)}", item)
        else:
            if (trigger is not None) + (action is not None) + (modal is not None) != 1:
                self._check_button_kind(item)
            if modal is not None and modal not in {m.id for m in modals}:
                known = sorted(m.id for m in modals)
                raise self.error(
                    f"button opens modal {modal!r}, which this screen does not define (known: {known})", item
                )
            if item.style in _NOT_INTERACTIVE:
                raise self.error("style LINK needs url=...; PREMIUM buttons are not supported", item)
        if item.id is not None:
            self.check_id(item, item.id)
        if trigger is not None and trigger not in self.triggers:
            self.check_trigger(trigger, item)
        if url is not None or not (emoji is None or (type(emoji) is str and len(emoji) <= MAX_EMOJI_NAME)):
            problems = item_limit_problems(item)  # a link button's url, a custom or long emoji
            if problems:
                raise self.error("; ".join(problems), item)

    def _check_button_kind(self, item: Button) -> None:
        """A button without a url that has not exactly one of trigger, action or modal."""
        given = (item.trigger is not None) + (item.action is not None) + (item.modal is not None)
        if given > 1:
            raise self.error("give a button one of trigger, action or modal", item)
        if not given and not item.disabled:
            raise self.error("a button needs a trigger, an action, a modal or a url (or disabled=True)", item)

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
