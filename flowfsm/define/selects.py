"""Select menus: text, user, role, mentionable and channel selects, their limits and their builders.

A select sits alone in an action row. Like a :class:`~flowfsm.define.screen.Button` it either fires a
``trigger`` of the flow's machine or runs ``action(ctx, values)``; ``values`` is always a list of
strings (the chosen option values, or the chosen ids as strings for the auto-populated kinds).

Example::

    TextSelect(["red", "green", SelectOption("Blue", "blue", emoji="🔵")],
               placeholder="Colour", action=set_colour)
    UserSelect(placeholder="Best friend", max_values=1, default_values=[1234], action=set_friend)

hikari 2.7 builds no ``default_values`` for auto-populated selects, so :func:`add_select` uses
small subclasses of hikari's select builders that add them to the payload.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeAlias

import hikari
from hikari.impl import (
    ChannelSelectMenuBuilder,
    SelectMenuBuilder,
    SelectOptionBuilder,
    TextSelectMenuBuilder,
)

from flowfsm.define.ids import valid_item_id

if TYPE_CHECKING:
    from flowfsm.define.context import Context

__all__ = [
    "MAX_DESCRIPTION",
    "MAX_OPTIONS",
    "MAX_OPTION_LABEL",
    "MAX_OPTION_VALUE",
    "MAX_PLACEHOLDER",
    "MAX_VALUES",
    "SELECT_TYPES",
    "ChannelSelect",
    "MentionableSelect",
    "RoleSelect",
    "Select",
    "SelectAction",
    "SelectOption",
    "TextSelect",
    "UserSelect",
    "add_select",
    "select_problems",
    "values_from",
]

MAX_OPTIONS = 25
"""Options of a text select (and at least one)."""
MAX_OPTION_LABEL = 100
MAX_OPTION_VALUE = 100
MAX_DESCRIPTION = 100
MAX_PLACEHOLDER = 150
MAX_VALUES = 25
"""Upper bound of ``max_values`` (and of ``min_values``)."""

SelectAction: TypeAlias = "Callable[[Context, list[str]], Awaitable[Any] | Any]"
"""A select callback: receives the context and the chosen values (always a list); sync or async."""

Emojiish: TypeAlias = "hikari.Snowflakeish | hikari.Emoji | str"


@dataclass(frozen=True, slots=True)
class SelectOption:
    """One choice of a :class:`TextSelect`.

    Args:
        label: text shown (1-100 characters).
        value: what the select reports when chosen (1-100 characters; default: the label).
        description: a second line under the label (at most 100 characters).
        emoji: a unicode emoji, a custom emoji, or its id.
        default: pre-selected when the select is shown.
    """

    label: str
    value: str | None = None
    description: str | None = None
    emoji: Emojiish | None = None
    default: bool = False

    def __post_init__(self) -> None:
        if self.value is None:
            object.__setattr__(self, "value", self.label)

    @property
    def key(self) -> str:
        """The value reported when this option is chosen (``value``, or the label when unset)."""
        return self.label if self.value is None else self.value


@dataclass(frozen=True, slots=True, kw_only=True)
class _BaseSelect:
    """Fields shared by every select kind (all keyword-only)."""

    kind: ClassVar[str] = "select"
    component_type: ClassVar[hikari.ComponentType]

    placeholder: str | None = None
    """Grey text shown while nothing is chosen (at most 150 characters)."""
    min_values: int = 1
    """Fewest values the user must choose (0-25)."""
    max_values: int = 1
    """Most values the user may choose (1-25, at least ``min_values``)."""
    trigger: str | None = None
    """Trigger fired when the user chooses (the values travel with it)."""
    action: SelectAction | None = None
    """Callback ``action(ctx, values)`` run when the user chooses; the state re-renders afterwards."""
    id: str | None = None
    """Stable key used in the custom id (default: the item's position)."""
    disabled: bool = False
    """Shown greyed out; needs no trigger or action."""
    options_kw: Mapping[str, Any] | None = None
    """Keyword options passed to the trigger, like :attr:`flowfsm.define.screen.Button.options`."""

    @property
    def fires(self) -> bool:
        """Whether choosing in this select reaches the engine (a trigger or an action is set)."""
        return self.trigger is not None or self.action is not None

    def describe(self) -> str:
        """A short name for error messages: the id, the placeholder, or the kind of select."""
        return self.id or self.placeholder or self.kind


@dataclass(frozen=True, slots=True)
class TextSelect(_BaseSelect):
    """A select of fixed options (a "string select").

    Args:
        options: 1-25 :class:`SelectOption` (a plain ``str`` is an option whose label and value
            are that string); values must be unique.
    """

    kind: ClassVar[str] = "text select"
    component_type: ClassVar[hikari.ComponentType] = hikari.ComponentType.TEXT_SELECT_MENU

    options: Sequence[SelectOption | str]

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", tuple(self.options))

    @property
    def choices(self) -> tuple[SelectOption, ...]:
        """The options, plain strings turned into :class:`SelectOption`."""
        return tuple(SelectOption(o) if isinstance(o, str) else o for o in self.options)


@dataclass(frozen=True, slots=True)
class UserSelect(_BaseSelect):
    """A select of server members, filled in by Discord.

    Args:
        default_values: ids of users pre-selected.
    """

    kind: ClassVar[str] = "user select"
    component_type: ClassVar[hikari.ComponentType] = hikari.ComponentType.USER_SELECT_MENU

    default_values: Sequence[hikari.Snowflakeish] = field(default=(), kw_only=True)

    def __post_init__(self) -> None:
        object.__setattr__(self, "default_values", tuple(self.default_values))


@dataclass(frozen=True, slots=True)
class RoleSelect(_BaseSelect):
    """A select of the server's roles, filled in by Discord.

    Args:
        default_values: ids of roles pre-selected.
    """

    kind: ClassVar[str] = "role select"
    component_type: ClassVar[hikari.ComponentType] = hikari.ComponentType.ROLE_SELECT_MENU

    default_values: Sequence[hikari.Snowflakeish] = field(default=(), kw_only=True)

    def __post_init__(self) -> None:
        object.__setattr__(self, "default_values", tuple(self.default_values))


@dataclass(frozen=True, slots=True)
class MentionableSelect(_BaseSelect):
    """A select of users and roles, filled in by Discord.

    Args:
        default_values: pre-selected entries as ``(id, "user")`` or ``(id, "role")`` pairs
            (Discord needs to know which kind each id is).
    """

    kind: ClassVar[str] = "mentionable select"
    component_type: ClassVar[hikari.ComponentType] = hikari.ComponentType.MENTIONABLE_SELECT_MENU

    default_values: Sequence[tuple[hikari.Snowflakeish, Literal["user", "role"]]] = field(
        default=(), kw_only=True
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "default_values", tuple(self.default_values))


@dataclass(frozen=True, slots=True)
class ChannelSelect(_BaseSelect):
    """A select of the server's channels, filled in by Discord.

    Args:
        channel_types: only offer channels of these types (default: all).
        default_values: ids of channels pre-selected.
    """

    kind: ClassVar[str] = "channel select"
    component_type: ClassVar[hikari.ComponentType] = hikari.ComponentType.CHANNEL_SELECT_MENU

    channel_types: Sequence[hikari.ChannelType] = field(default=(), kw_only=True)
    default_values: Sequence[hikari.Snowflakeish] = field(default=(), kw_only=True)

    def __post_init__(self) -> None:
        object.__setattr__(self, "channel_types", tuple(self.channel_types))
        object.__setattr__(self, "default_values", tuple(self.default_values))


Select: TypeAlias = TextSelect | UserSelect | RoleSelect | MentionableSelect | ChannelSelect
"""Any select kind (a real union: ``isinstance(item, Select)`` works too)."""

SELECT_TYPES: tuple[type, ...] = (TextSelect, UserSelect, RoleSelect, MentionableSelect, ChannelSelect)
"""The select classes, for ``isinstance(item, SELECT_TYPES)``."""

_DEFAULT_TYPE = {UserSelect: "user", RoleSelect: "role", ChannelSelect: "channel"}


def _default_values(select: Select) -> list[dict[str, str]]:
    """Discord's ``default_values`` objects of an auto-populated select."""
    if isinstance(select, MentionableSelect):
        return [{"id": str(int(sid)), "type": kind} for sid, kind in select.default_values]
    if isinstance(select, UserSelect | RoleSelect | ChannelSelect):
        kind = _DEFAULT_TYPE[type(select)]
        return [{"id": str(int(sid)), "type": kind} for sid in select.default_values]
    return []


# ---------------------------------------------------------------------------------------- limits


def _len_problem(what: str, value: str | None, limit: int, *, minimum: int = 0) -> str | None:
    if value is None:
        return None
    if not minimum <= len(value) <= limit:
        span = f"{minimum}-{limit}" if minimum else f"at most {limit}"
        return f"{what} is {len(value)} characters; Discord allows {span}"
    return None


def _is_snowflake(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def select_problems(select: Select) -> list[str]:
    """Check a select against Discord's limits and flowfsm's rules; return readable problems.

    Checked: 1-25 options with labels and values of 1-100 characters, descriptions of at most
    100, unique values, defaults within ``max_values``; placeholder of at most 150 characters;
    ``0 <= min_values <= max_values <= 25`` (``max_values`` at least 1 and, for a text select,
    at most the number of options); default values that are ids (with a ``"user"``/``"role"``
    type for a mentionable select) and within ``min_values``-``max_values``; channel types; a
    valid item ``id``; a trigger or an action, not both, unless disabled. An empty list means fine.
    """
    if not isinstance(select, SELECT_TYPES):
        return [f"not a select: {type(select).__name__}"]
    problems: list[str] = []
    if (text := _len_problem("placeholder", select.placeholder, MAX_PLACEHOLDER)) is not None:
        problems.append(text)
    low, high = select.min_values, select.max_values
    if not isinstance(low, int) or not 0 <= low <= MAX_VALUES:
        problems.append(f"min_values is {low!r}; it must be 0-{MAX_VALUES}")
    if not isinstance(high, int) or not 1 <= high <= MAX_VALUES:
        problems.append(f"max_values is {high!r}; it must be 1-{MAX_VALUES}")
    elif isinstance(low, int) and low > high:
        problems.append(f"min_values ({low}) is greater than max_values ({high})")
    if isinstance(select, TextSelect):
        problems.extend(_option_problems(select))
    else:
        problems.extend(_default_value_problems(select))
    if select.id is not None and not valid_item_id(select.id):
        problems.append(
            f"id {select.id!r}: an item id is 1-40 letters, digits, '_', '.' or '-' and not only digits"
        )
    if select.trigger is not None and select.action is not None:
        problems.append("give a select a trigger or an action, not both")
    elif not select.fires and not select.disabled:
        problems.append("a select needs a trigger or an action (or disabled=True)")
    return problems


def _option_problems(select: TextSelect) -> list[str]:
    problems: list[str] = []
    choices = select.choices
    if not 1 <= len(choices) <= MAX_OPTIONS:
        problems.append(f"a text select has {len(choices)} options; Discord allows 1-{MAX_OPTIONS}")
    seen: set[str] = set()
    for index, option in enumerate(choices):
        if not isinstance(option, SelectOption):
            problems.append(f"option #{index} is a {type(option).__name__}; use a str or SelectOption")
            continue
        where = f"option #{index} ({option.label!r})"
        for what, value, limit in (
            ("label", option.label, MAX_OPTION_LABEL),
            ("value", option.key, MAX_OPTION_VALUE),
        ):
            if (text := _len_problem(f"{where} {what}", value, limit, minimum=1)) is not None:
                problems.append(text)
        if (text := _len_problem(f"{where} description", option.description, MAX_DESCRIPTION)) is not None:
            problems.append(text)
        if option.key in seen:
            problems.append(f"{where}: duplicate option value {option.key!r}")
        seen.add(option.key)
    if isinstance(select.max_values, int) and choices and select.max_values > len(choices):
        problems.append(f"max_values ({select.max_values}) exceeds the number of options ({len(choices)})")
    if isinstance(select.min_values, int) and choices and select.min_values > len(choices):
        problems.append(f"min_values ({select.min_values}) exceeds the number of options ({len(choices)})")
    defaults = sum(1 for o in choices if isinstance(o, SelectOption) and o.default)
    if isinstance(select.max_values, int) and defaults > select.max_values:
        problems.append(f"{defaults} options are marked default but max_values is {select.max_values}")
    return problems


def _default_value_problems(select: UserSelect | RoleSelect | MentionableSelect | ChannelSelect) -> list[str]:
    problems: list[str] = []
    defaults: Sequence[Any] = select.default_values
    for index, entry in enumerate(defaults):
        if isinstance(select, MentionableSelect):
            ok = (
                isinstance(entry, tuple)
                and len(entry) == 2
                and _is_snowflake(entry[0])
                and entry[1] in ("user", "role")
            )
            if not ok:
                problems.append(
                    f"default value #{index} is {entry!r}; a mentionable select takes (id, 'user') "
                    "or (id, 'role') pairs"
                )
        elif not _is_snowflake(entry):
            problems.append(f"default value #{index} is {entry!r}; give the id (a positive int)")
    low, high = select.min_values, select.max_values
    if defaults and isinstance(low, int) and isinstance(high, int) and not low <= len(defaults) <= high:
        problems.append(
            f"{len(defaults)} default values; Discord wants min_values ({low}) to max_values ({high}) of them"
        )
    if isinstance(select, ChannelSelect):
        for channel_type in select.channel_types:
            if not isinstance(channel_type, hikari.ChannelType):
                problems.append(f"channel type {channel_type!r} is not a hikari.ChannelType")
    return problems


# ---------------------------------------------------------------------------------------- builders


class _AutoSelectMenuBuilder(SelectMenuBuilder):
    """hikari's select builder plus ``default_values`` (which hikari 2.7 does not build)."""

    def __init__(self, *, default_values: Sequence[Mapping[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.default_values: list[dict[str, str]] = [dict(v) for v in default_values]

    def build(self) -> tuple[Any, Sequence[hikari.files.Resource[hikari.files.AsyncReader]]]:
        """Build the payload, with ``default_values`` when there are any."""
        payload, attachments = super().build()
        if self.default_values:
            payload["default_values"] = [dict(v) for v in self.default_values]
        return payload, attachments


class _ChannelSelectMenuBuilder(ChannelSelectMenuBuilder):
    """hikari's channel select builder plus ``default_values``."""

    def __init__(self, *, default_values: Sequence[Mapping[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.default_values: list[dict[str, str]] = [dict(v) for v in default_values]

    def build(self) -> tuple[Any, Sequence[hikari.files.Resource[hikari.files.AsyncReader]]]:
        """Build the payload, with ``default_values`` when there are any."""
        payload, attachments = super().build()
        if self.default_values:
            payload["default_values"] = [dict(v) for v in self.default_values]
        return payload, attachments


def add_select(
    row: hikari.api.MessageActionRowBuilder | None,
    select: Select,
    custom_id: str,
    *,
    disabled: bool = False,
) -> hikari.api.SelectMenuBuilder:
    """Build the select menu for ``select`` with ``custom_id``; add it to ``row`` when one is given.

    A select must be alone in its action row. ``disabled=True`` greys it out whatever
    ``select.disabled`` says (an expired menu). Call :func:`select_problems` first: this
    function builds what it is given.
    """
    common: dict[str, Any] = {
        "custom_id": custom_id,
        "placeholder": select.placeholder if select.placeholder is not None else hikari.UNDEFINED,
        "min_values": select.min_values,
        "max_values": select.max_values,
        "is_disabled": select.disabled or disabled,
    }
    menu: hikari.api.SelectMenuBuilder
    if isinstance(select, TextSelect):
        options = [
            SelectOptionBuilder(
                label=o.label,
                value=o.key,
                description=o.description if o.description is not None else hikari.UNDEFINED,
                emoji=o.emoji if o.emoji is not None else hikari.UNDEFINED,
                is_default=o.default,
            )
            for o in select.choices
        ]
        menu = TextSelectMenuBuilder(options=options, **common)
    elif isinstance(select, ChannelSelect):
        menu = _ChannelSelectMenuBuilder(
            channel_types=list(select.channel_types), default_values=_default_values(select), **common
        )
    else:
        menu = _AutoSelectMenuBuilder(
            type=select.component_type, default_values=_default_values(select), **common
        )
    if row is not None:
        row.add_component(menu)
    return menu


def values_from(interaction: hikari.ComponentInteraction) -> list[str]:
    """The values chosen in a select interaction, always as a new list of strings.

    For user, role, mentionable and channel selects these are the chosen ids as strings (the
    resolved objects are in ``interaction.resolved``). A button click gives ``[]``.
    """
    return [str(value) for value in interaction.values]
