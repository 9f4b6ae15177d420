"""Screen -> hikari message builders, within Discord's limits.

Every limit Discord enforces on a message is checked here, before anything is sent, and a
violation raises :class:`~flowfsm.errors.RenderError` naming the flow, state and item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import hikari
from hikari.impl import MessageActionRowBuilder

from flowfsm import custom_id
from flowfsm.errors import RenderError
from flowfsm.flow import Flow
from flowfsm.screen import Button, Item, Screen

__all__ = [
    "MAX_BUTTONS_PER_ROW",
    "MAX_CONTENT",
    "MAX_EMBEDS",
    "MAX_LABEL",
    "MAX_ROWS",
    "Rendered",
    "render_screen",
]

MAX_ROWS = 5
MAX_BUTTONS_PER_ROW = 5
MAX_LABEL = 80
MAX_CONTENT = 2000
MAX_EMBEDS = 10
_URL_SCHEMES = ("http://", "https://", "discord://")


@dataclass(slots=True)
class Rendered:
    """A screen turned into what hikari sends, plus the items the next click may name."""

    content: str | None
    embeds: list[hikari.Embed]
    components: list[hikari.api.ComponentBuilder]
    items: tuple[Item, ...] = ()
    ephemeral: bool = False
    flags: hikari.MessageFlag = field(default=hikari.MessageFlag.NONE)


def render_screen(
    flow: Flow,
    state: str,
    session_id: str,
    screen: Screen,
    *,
    interactive: bool = True,
    disabled: bool = False,
    reserved: Sequence[Button] = (),
) -> Rendered:
    """Check ``screen`` against Discord's limits and build its components.

    ``interactive=False`` drops every component (a closed menu); ``disabled=True`` keeps them
    greyed out (an expired menu). ``reserved`` buttons (Back, Cancel, page navigation; their ids
    start with ``~``) go on a row of their own after the screen's items.
    """
    where = (flow.name, state)
    if screen.content is not None and len(screen.content) > MAX_CONTENT:
        raise RenderError(*where, f"content is {len(screen.content)} characters; Discord allows {MAX_CONTENT}")
    if len(screen.embeds) > MAX_EMBEDS:
        raise RenderError(*where, f"{len(screen.embeds)} embeds; Discord allows {MAX_EMBEDS}")
    for embed in screen.embeds:
        if not isinstance(embed, hikari.Embed):
            raise RenderError(*where, f"embeds must be hikari.Embed, got {type(embed).__name__}")
    items = tuple(screen.items)
    rows = _layout(flow, state, items, max_rows=MAX_ROWS - 1 if reserved else MAX_ROWS)
    if reserved:
        base = len(items)
        rows.append([(base + i, button) for i, button in enumerate(reserved)])
        items = items + tuple(reserved)
    components: list[hikari.api.ComponentBuilder] = []
    if interactive:
        state_index = flow.state_index(state)
        for row in rows:
            builder = MessageActionRowBuilder()
            for index, item in row:
                _add_button(builder, flow, state, session_id, state_index, index, item, disabled)
            components.append(builder)
    if screen.content is None and not screen.embeds and not components:
        raise RenderError(*where, "the screen is empty: give it content, embeds or items")
    ephemeral = flow.ephemeral if screen.ephemeral is None else screen.ephemeral
    flags = hikari.MessageFlag.EPHEMERAL if ephemeral else hikari.MessageFlag.NONE
    return Rendered(screen.content, list(screen.embeds), components, items, ephemeral, flags)


def _layout(
    flow: Flow, state: str, items: Sequence[Item], *, max_rows: int = MAX_ROWS
) -> list[list[tuple[int, Button]]]:
    """Place items on rows: explicit ``row`` first, the rest filling rows left to right."""
    seen: set[str] = set()
    placed: dict[int, list[tuple[int, Button]]] = {}
    for index, item in enumerate(items):
        _check_item(flow, state, index, item, seen)
        if item.row is not None:
            if not 0 <= item.row < max_rows:
                raise RenderError(
                    flow.name, state, f"row {item.row} is out of range 0-{max_rows - 1}", item=item.describe()
                )
            placed.setdefault(item.row, []).append((index, item))
    row = 0
    for index, item in enumerate(items):
        if item.row is not None:
            continue
        while len(placed.get(row, ())) >= MAX_BUTTONS_PER_ROW:
            row += 1
        if row >= max_rows:
            raise RenderError(
                flow.name,
                state,
                f"too many buttons: {max_rows} rows of {MAX_BUTTONS_PER_ROW} are available"
                + (" (the last row is reserved for navigation)" if max_rows < MAX_ROWS else ""),
                item=item.describe(),
            )
        placed.setdefault(row, []).append((index, item))
    for number, buttons in placed.items():
        if len(buttons) > MAX_BUTTONS_PER_ROW:
            raise RenderError(
                flow.name,
                state,
                f"row {number} has {len(buttons)} buttons; Discord allows {MAX_BUTTONS_PER_ROW}",
                item=buttons[MAX_BUTTONS_PER_ROW][1].describe(),
            )
    return [placed[n] for n in sorted(placed)]


def _key(item: Button, index: int) -> str:
    return item.id or str(index)


def _check_item(flow: Flow, state: str, index: int, item: Item, seen: set[str]) -> None:
    name = item.describe() if isinstance(item, Button) else f"#{index}"

    def fail(message: str) -> RenderError:
        return RenderError(flow.name, state, message, item=name)

    if not isinstance(item, Button):
        raise fail(f"unsupported item type {type(item).__name__}")
    if not item.label and item.emoji is None:
        raise fail("a button needs a label or an emoji")
    if item.label is not None and len(item.label) > MAX_LABEL:
        raise fail(f"label is {len(item.label)} characters; Discord allows {MAX_LABEL}")
    if item.id is not None:
        if not custom_id.valid_item_key(item.id) or item.id.isdigit():
            raise fail("an item id is 1-40 letters, digits, '_', '.' or '-' and not only digits")
        if item.id in seen:
            raise fail("two items share this id")
        seen.add(item.id)
    if item.url is not None:
        if item.trigger is not None or item.action is not None:
            raise fail("a link button cannot also have a trigger or an action")
        if not item.url.startswith(_URL_SCHEMES):
            raise fail(f"link url must start with one of {', '.join(_URL_SCHEMES)}")
        return
    if item.trigger is not None and item.action is not None:
        raise fail("give a button a trigger or an action, not both")
    if item.trigger is None and item.action is None and not item.disabled:
        raise fail("a button needs a trigger, an action or a url (or disabled=True)")
    if item.trigger is not None and item.trigger not in flow.triggers_from(state):
        raise fail(f"trigger {item.trigger!r} cannot fire in this state")
    if item.style is hikari.ButtonStyle.LINK or item.style is hikari.ButtonStyle.PREMIUM:
        raise fail("style LINK needs url=...; PREMIUM buttons are not supported")


def _add_button(
    builder: MessageActionRowBuilder,
    flow: Flow,
    state: str,
    session_id: str,
    state_index: int,
    index: int,
    item: Button,
    disabled: bool,
) -> None:
    emoji = item.emoji if item.emoji is not None else hikari.UNDEFINED
    label = item.label if item.label else hikari.UNDEFINED
    if item.url is not None:
        builder.add_link_button(item.url, label=label, emoji=emoji, is_disabled=item.disabled)
        return
    cid = custom_id.encode(flow.name, session_id, state_index, _key(item, index))
    if len(cid) > custom_id.MAX_CUSTOM_ID:
        raise RenderError(
            flow.name, state, f"custom id {cid!r} exceeds {custom_id.MAX_CUSTOM_ID} characters", item=item.describe()
        )
    builder.add_interactive_button(
        item.style,  # type: ignore[arg-type]
        cid,
        label=label,
        emoji=emoji,
        is_disabled=item.disabled or disabled,
    )
