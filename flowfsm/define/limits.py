"""Discord's limits on embeds, urls and emoji: checks shared by classic screens and layouts.

Each function returns readable problems (an empty list means fine) so that the renderer can
raise one :class:`~flowfsm.errors.RenderError` naming the flow, state and item. The figures are
those of Discord's API reference (API v10): a message over any of them earns a 400 "Invalid Form
Body" *after* the step has committed, so they are checked before anything is sent.
"""

from __future__ import annotations

from collections.abc import Sequence

import hikari

from flowfsm.define.screen import Button
from flowfsm.define.selects import TextSelect

__all__ = [
    "MAX_EMBED_AUTHOR",
    "MAX_EMBED_DESCRIPTION",
    "MAX_EMBED_FIELDS",
    "MAX_EMBED_FIELD_NAME",
    "MAX_EMBED_FIELD_VALUE",
    "MAX_EMBED_FOOTER",
    "MAX_EMBED_TITLE",
    "MAX_EMBED_TOTAL",
    "MAX_EMOJI_NAME",
    "MAX_LINK_URL",
    "MAX_MEDIA_URL",
    "embed_problems",
    "emoji_problems",
    "item_limit_problems",
    "link_url_problems",
    "media_url_problems",
]

MAX_EMBED_TITLE = 256
MAX_EMBED_DESCRIPTION = 4096
MAX_EMBED_FIELDS = 25
MAX_EMBED_FIELD_NAME = 256
MAX_EMBED_FIELD_VALUE = 1024
MAX_EMBED_FOOTER = 2048
MAX_EMBED_AUTHOR = 256
MAX_EMBED_TOTAL = 6000
"""Characters of titles, descriptions, field names and values, footers and author names of all
the embeds of one message together."""
MAX_LINK_URL = 512
"""Characters of a link button's url."""
MAX_MEDIA_URL = 2048
"""Characters of a media gallery item's, thumbnail's or file's url."""
MAX_EMOJI_NAME = 32
"""Characters of the emoji ``name`` a component sends (a unicode emoji, or a custom emoji's name)."""


def _over(what: str, text: str | None, limit: int) -> list[str]:
    if text is not None and len(text) > limit:
        return [f"{what} is {len(text)} characters; Discord allows {limit}"]
    return []


def _embed_text(embed: hikari.Embed) -> list[tuple[str, str | None, int]]:
    """``(what, text, limit)`` of every text of ``embed`` that counts against the limits."""
    texts: list[tuple[str, str | None, int]] = [
        ("title", embed.title, MAX_EMBED_TITLE),
        ("description", embed.description, MAX_EMBED_DESCRIPTION),
        ("footer", embed.footer.text if embed.footer is not None else None, MAX_EMBED_FOOTER),
        ("author name", embed.author.name if embed.author is not None else None, MAX_EMBED_AUTHOR),
    ]
    for index, embed_field in enumerate(embed.fields):
        texts.append((f"field #{index} name", embed_field.name, MAX_EMBED_FIELD_NAME))
        texts.append((f"field #{index} value", embed_field.value, MAX_EMBED_FIELD_VALUE))
    return texts


def _embed_size(embed: hikari.Embed) -> int | None:
    """The characters ``embed`` counts towards the 6000, or ``None`` when one of its texts (or its
    field count) is over its own limit. The fast path: this runs on every render with embeds."""
    title, description, footer, author = embed.title, embed.description, embed.footer, embed.author
    size = 0
    if title is not None:
        if len(title) > MAX_EMBED_TITLE:
            return None
        size += len(title)
    if description is not None:
        if len(description) > MAX_EMBED_DESCRIPTION:
            return None
        size += len(description)
    if footer is not None and footer.text is not None:
        if len(footer.text) > MAX_EMBED_FOOTER:
            return None
        size += len(footer.text)
    if author is not None and author.name is not None:
        if len(author.name) > MAX_EMBED_AUTHOR:
            return None
        size += len(author.name)
    fields = embed.fields
    if len(fields) > MAX_EMBED_FIELDS:
        return None
    for embed_field in fields:
        name, value = embed_field.name, embed_field.value
        if len(name) > MAX_EMBED_FIELD_NAME or len(value) > MAX_EMBED_FIELD_VALUE:
            return None
        size += len(name) + len(value)
    return size


def embed_problems(embeds: Sequence[hikari.Embed]) -> list[str]:
    """Check the embeds of one message: each text's own limit, 25 fields, 6000 characters in all."""
    total = 0
    for embed in embeds:
        size = _embed_size(embed)
        if size is None:
            break
        total += size
    else:
        if total <= MAX_EMBED_TOTAL:
            return []
    problems: list[str] = []
    total = 0
    for number, embed in enumerate(embeds):
        where = f"embed #{number}: "
        if len(embed.fields) > MAX_EMBED_FIELDS:
            problems.append(f"{where}{len(embed.fields)} fields; Discord allows {MAX_EMBED_FIELDS}")
        for what, text, limit in _embed_text(embed):
            problems.extend(where + p for p in _over(what, text, limit))
            total += len(text or "")
    if total > MAX_EMBED_TOTAL:
        problems.append(
            f"the embeds hold {total} characters in all; Discord allows {MAX_EMBED_TOTAL} per message"
        )
    return problems


def link_url_problems(url: str) -> list[str]:
    """A link button's url: at most 512 characters."""
    return _over("link url", url, MAX_LINK_URL)


def media_url_problems(url: str, description: str | None) -> list[str]:
    """A media item's or thumbnail's url (at most 2048 characters) and description (1-1024)."""
    problems = _over("media url", url, MAX_MEDIA_URL)
    if description is not None and not description:
        problems.append("description is empty; give it 1-1024 characters or leave it out (None)")
    return problems


def emoji_problems(emoji: object) -> list[str]:
    """A component's emoji: the name Discord receives is at most 32 characters.

    hikari sends a custom emoji (or its id) by id, and anything else as the emoji's name: a unicode
    emoji, or the text of a string such as ``"<:party:123>"``, which Discord then reads as a name.
    """
    if emoji is None or isinstance(emoji, int) or isinstance(emoji, hikari.CustomEmoji):
        return []
    return _over("emoji name", str(emoji), MAX_EMOJI_NAME)


def item_limit_problems(item: object) -> list[str]:
    """The limits of this module that a button or a select can break: a link button's url, the
    button's emoji, the emoji of a text select's options."""
    if isinstance(item, Button):
        emoji = item.emoji
        # The common cases first (this runs for every button of every render): no emoji or a
        # short unicode one, and no url.
        if item.url is None and (emoji is None or (type(emoji) is str and len(emoji) <= MAX_EMOJI_NAME)):
            return []
        problems = emoji_problems(emoji)
        return problems + (link_url_problems(item.url) if item.url is not None else [])
    if isinstance(item, TextSelect):
        return [
            f"option {option.key!r}: {problem}"
            for option in item.choices
            for problem in emoji_problems(option.emoji)
        ]
    return []
