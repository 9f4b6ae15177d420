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
from flowfsm.define.limits import embed_problems, item_limit_problems
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
        """A button: label or emoji, one of trigger/action/modal or a url, a known modal."""
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
