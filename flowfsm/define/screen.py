"""What a render function returns: the message and its interactive items.

A render function returns a :class:`Screen` (or just a ``str`` for content only, or a
single :class:`hikari.Embed`). Items either fire a trigger of the flow's state machine or
run an action callback, after which the current state re-renders.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

import hikari

from flowfsm.define.frozen import quick_init

if TYPE_CHECKING:
    from flowfsm.define.context import Context
    from flowfsm.define.layout import LayoutNode
    from flowfsm.define.modals import Modal
    from flowfsm.define.selects import Select

__all__ = ["Action", "Button", "Item", "Screen", "ScreenLike"]

Action: TypeAlias = "Callable[[Context], Awaitable[Any] | Any]"
"""An item callback: receives the context; may be sync or async."""


@quick_init
@dataclass(frozen=True, slots=True)
class Button:
    """A button: fires ``trigger`` or runs ``action``, or opens ``url`` (a link button).

    Args:
        label: text on the button (at most 80 characters).
        trigger: name of a trigger of the flow, fired on click.
        action: callback run on click; the state re-renders afterwards.
        style: a :class:`hikari.ButtonStyle` (link buttons are always ``LINK``).
        emoji: a unicode emoji, a custom emoji, or its id.
        url: makes a link button; it needs no trigger or action.
        disabled: shown greyed out; needs no trigger or action.
        id: stable key used in the custom id (default: the item's position).
        row: 0-based row to place the button on (default: filled left to right).
        options: keyword options passed to the trigger (visible to callbacks).
        modal: id of one of the screen's modals; the click opens it (the modal is the click's
            initial response) and its submit runs the modal's handler or trigger.
        pin: ``"start"`` or ``"end"``: under button pagination, shown on every page.
        cleanup: how the old message is handled if this click's result is posted as a new
            message (overrides the state's and the flow's policy; see ``Flow(cleanup=...)``).
        cooldown: seconds before the same user may click this button again (per user, also on
            a shared menu); a click inside it runs nothing and gets an ephemeral "slow down"
            (see :mod:`flowfsm.define.cooldowns`). Give the button an ``id`` so the cooldown
            follows it across screens.
    """

    label: str | None = None
    trigger: str | None = None
    action: Action | None = None
    style: hikari.ButtonStyle = hikari.ButtonStyle.SECONDARY
    emoji: hikari.Snowflakeish | hikari.Emoji | str | None = None
    url: str | None = None
    disabled: bool = False
    id: str | None = None
    row: int | None = None
    options: Mapping[str, Any] | None = None
    modal: str | None = None
    pin: str | None = None
    cleanup: str | None = None
    cooldown: float | None = None

    __post_init_fields__ = ("cooldown",)  # quick_init calls __post_init__ only for a cooldown

    def __post_init__(self) -> None:
        if self.cooldown is not None:
            from flowfsm.define.cooldowns import check_cooldown

            object.__setattr__(self, "cooldown", check_cooldown(self.cooldown, "Button cooldown"))

    @property
    def fires(self) -> bool:
        """Whether clicking this item reaches the engine (not a link; a trigger, action or modal)."""
        return self.url is None and (
            self.trigger is not None or self.action is not None or self.modal is not None
        )

    def describe(self) -> str:
        """A short name for error messages: the id, the label, or the emoji."""
        return self.id or self.label or str(self.emoji or "?")


Item: TypeAlias = "Button | Select"
"""Anything that can sit in a screen's item list: a button or one of the five selects."""


@dataclass(slots=True)
class Screen:
    """The message a state shows.

    Args:
        content: message text (at most 2000 characters).
        embeds: up to 10 :class:`hikari.Embed`.
        items: buttons and selects, laid out in rows within Discord's limits (a select takes a
            row of its own).
        ephemeral: show the message only to the user (``None``: the state's, then the flow's
            setting).
        layout: Components v2 layout nodes (:mod:`flowfsm.define.layout`) instead of content, embeds
            and items; the message is sent with the ``IS_COMPONENTS_V2`` flag.
        modals: the modals buttons of this screen can open (``Button(modal=id)``).
        page_size: split the buttons into pages of this many (pinned buttons excluded), with
            Previous/Next in the reserved row. Without it, pages are made only when the buttons
            do not fit.
        attachments: files uploaded with the message (``hikari.Bytes``, paths, URLs); a layout's
            ``File("attachment://name")`` and ``attachment://`` media refer to them by name.
    """

    content: str | None = None
    embeds: Sequence[hikari.Embed] = field(default_factory=tuple)
    items: Sequence[Item] = field(default_factory=tuple)
    ephemeral: bool | None = None
    layout: Sequence[LayoutNode] | None = None
    modals: Sequence[Modal] = field(default_factory=tuple)
    page_size: int | None = None
    attachments: Sequence[hikari.Resourceish] = field(default_factory=tuple)


ScreenLike: TypeAlias = "Screen | str | hikari.Embed"
"""What a render function may return."""


def as_screen(value: object) -> Screen | None:
    """Normalise a render function's return value, or ``None`` when it is not screen-like."""
    if isinstance(value, Screen):
        return value
    if isinstance(value, str):
        return Screen(content=value)
    if isinstance(value, hikari.Embed):
        return Screen(embeds=(value,))
    return None
