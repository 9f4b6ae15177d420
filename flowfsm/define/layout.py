"""Components v2 layout mode: layout nodes, their limits, and the hikari builders they become.

A render function may return a layout instead of content and embeds: a sequence of nodes —
:class:`Text`, :class:`Section` (texts with a button or thumbnail beside them), :class:`Container`
(a box with an accent colour), :class:`Separator`, :class:`MediaGallery`, :class:`File`,
:class:`ActionRow` (buttons or one select) and :class:`ButtonGroup` (buttons shown a page at a time).
Such a message carries the ``IS_COMPONENTS_V2`` flag and no content or embeds.

Example::

    [
        Container([
            Text("## Settings"),
            Section(["Notifications are **on**"], Button("Turn off", trigger="toggle")),
            Separator(),
            ActionRow([Button("Done", trigger="done", style=hikari.ButtonStyle.SUCCESS)]),
        ], accent_color=0x5865F2),
    ]

:func:`build_layout` turns nodes into hikari builders; the engine supplies the builders of the
interactive items (it owns custom ids) through callbacks. :func:`layout_problems` checks a layout
against Discord's limits before anything is built.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias, cast

import hikari
from hikari.impl import (
    ContainerComponentBuilder,
    FileComponentBuilder,
    InteractiveButtonBuilder,
    LinkButtonBuilder,
    MediaGalleryComponentBuilder,
    MediaGalleryItemBuilder,
    MessageActionRowBuilder,
    SectionComponentBuilder,
    SeparatorComponentBuilder,
    TextDisplayComponentBuilder,
    ThumbnailComponentBuilder,
)

from flowfsm.define.ids import valid_item_id
from flowfsm.define.limits import item_limit_problems, media_url_problems
from flowfsm.define.screen import Button
from flowfsm.define.selects import SELECT_TYPES, Select, select_problems

__all__ = [
    "MAX_BUTTONS_PER_ROW",
    "MAX_COMPONENTS",
    "MAX_GALLERY_ITEMS",
    "MAX_MEDIA_DESCRIPTION",
    "MAX_SECTION_TEXTS",
    "MAX_TEXT",
    "ActionRow",
    "ButtonFactory",
    "ButtonGroup",
    "Container",
    "File",
    "GroupPager",
    "LayoutItem",
    "LayoutNode",
    "MediaGallery",
    "MediaItem",
    "Section",
    "SelectFactory",
    "Separator",
    "Text",
    "Thumbnail",
    "build_layout",
    "button_builder",
    "component_count",
    "iter_items",
    "layout_problems",
]

MAX_COMPONENTS = 40
"""Components in a Components v2 message, nested ones included."""
MAX_TEXT = 4000
"""Characters of all text displays of a message together."""
MAX_BUTTONS_PER_ROW = 5
MAX_SECTION_TEXTS = 3
MAX_GALLERY_ITEMS = 10
MAX_MEDIA_DESCRIPTION = 1024
MAX_BUTTON_LABEL = 80
_MEDIA_SCHEMES = ("https://", "http://", "attachment://")
_LINK_SCHEMES = ("http://", "https://", "discord://")


@dataclass(frozen=True, slots=True)
class Text:
    """A text display: markdown text (all texts of a message share a 4000-character budget)."""

    content: str


@dataclass(frozen=True, slots=True)
class Thumbnail:
    """A small image: the accessory of a :class:`Section`.

    Args:
        url: ``https://...`` or ``attachment://<filename>`` of a file attached to the message.
        description: alt text (at most 1024 characters).
        spoiler: blurred until clicked.
    """

    url: str
    description: str | None = None
    spoiler: bool = False


@dataclass(frozen=True, slots=True)
class Section:
    """1-3 texts with an accessory beside them: a :class:`~flowfsm.define.screen.Button` or a :class:`Thumbnail`."""

    texts: Sequence[str | Text]
    accessory: Button | Thumbnail

    def __post_init__(self) -> None:
        object.__setattr__(self, "texts", tuple(self.texts))


@dataclass(frozen=True, slots=True)
class Separator:
    """Vertical space between components, optionally with a dividing line.

    Args:
        divider: draw a line.
        spacing: ``hikari.SpacingType.SMALL`` or ``LARGE`` padding.
    """

    divider: bool = True
    spacing: hikari.SpacingType = hikari.SpacingType.SMALL


@dataclass(frozen=True, slots=True)
class MediaItem:
    """One image or video of a :class:`MediaGallery` (``url`` as for :class:`Thumbnail`)."""

    url: str
    description: str | None = None
    spoiler: bool = False


@dataclass(frozen=True, slots=True)
class MediaGallery:
    """A grid of 1-10 images or videos (a plain ``str`` is a :class:`MediaItem` url)."""

    items: Sequence[MediaItem | str]

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))

    @property
    def media(self) -> tuple[MediaItem, ...]:
        """The items, plain urls turned into :class:`MediaItem`."""
        return tuple(MediaItem(i) if isinstance(i, str) else i for i in self.items)


@dataclass(frozen=True, slots=True)
class File:
    """A file attached to the message, shown as a download (``url`` is ``attachment://<filename>``).

    The file itself must be uploaded with the message by whoever sends it.
    """

    url: str
    spoiler: bool = False


@dataclass(frozen=True, slots=True)
class ActionRow:
    """A row of 1-5 buttons, or of exactly one select."""

    items: Sequence[Button | Select]

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))


@dataclass(frozen=True, slots=True)
class ButtonGroup:
    """Buttons shown ``per_page`` at a time, with Previous/Next supplied by the engine.

    The page buttons fill rows of five; the engine's navigation buttons get a row of their own.
    ``id`` names the group (nav buttons may derive their ids from it). A layout holds at most
    one group: the session keeps one page number.
    """

    buttons: Sequence[Button]
    per_page: int = 5
    id: str = "group"

    def __post_init__(self) -> None:
        object.__setattr__(self, "buttons", tuple(self.buttons))

    @property
    def pages(self) -> int:
        """Number of pages (at least 1)."""
        return max(1, math.ceil(len(self.buttons) / max(1, self.per_page)))

    def page(self, n: int) -> tuple[list[Button], bool, bool]:
        """Page ``n`` (0-based, clamped into range): its buttons, whether a previous and a next page exist."""
        n = min(max(n, 0), self.pages - 1)
        size = max(1, self.per_page)
        start = n * size
        return list(self.buttons[start : start + size]), n > 0, start + size < len(self.buttons)


@dataclass(frozen=True, slots=True)
class Container:
    """A box around its children, with an optional accent colour bar; may be a spoiler.

    Children may be texts, sections, separators, galleries, files, action rows and button groups,
    but not containers.
    """

    children: Sequence[LayoutNode]
    accent_color: hikari.Colorish | None = None
    spoiler: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "children", tuple(self.children))


LayoutNode: TypeAlias = (
    Text | Section | Container | Separator | Thumbnail | MediaGallery | File | ActionRow | ButtonGroup
)
"""Anything that can sit in a layout (a real union: ``isinstance(node, LayoutNode)`` works)."""
LayoutItem: TypeAlias = Button | Select
"""An interactive item of a layout."""

ButtonFactory: TypeAlias = Callable[[Button, int | None], hikari.api.ButtonBuilder]
"""``button(button, index) -> builder``: the engine's builder for a button, custom id included.

``index`` is the button's position in :func:`iter_items` order, or ``None`` for the navigation
buttons the engine itself supplied through a :data:`GroupPager` (give those an ``id``).
:func:`button_builder` builds one from a custom id.
"""
SelectFactory: TypeAlias = Callable[[Select, int], hikari.api.SelectMenuBuilder]
"""``select(select, index) -> builder``: the engine's builder for a select, e.g.
``flowfsm.define.selects.add_select(None, select, custom_id)``; ``index`` as for :data:`ButtonFactory`."""
GroupPager: TypeAlias = Callable[[ButtonGroup], tuple[int, Sequence[Button]]]
"""``group_page(group) -> (page, nav_buttons)``: which page of the group to show (see
:meth:`ButtonGroup.page`) and the navigation buttons to show under it (may be empty)."""

_CHILD_TYPES = (Text, Section, Separator, MediaGallery, File, ActionRow, ButtonGroup)
_TOP_TYPES = (*_CHILD_TYPES, Container)


# ---------------------------------------------------------------------------------------- reading


def iter_items(nodes: Sequence[LayoutNode]) -> Iterator[Button | Select]:
    """Every interactive item, in document order: row items, section buttons, all group buttons.

    This order defines the ``index`` given to the :func:`build_layout` callbacks. Navigation
    buttons of a group are the engine's, not the layout's, and are not included.
    """
    for node in nodes:
        if isinstance(node, Container):
            yield from iter_items(node.children)
        elif isinstance(node, Section):
            if isinstance(node.accessory, Button):
                yield node.accessory
        elif isinstance(node, ActionRow):
            yield from node.items
        elif isinstance(node, ButtonGroup):
            yield from node.buttons


def _group_rows(group: ButtonGroup) -> int:
    """Components a group adds at its fullest page: page rows and buttons, plus a nav row of two."""
    widest = min(len(group.buttons), max(1, group.per_page))
    return math.ceil(widest / MAX_BUTTONS_PER_ROW) + widest + 3


def component_count(nodes: Sequence[LayoutNode]) -> int:
    """Components Discord counts for this layout (nested ones included; a group at its fullest
    page, counting a navigation row of two buttons)."""
    total = 0
    for node in nodes:
        if isinstance(node, Container):
            total += 1 + component_count(node.children)
        elif isinstance(node, Section):
            total += 2 + len(node.texts)
        elif isinstance(node, ActionRow):
            total += 1 + len(node.items)
        elif isinstance(node, ButtonGroup):
            total += _group_rows(node)
        else:
            total += 1
    return total


def _text_of(value: str | Text) -> str:
    return value.content if isinstance(value, Text) else value


def _texts(nodes: Sequence[LayoutNode]) -> Iterator[str]:
    for node in nodes:
        if isinstance(node, Text):
            yield node.content
        elif isinstance(node, Section):
            yield from (_text_of(t) for t in node.texts if isinstance(t, str | Text))
        elif isinstance(node, Container):
            yield from _texts(node.children)


# ---------------------------------------------------------------------------------------- limits


def layout_problems(nodes: Sequence[LayoutNode]) -> list[str]:
    """Check a layout against Discord's Components v2 limits; return readable problems.

    Each problem names the node by its path, e.g. ``layout[1].children[0] (Section): ...``.
    Checked: at least one node; at most 40 components in all (nested ones counted); at most 4000
    characters of text in all, no empty text; containers hold 1+ children and no container or
    thumbnail; sections hold 1-3 texts and a button or thumbnail accessory; action rows hold 1-5
    buttons or exactly one select; galleries hold 1-10 items; media urls are ``https://``,
    ``http://`` or ``attachment://`` (a file's only ``attachment://``) with descriptions of at most
    1024 characters; thumbnails only as section accessories; buttons and selects only in rows,
    sections and groups; a valid accent colour and separator spacing; button groups with buttons,
    ``per_page >= 1`` and a valid id, at most one group; each button's label, link and trigger/action; each select's
    :func:`~flowfsm.define.selects.select_problems`; no two items or groups sharing an id. An empty list
    means fine.
    """
    problems: list[str] = []
    nodes = tuple(nodes)
    if not nodes:
        problems.append("layout: a layout needs at least one component")
    for index, node in enumerate(nodes):
        _check_node(node, f"layout[{index}]", problems, in_container=False)
    count = component_count(nodes)
    if count > MAX_COMPONENTS:
        problems.append(f"layout: {count} components; Discord allows {MAX_COMPONENTS} (nested ones count)")
    text = sum(len(t) for t in _texts(nodes) if isinstance(t, str))
    if text > MAX_TEXT:
        problems.append(f"layout: {text} characters of text in all; Discord allows {MAX_TEXT}")
    groups = list(_groups(nodes))
    if len(groups) > 1:
        problems.append(
            f"layout: {len(groups)} button groups; a layout has at most one (it has one page number)"
        )
    seen: set[str] = set()
    keyed = [*iter_items(nodes), *groups]
    for entry in keyed:
        key = getattr(entry, "id", None)
        if key is None:
            continue
        if key in seen:
            problems.append(f"layout: two items or groups share the id {key!r}")
        seen.add(key)
    return problems


def _groups(nodes: Sequence[LayoutNode]) -> Iterator[ButtonGroup]:
    for node in nodes:
        if isinstance(node, ButtonGroup):
            yield node
        elif isinstance(node, Container):
            yield from _groups(node.children)


def _check_node(node: object, path: str, problems: list[str], *, in_container: bool) -> None:
    where = f"{path} ({type(node).__name__})"

    def add(message: str) -> None:
        problems.append(f"{where}: {message}")

    if isinstance(node, Button) or isinstance(node, SELECT_TYPES):
        add("put buttons and selects in an ActionRow, a Section accessory or a ButtonGroup")
        return
    if isinstance(node, Thumbnail):
        add("a thumbnail can only be a Section accessory; use MediaGallery([url]) for an image on its own")
        _check_media(node.url, node.description, add)
        return
    if not isinstance(node, _TOP_TYPES):
        kinds = "Text, Section, Container, Separator, MediaGallery, File, ActionRow, ButtonGroup"
        add(f"not a layout node (use {kinds})")
        return
    if isinstance(node, Text):
        if not isinstance(node.content, str) or not node.content:
            add("a text needs some content")
    elif isinstance(node, Section):
        _check_section(node, add)
    elif isinstance(node, Container):
        if in_container:
            add("containers cannot be nested")
        if not node.children:
            add("a container needs at least one child")
        if node.accent_color is not None:
            try:
                hikari.Color.of(node.accent_color)
            except (TypeError, ValueError) as exc:
                add(f"accent_color {node.accent_color!r} is not a colour ({exc})")
        for index, child in enumerate(node.children):
            _check_node(child, f"{path}.children[{index}]", problems, in_container=True)
    elif isinstance(node, Separator):
        if not isinstance(node.spacing, hikari.SpacingType):
            add(f"spacing {node.spacing!r} is not a hikari.SpacingType (SMALL or LARGE)")
    elif isinstance(node, MediaGallery):
        if not 1 <= len(node.items) <= MAX_GALLERY_ITEMS:
            add(f"a media gallery has {len(node.items)} items; Discord allows 1-{MAX_GALLERY_ITEMS}")
        for index, item in enumerate(node.media):
            if not isinstance(item, MediaItem):
                add(f"item #{index} is a {type(item).__name__}; use a url str or MediaItem")
                continue
            _check_media(item.url, item.description, _prefixed(add, f"item #{index}: "))
    elif isinstance(node, File):
        if (
            not isinstance(node.url, str)
            or not node.url.startswith("attachment://")
            or node.url == "attachment://"
        ):
            add(f"a file url is 'attachment://<filename>' of a file sent with the message, got {node.url!r}")
        else:
            for problem in media_url_problems(node.url, None):
                add(problem)
    elif isinstance(node, ActionRow):
        _check_row(node, add)
    elif isinstance(node, ButtonGroup):
        if not node.buttons:
            add("a button group needs at least one button")
        if not isinstance(node.per_page, int) or node.per_page < 1:
            add(f"per_page is {node.per_page!r}; it must be at least 1")
        if not isinstance(node.id, str) or not valid_item_id(node.id):
            add(f"group id {node.id!r}: 1-40 letters, digits, '_', '.' or '-' and not only digits")
        for index, button in enumerate(node.buttons):
            _check_item(button, _prefixed(add, f"button #{index}: "), allow_select=False)


def _check_section(node: Section, add: Callable[[str], None]) -> None:
    if not 1 <= len(node.texts) <= MAX_SECTION_TEXTS:
        add(f"a section holds 1-{MAX_SECTION_TEXTS} texts, got {len(node.texts)}")
    for index, text in enumerate(node.texts):
        if not isinstance(text, str | Text):
            add(f"text #{index} is a {type(text).__name__}; use a str or Text")
        elif not _text_of(text):
            add(f"text #{index} is empty")
    if isinstance(node.accessory, Thumbnail):
        _check_media(node.accessory.url, node.accessory.description, _prefixed(add, "thumbnail: "))
    elif isinstance(node.accessory, Button):
        _check_item(node.accessory, _prefixed(add, "accessory: "), allow_select=False)
    else:
        add(f"the accessory must be a Button or a Thumbnail, got {type(node.accessory).__name__}")


def _check_row(node: ActionRow, add: Callable[[str], None]) -> None:
    items = node.items
    selects = [i for i in items if isinstance(i, SELECT_TYPES)]
    if not items:
        add("an action row needs 1-5 buttons or one select")
    elif selects and len(items) > 1:
        add(f"a select fills its action row alone; this row has {len(items)} items")
    elif len(items) > MAX_BUTTONS_PER_ROW:
        add(f"an action row holds at most {MAX_BUTTONS_PER_ROW} buttons, got {len(items)}")
    for index, item in enumerate(items):
        describe = getattr(item, "describe", None)
        name = describe() if callable(describe) else f"#{index}"
        _check_item(item, _prefixed(add, f"item {name!r}: "), allow_select=True)


def _prefixed(add: Callable[[str], None], prefix: str) -> Callable[[str], None]:
    def add_prefixed(message: str) -> None:
        add(prefix + message)

    return add_prefixed


def _check_media(url: object, description: object, add: Callable[[str], None]) -> None:
    if not isinstance(url, str) or not url.startswith(_MEDIA_SCHEMES):
        add(f"media url must start with https://, http:// or attachment://, got {url!r}")
    if isinstance(description, str) and len(description) > MAX_MEDIA_DESCRIPTION:
        add(f"description is {len(description)} characters; Discord allows {MAX_MEDIA_DESCRIPTION}")
    if isinstance(url, str):
        for problem in media_url_problems(url, description if isinstance(description, str) else None):
            add(problem)


def _check_item(item: object, add: Callable[[str], None], *, allow_select: bool) -> None:
    for problem in item_limit_problems(item):
        add(problem)
    if isinstance(item, SELECT_TYPES):
        if not allow_select:
            add("a select cannot go here; put it alone in an ActionRow")
            return
        for problem in select_problems(cast(Select, item)):
            add(problem)
        return
    if not isinstance(item, Button):
        add(f"{type(item).__name__} is not a Button or a select")
        return
    if not item.label and item.emoji is None:
        add("a button needs a label or an emoji")
    if item.label is not None and len(item.label) > MAX_BUTTON_LABEL:
        add(f"label is {len(item.label)} characters; Discord allows {MAX_BUTTON_LABEL}")
    if item.id is not None and not valid_item_id(item.id):
        add(f"id {item.id!r}: an item id is 1-40 letters, digits, '_', '.' or '-' and not only digits")
    if item.url is not None:
        if item.trigger is not None or item.action is not None:
            add("a link button cannot also have a trigger or an action")
        if not item.url.startswith(_LINK_SCHEMES):
            add(f"link url must start with one of {', '.join(_LINK_SCHEMES)}")
        return
    if item.trigger is not None and item.action is not None:
        add("give a button a trigger or an action, not both")
    elif not item.fires and not item.disabled:
        add("a button needs a trigger, an action, a modal or a url (or disabled=True)")
    if item.style in (hikari.ButtonStyle.LINK, hikari.ButtonStyle.PREMIUM):
        add("style LINK needs url=...; PREMIUM buttons are not supported")


# ---------------------------------------------------------------------------------------- building


def button_builder(
    button: Button, custom_id: str | None, *, disabled: bool = False
) -> hikari.api.ButtonBuilder:
    """A hikari builder for ``button``: a link button when it has a url, else interactive with ``custom_id``.

    ``disabled=True`` greys it out whatever ``button.disabled`` says (an expired menu); link
    buttons keep their own setting and need no custom id.
    """
    emoji: Any = button.emoji if button.emoji is not None else hikari.UNDEFINED
    label = button.label if button.label else hikari.UNDEFINED
    if button.url is not None:
        return LinkButtonBuilder(url=button.url, label=label, emoji=emoji, is_disabled=button.disabled)
    if custom_id is None:
        raise ValueError(f"button {button.describe()!r} needs a custom id")
    return InteractiveButtonBuilder(
        style=button.style,
        custom_id=custom_id,
        label=label,
        emoji=emoji,
        is_disabled=button.disabled or disabled,
    )


def _media(url: str) -> hikari.files.Resource[Any]:
    """A resource hikari sends as a plain url and never tries to upload (also for ``attachment://``)."""
    return hikari.URL(url)


def build_layout(
    nodes: Sequence[LayoutNode],
    *,
    button: ButtonFactory,
    select: SelectFactory,
    group_page: GroupPager,
    where: str = "layout",
) -> list[hikari.api.ComponentBuilder]:
    """Turn layout nodes into hikari's Components v2 builders (top-level components, in order).

    The engine supplies the interactive parts: ``button(button, index)`` and ``select(select,
    index)`` return builders carrying the custom ids it computes (``index`` is the item's position
    in :func:`iter_items` order; ``None`` for navigation buttons); ``group_page(group)`` says which
    page of a :class:`ButtonGroup` to show and gives the navigation buttons, put in a row of their
    own under the page's rows. Callbacks run in document order. Run :func:`layout_problems` first;
    a node that cannot be built raises :class:`ValueError` starting with ``where``.

    Send the result as ``components=`` with ``flags=hikari.MessageFlag.IS_COMPONENTS_V2`` and no
    content or embeds (hikari adds the flag itself when a top-level component is a v2 one, but not
    for a layout of action rows only).
    """
    position = 0

    def take(count: int) -> int:
        """Reserve ``count`` consecutive item indexes (document order); return the first."""
        nonlocal position
        first, position = position, position + count
        return first

    def items_row(entries: Sequence[Button | Select], first: int | None) -> MessageActionRowBuilder:
        row = MessageActionRowBuilder()
        for offset, entry in enumerate(entries):
            index = None if first is None else first + offset
            if isinstance(entry, Button):
                row.add_component(button(entry, index))
            elif isinstance(entry, SELECT_TYPES):
                if index is None:
                    raise ValueError(f"{where}: navigation items must be buttons")
                row.add_component(select(cast(Select, entry), index))
            else:
                raise ValueError(f"{where}: {type(entry).__name__} cannot go in an action row")
        return row

    def build(node: object, path: str) -> list[hikari.api.ComponentBuilder]:
        if isinstance(node, Text):
            return [TextDisplayComponentBuilder(content=node.content)]
        if isinstance(node, Section):
            accessory: hikari.api.ButtonBuilder | hikari.api.ThumbnailComponentBuilder
            if isinstance(node.accessory, Button):
                accessory = button(node.accessory, take(1))
            elif isinstance(node.accessory, Thumbnail):
                accessory = _thumbnail(node.accessory)
            else:
                raise ValueError(f"{where}: {path}: a section accessory must be a Button or a Thumbnail")
            texts = [TextDisplayComponentBuilder(content=_text_of(t)) for t in node.texts]
            return [SectionComponentBuilder(accessory=accessory, components=list(texts))]
        if isinstance(node, Container):
            color = hikari.Color.of(node.accent_color) if node.accent_color is not None else hikari.UNDEFINED
            box = ContainerComponentBuilder(accent_color=color, spoiler=node.spoiler)
            for index, child in enumerate(node.children):
                if isinstance(child, Container):
                    raise ValueError(f"{where}: {path}.children[{index}]: containers cannot be nested")
                for part in build(child, f"{path}.children[{index}]"):
                    box.add_component(cast(Any, part))
            return [box]
        if isinstance(node, Separator):
            return [SeparatorComponentBuilder(divider=node.divider, spacing=node.spacing)]
        if isinstance(node, MediaGallery):
            gallery = [
                MediaGalleryItemBuilder(
                    media=_media(m.url),
                    description=m.description if m.description is not None else hikari.UNDEFINED,
                    spoiler=m.spoiler,
                )
                for m in node.media
            ]
            return [MediaGalleryComponentBuilder(items=list(gallery))]
        if isinstance(node, File):
            return [FileComponentBuilder(file=_media(node.url), spoiler=node.spoiler)]
        if isinstance(node, ActionRow):
            return [items_row(node.items, take(len(node.items)))]
        if isinstance(node, ButtonGroup):
            start = take(len(node.buttons))
            number, nav = group_page(node)
            number = min(max(number, 0), node.pages - 1)
            shown, _, _ = node.page(number)
            first = start + number * max(1, node.per_page)
            rows: list[hikari.api.ComponentBuilder] = [
                items_row(shown[i : i + MAX_BUTTONS_PER_ROW], first + i)
                for i in range(0, len(shown), MAX_BUTTONS_PER_ROW)
            ]
            if nav:
                rows.append(items_row(list(nav), None))
            return rows
        if isinstance(node, Thumbnail):
            raise ValueError(f"{where}: {path}: a thumbnail can only be a Section accessory")
        raise ValueError(f"{where}: {path}: {type(node).__name__} is not a layout node")

    components: list[hikari.api.ComponentBuilder] = []
    for index, node in enumerate(nodes):
        components.extend(build(node, f"layout[{index}]"))
    return components


def _thumbnail(thumbnail: Thumbnail) -> ThumbnailComponentBuilder:
    description = thumbnail.description if thumbnail.description is not None else hikari.UNDEFINED
    return ThumbnailComponentBuilder(
        media=_media(thumbnail.url), description=description, spoiler=thumbnail.spoiler
    )
