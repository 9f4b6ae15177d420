"""Discord message JSON -> HTML, drawn the way the Discord client draws it.

The playground never renders flow logic: it draws the message objects the loopback Discord
server holds (``FakeDiscord.messages``) and the modal a callback asked for. Everything here is a
pure function of that JSON, so it is tested without a browser.

Covered: content (a Discord markdown subset), embeds (colour bar, author, title, description,
fields, image/thumbnail placeholders, footer), classic action rows (buttons of every style with
emoji and disabled state; string, user, role, mentionable and channel selects), Components v2
trees (text display, section with accessory, container with accent colour and spoiler, separator,
thumbnail, media gallery, file), the ephemeral marker, the deferred "thinking" placeholder and
modals (text inputs in action rows or in Components v2 labels). Images are drawn as placeholders:
the page loads nothing from the network.

Interactive elements carry ``data-custom-id`` / ``data-message-id`` / ``data-component-type``
attributes that the page's script turns into interactions.
"""

from __future__ import annotations

import datetime
import html
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

__all__ = [
    "EPHEMERAL",
    "IS_COMPONENTS_V2",
    "LOADING",
    "Directory",
    "markdown",
    "render_components",
    "render_embed",
    "render_message",
    "render_modal",
]

EPHEMERAL = 1 << 6
LOADING = 1 << 7
IS_COMPONENTS_V2 = 1 << 15

_BUTTON_STYLES = {1: "primary", 2: "secondary", 3: "success", 4: "danger", 5: "link", 6: "premium"}
_EYE = (
    '<svg class="eye" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">'
    '<path fill="currentColor" d="M12 5C5.6 5 2 12 2 12s3.6 7 10 7 10-7 10-7-3.6-7-10-7z'
    'm0 11a4 4 0 1 1 0-8 4 4 0 0 1 0 8z"/></svg>'
)
_SELECT_KINDS = {3: "string", 5: "user", 6: "role", 7: "mentionable", 8: "channel"}
_SELECT_PLACEHOLDERS = {
    3: "Make a selection",
    5: "Select a user",
    6: "Select a role",
    7: "Select a user or role",
    8: "Select a channel",
}


@dataclass(frozen=True)
class Directory:
    """The fake guild the playground pretends to be in: who and what auto-populated selects offer.

    Each entry is ``(id, name)``. Mentions in markdown (``<@id>``, ``<@&id>``, ``<#id>``) are
    drawn with these names.
    """

    users: Sequence[tuple[int, str]] = ((1001, "user1001"), (2002, "user2002"))
    roles: Sequence[tuple[int, str]] = ((3001, "Moderator"), (3002, "Member"))
    channels: Sequence[tuple[int, str]] = ((222, "general"), (223, "announcements"))

    def name(self, kind: str, snowflake: int) -> str:
        """The display name of a user, role or channel id (the id itself when unknown)."""
        pool = {"user": self.users, "role": self.roles, "channel": self.channels}[kind]
        return next((name for ident, name in pool if ident == snowflake), str(snowflake))


DEFAULT_DIRECTORY = Directory()


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _colour(value: object) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 0xFFFFFF:
        return f"#{value:06x}"
    return None


# -- markdown -------------------------------------------------------------------------------------------


_INLINE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\*\*(.+?)\*\*", re.S), r"<strong>\1</strong>"),
    (re.compile(r"__(.+?)__", re.S), r"<u>\1</u>"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", re.S), r"<em>\1</em>"),
    (re.compile(r"(?<![\w_])_(?!\s)(.+?)(?<!\s)_(?![\w_])", re.S), r"<em>\1</em>"),
    (re.compile(r"~~(.+?)~~", re.S), r"<s>\1</s>"),
    (re.compile(r"\|\|(.+?)\|\|", re.S), r'<span class="md-spoiler">\1</span>'),
]
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^\s)]+)\)")
_MENTION = re.compile(r"&lt;(@!?|@&amp;|#)(\d+)&gt;")
_CUSTOM_EMOJI = re.compile(r"&lt;a?:(\w+):\d+&gt;")
_TIMESTAMP = re.compile(r"&lt;t:(-?\d+)(?::([tTdDfFR]))?&gt;")
_FENCE = re.compile(r"```(?:[\w+-]*\n)?(.*?)```", re.S)
_CODE = re.compile(r"`([^`\n]+)`")


def _timestamp(match: re.Match[str]) -> str:
    try:
        moment = datetime.datetime.fromtimestamp(int(match[1]), datetime.UTC)
    except (OverflowError, OSError, ValueError):
        return match[0]
    style = match[2] or "f"
    shapes = {"t": "%H:%M", "T": "%H:%M:%S", "d": "%d/%m/%Y", "D": "%d %B %Y"}
    text = moment.strftime(shapes.get(style, "%d %B %Y %H:%M"))
    return f'<span class="md-time" title="{_e(moment.isoformat())}">{_e(text)}</span>'


def markdown(text: str, directory: Directory = DEFAULT_DIRECTORY) -> str:
    """Discord markdown (a useful subset) -> HTML; the input is escaped first, so it is safe.

    Supported: ``**bold**``, ``*italic*``/``_italic_``, ``__underline__``, ``~~strike~~``,
    ``||spoiler||``, inline and fenced code, ``# headings`` (1-3), ``-# subtext``, ``> quotes``,
    ``- lists``, masked links to http(s), user/role/channel mentions, custom emoji, ``<t:…>`` times.
    """
    stash: list[str] = []

    def keep(fragment: str) -> str:
        stash.append(fragment)
        return f"\x00{len(stash) - 1}\x00"

    text = _FENCE.sub(
        lambda m: keep(f'<pre class="md-pre"><code>{_e(m[1].rstrip(chr(10)))}</code></pre>'), text
    )
    text = _CODE.sub(lambda m: keep(f'<code class="md-code">{_e(m[1])}</code>'), text)
    text = html.escape(text, quote=False)
    text = _LINK.sub(
        lambda m: keep(
            f'<a class="md-link" href="{_e(html.unescape(m[2]))}" target="_blank" rel="noopener">'
            f"{_inline(m[1], directory)}</a>"
        ),
        text,
    )
    blocks: list[str] = []
    quote: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if items:
            blocks.append("<ul class='md-list'>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
            items.clear()
        if quote:
            blocks.append(f'<blockquote class="md-quote">{"<br>".join(quote)}</blockquote>')
            quote.clear()

    for line in text.split("\n"):
        heading = re.match(r"(#{1,3}) (.+)", line)
        if line.startswith("&gt; ") or line == "&gt;":
            if items:
                flush()
            quote.append(_inline(line[5:], directory))
            continue
        if re.match(r"\s*[-*] ", line) and not line.startswith("-# "):
            if quote:
                flush()
            items.append(_inline(line.split(" ", 1)[1] if line.strip() else "", directory))
            continue
        flush()
        if heading:
            level = len(heading[1])
            blocks.append(f'<h{level} class="md-h{level}">{_inline(heading[2], directory)}</h{level}>')
        elif line.startswith("-# "):
            blocks.append(f'<div class="md-subtext">{_inline(line[3:], directory)}</div>')
        else:
            blocks.append(f'<div class="md-line">{_inline(line, directory) or "&#8203;"}</div>')
    flush()
    out = "".join(blocks)
    while "\x00" in out:
        out = re.sub(r"\x00(\d+)\x00", lambda m: stash[int(m[1])], out)
    return out


def _inline(text: str, directory: Directory) -> str:
    for pattern, replacement in _INLINE:
        text = pattern.sub(replacement, text)

    def mention(m: re.Match[str]) -> str:
        sigil, ident = m[1], int(m[2])
        kind, prefix = {
            "@": ("user", "@"),
            "@!": ("user", "@"),
            "@&amp;": ("role", "@"),
            "#": ("channel", "#"),
        }[sigil]
        return f'<span class="md-mention">{prefix}{_e(directory.name(kind, ident))}</span>'

    text = _MENTION.sub(mention, text)
    text = _CUSTOM_EMOJI.sub(lambda m: f'<span class="emoji custom">:{m[1]}:</span>', text)
    return _TIMESTAMP.sub(_timestamp, text)


# -- pieces ---------------------------------------------------------------------------------------------


def _emoji(emoji: Mapping[str, Any] | None) -> str:
    if not emoji:
        return ""
    if emoji.get("id"):
        name = _e(emoji.get("name") or "emoji")
        return f'<span class="emoji custom" title=":{name}:">:{name}:</span>'
    return f'<span class="emoji">{_e(emoji.get("name") or "")}</span>'


def _media_placeholder(url: str | None, description: str | None = None, *, kind: str = "image") -> str:
    """A box standing for an image: the page loads nothing from the network."""
    name = ""
    if url:
        parsed = urlparse(url)
        name = (
            url.removeprefix("attachment://")
            if url.startswith("attachment://")
            else (parsed.path.rsplit("/", 1)[-1] or parsed.netloc)
        )
    label = description or name or kind
    return (
        f'<div class="media media-{kind}" title="{_e(url or "")}">'
        f'<span class="media-icon">🖼</span><span class="media-name">{_e(label)}</span></div>'
    )


def _attrs(**values: object) -> str:
    parts = []
    for key, value in values.items():
        if value is None or value is False:
            continue
        name = key.rstrip("_").replace("_", "-")
        parts.append(name if value is True else f'{name}="{_e(value)}"')
    return (" " + " ".join(parts)) if parts else ""


# -- embeds ---------------------------------------------------------------------------------------------


def render_embed(embed: Mapping[str, Any], directory: Directory = DEFAULT_DIRECTORY) -> str:
    """One rich embed: colour bar, author, title (linked when it has a url), description, fields,
    thumbnail and image placeholders, footer with timestamp."""
    colour = _colour(embed.get("color"))
    style = f' style="border-left-color:{colour}"' if colour else ""
    parts: list[str] = []
    author = embed.get("author") or {}
    if author.get("name"):
        parts.append(f'<div class="embed-author">{_e(author["name"])}</div>')
    if embed.get("title"):
        title = _inline(html.escape(str(embed["title"]), quote=False), directory)
        if embed.get("url"):
            title = f'<a href="{_e(embed["url"])}" target="_blank" rel="noopener">{title}</a>'
        parts.append(f'<div class="embed-title">{title}</div>')
    if embed.get("description"):
        parts.append(f'<div class="embed-description">{markdown(str(embed["description"]), directory)}</div>')
    fields = embed.get("fields") or []
    if fields:
        cells = []
        for f in fields:
            inline = " inline" if f.get("inline") else ""
            cells.append(
                f'<div class="embed-field{inline}"><div class="embed-field-name">'
                f"{_inline(html.escape(str(f.get('name', '')), quote=False), directory)}</div>"
                f'<div class="embed-field-value">{markdown(str(f.get("value", "")), directory)}</div></div>'
            )
        parts.append(f'<div class="embed-fields">{"".join(cells)}</div>')
    image = (embed.get("image") or {}).get("url")
    if image:
        parts.append(_media_placeholder(image, kind="image"))
    footer = (embed.get("footer") or {}).get("text")
    stamp = embed.get("timestamp")
    if footer or stamp:
        bits = [_e(footer)] if footer else []
        if stamp:
            bits.append(_e(str(stamp)[:16].replace("T", " ")))
        parts.append(f'<div class="embed-footer">{" • ".join(bits)}</div>')
    thumb = (embed.get("thumbnail") or {}).get("url")
    thumb_html = _media_placeholder(thumb, kind="thumbnail") if thumb else ""
    return f'<div class="embed"{style}><div class="embed-body">{"".join(parts)}</div>{thumb_html}</div>'


# -- components -----------------------------------------------------------------------------------------


@dataclass
class _Ctx:
    message_id: str
    directory: Directory
    disabled: bool = False
    attachments: Mapping[str, Any] = field(default_factory=dict)


def _button(node: Mapping[str, Any], ctx: _Ctx) -> str:
    style = _BUTTON_STYLES.get(int(node.get("style") or 2), "secondary")
    disabled = bool(node.get("disabled")) or ctx.disabled
    inner = _emoji(node.get("emoji")) + (
        f'<span class="label">{_e(node["label"])}</span>' if node.get("label") else ""
    )
    if style == "link":
        arrow = '<span class="link-arrow" aria-hidden="true">↗</span>'
        if disabled:
            return f'<button class="btn btn-link" type="button" disabled>{inner}{arrow}</button>'
        return (
            f'<a class="btn btn-link" href="{_e(node.get("url", ""))}" target="_blank" rel="noopener"'
            f' title="{_e(node.get("url", ""))}">{inner}{arrow}</a>'
        )
    attrs = _attrs(
        data_custom_id=node.get("custom_id"),
        data_message_id=ctx.message_id,
        data_component_type=2,
        disabled=disabled,
    )
    return f'<button class="btn btn-{style}" type="button"{attrs}>{inner}</button>'


def _select_options(
    node: Mapping[str, Any], ctx: _Ctx
) -> list[tuple[str, str, str, Mapping[str, Any] | None, bool]]:
    """``(value, label, description, emoji, default)`` for each option the select offers."""
    kind = int(node.get("type") or 3)
    if kind == 3:
        return [
            (
                str(o.get("value", "")),
                str(o.get("label", "")),
                str(o.get("description") or ""),
                o.get("emoji"),
                bool(o.get("default")),
            )
            for o in node.get("options") or []
        ]
    defaults = {str(v.get("id")) for v in node.get("default_values") or []}
    d = ctx.directory
    pool: list[tuple[str, str, str]] = []
    if kind in (5, 7):
        pool += [(str(i), f"@{n}", "user") for i, n in d.users]
    if kind in (6, 7):
        pool += [(str(i), f"@{n}", "role") for i, n in d.roles]
    if kind == 8:
        pool += [(str(i), f"#{n}", "channel") for i, n in d.channels]
    return [(value, label, kind_name, None, value in defaults) for value, label, kind_name in pool]


def _select(node: Mapping[str, Any], ctx: _Ctx) -> str:
    kind = int(node.get("type") or 3)
    minimum = int(node.get("min_values") or 0) if node.get("min_values") is not None else 1
    maximum = int(node.get("max_values") or 1)
    disabled = bool(node.get("disabled")) or ctx.disabled
    options = _select_options(node, ctx)
    chosen = [label for _, label, _, _, default in options if default]
    placeholder = str(node.get("placeholder") or _SELECT_PLACEHOLDERS.get(kind, "Make a selection"))
    shown = _e(", ".join(chosen)) if chosen else f'<span class="placeholder">{_e(placeholder)}</span>'
    input_type = "radio" if maximum == 1 else "checkbox"
    group = _e(f"{ctx.message_id}:{node.get('custom_id', '')}")
    rows = []
    for value, label, description, emoji, default in options:
        desc = f'<span class="option-description">{_e(description)}</span>' if description else ""
        rows.append(
            f'<label class="select-option"><input type="{input_type}" name="{group}" value="{_e(value)}"'
            f'{" checked" if default else ""}>{_emoji(emoji)}<span class="option-text">'
            f'<span class="option-label">{_e(label)}</span>{desc}</span></label>'
        )
    attrs = _attrs(
        data_custom_id=node.get("custom_id"),
        data_message_id=ctx.message_id,
        data_component_type=kind,
        data_min=minimum,
        data_max=maximum,
        data_kind=_SELECT_KINDS.get(kind, "string"),
    )
    limits = "" if maximum == 1 else f'<div class="select-limits">choose {minimum} to {maximum}</div>'
    return (
        f'<div class="select"{attrs}>'
        f'<button class="select-toggle" type="button"{" disabled" if disabled else ""}>'
        f'<span class="select-value">{shown}</span><span class="chevron">⌄</span></button>'
        f'<div class="select-menu" hidden>{"".join(rows)}{limits}'
        f'<button class="btn btn-primary select-done" type="button">Select</button></div></div>'
    )


def _text_display(node: Mapping[str, Any], ctx: _Ctx) -> str:
    return f'<div class="v2-text">{markdown(str(node.get("content", "")), ctx.directory)}</div>'


def _section(node: Mapping[str, Any], ctx: _Ctx) -> str:
    body = "".join(_node(child, ctx) for child in node.get("components") or [])
    accessory = node.get("accessory")
    side = f'<div class="v2-accessory">{_node(accessory, ctx)}</div>' if accessory else ""
    return f'<div class="v2-section"><div class="v2-section-body">{body}</div>{side}</div>'


def _container(node: Mapping[str, Any], ctx: _Ctx) -> str:
    colour = _colour(node.get("accent_color"))
    style = f' style="border-left-color:{colour}"' if colour else ""
    accent = " accent" if colour else ""
    spoiler = " spoiler" if node.get("spoiler") else ""
    body = "".join(_node(child, ctx) for child in node.get("components") or [])
    return f'<div class="v2-container{accent}{spoiler}"{style}>{body}</div>'


def _separator(node: Mapping[str, Any], ctx: _Ctx) -> str:
    size = "large" if int(node.get("spacing") or 1) == 2 else "small"
    line = '<hr class="v2-divider">' if node.get("divider", True) else ""
    return f'<div class="v2-separator {size}">{line}</div>'


def _thumbnail(node: Mapping[str, Any], ctx: _Ctx) -> str:
    media = node.get("media") or {}
    box = _media_placeholder(media.get("url"), node.get("description"), kind="thumbnail")
    return f'<div class="v2-thumbnail{" spoiler" if node.get("spoiler") else ""}">{box}</div>'


def _gallery(node: Mapping[str, Any], ctx: _Ctx) -> str:
    items = node.get("items") or []
    cells = "".join(
        f'<div class="v2-gallery-item{" spoiler" if item.get("spoiler") else ""}">'
        f"{_media_placeholder((item.get('media') or {}).get('url'), item.get('description'))}</div>"
        for item in items
    )
    return f'<div class="v2-gallery n{min(len(items), 4)}">{cells}</div>'


def _file(node: Mapping[str, Any], ctx: _Ctx) -> str:
    url = str((node.get("file") or {}).get("url") or "")
    name = url.removeprefix("attachment://") if url.startswith("attachment://") else url.rsplit("/", 1)[-1]
    attachment = ctx.attachments.get(name) or {}
    size = attachment.get("size")
    size_text = f'<span class="file-size">{_e(_human_size(int(size)))}</span>' if size is not None else ""
    return (
        f'<div class="v2-file{" spoiler" if node.get("spoiler") else ""}"><span class="file-icon">📄</span>'
        f'<span class="file-name">{_e(name or "file")}</span>{size_text}</div>'
    )


def _human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.2f} KB"
    return f"{size / (1024 * 1024):.2f} MB"


def _row(node: Mapping[str, Any], ctx: _Ctx) -> str:
    children = "".join(_node(child, ctx) for child in node.get("components") or [])
    return f'<div class="action-row">{children}</div>'


def _text_input(
    node: Mapping[str, Any], ctx: _Ctx, label: str | None = None, description: str | None = None
) -> str:
    label = label if label is not None else str(node.get("label") or "")
    required = node.get("required", True)
    star = '<span class="required">*</span>' if required else ""
    attrs = _attrs(
        name=node.get("custom_id"),
        placeholder=node.get("placeholder"),
        minlength=node.get("min_length"),
        maxlength=node.get("max_length"),
        required=bool(required),
        data_custom_id=node.get("custom_id"),
    )
    value = str(node.get("value") or "")
    if int(node.get("style") or 1) == 2:
        field_html = f'<textarea class="text-input" rows="4"{attrs}>{_e(value)}</textarea>'
    else:
        field_html = f'<input class="text-input" type="text" value="{_e(value)}"{attrs}>'
    desc = f'<div class="field-description">{_e(description)}</div>' if description else ""
    return (
        f'<label class="modal-field"><span class="field-label">{_e(label.upper())}{star}</span>'
        f"{desc}{field_html}</label>"
    )


def _label(node: Mapping[str, Any], ctx: _Ctx) -> str:
    inner = node.get("component") or {}
    if int(inner.get("type") or 0) == 4:
        return _text_input(inner, ctx, str(node.get("label") or ""), node.get("description"))
    desc = (
        f'<div class="field-description">{_e(node["description"])}</div>' if node.get("description") else ""
    )
    return (
        f'<div class="modal-field"><span class="field-label">{_e(str(node.get("label") or "").upper())}'
        f"</span>{desc}{_node(inner, ctx)}</div>"
    )


_RENDERERS: dict[int, Callable[[Mapping[str, Any], _Ctx], str]] = {
    1: _row,
    2: _button,
    3: _select,
    4: _text_input,
    5: _select,
    6: _select,
    7: _select,
    8: _select,
    9: _section,
    10: _text_display,
    11: _thumbnail,
    12: _gallery,
    13: _file,
    14: _separator,
    17: _container,
    18: _label,
}


def _node(node: Mapping[str, Any], ctx: _Ctx) -> str:
    kind = int(node.get("type") or 0)
    renderer = _RENDERERS.get(kind)
    if renderer is None:
        return f'<div class="unknown-component">component type {kind}</div>'
    return renderer(node, ctx)


def render_components(
    components: Iterable[Mapping[str, Any]],
    *,
    message_id: str = "",
    directory: Directory = DEFAULT_DIRECTORY,
    disabled: bool = False,
    attachments: Iterable[Mapping[str, Any]] = (),
) -> str:
    """A message's component tree (classic action rows or a Components v2 layout)."""
    files = {str(a.get("filename")): a for a in attachments}
    ctx = _Ctx(message_id, directory, disabled, files)
    return "".join(_node(node, ctx) for node in components)


# -- whole message and modal ----------------------------------------------------------------------------


def _clock(timestamp: str | None) -> str:
    if not timestamp:
        return ""
    try:
        moment = datetime.datetime.fromisoformat(timestamp)
    except ValueError:
        return ""
    return moment.strftime("Today at %H:%M")


def render_message(
    msg: Mapping[str, Any],
    *,
    directory: Directory = DEFAULT_DIRECTORY,
    invoked_by: str | None = None,
    command: str | None = None,
    seen_by: str | None = None,
) -> str:
    """One message as Discord draws it.

    Args:
        msg: the message object (as ``GET /channels/{c}/messages/{m}`` returns it).
        directory: names for mentions and auto-populated selects.
        invoked_by: name of the user whose slash command produced the message.
        command: that command's name (drawn as "user used /command").
        seen_by: for an ephemeral message, who sees it.
    """
    flags = int(msg.get("flags") or 0)
    message_id = str(msg.get("id", ""))
    author = msg.get("author") or {}
    name = str(author.get("global_name") or author.get("username") or "unknown")
    classes = ["message"]
    if flags & EPHEMERAL:
        classes.append("ephemeral")
    parts: list[str] = []
    if invoked_by and command:
        parts.append(
            f'<div class="reply-line"><span class="reply-user">{_e(invoked_by)}</span> used '
            f'<span class="reply-command">/{_e(command)}</span></div>'
        )
    bot_tag = '<span class="bot-tag">APP</span>' if author.get("bot") else ""
    parts.append(
        f'<div class="message-main"><div class="avatar" aria-hidden="true">{_e(name[:1].upper())}</div>'
        f'<div class="message-body"><div class="message-header"><span class="author">{_e(name)}</span>'
        f"{bot_tag}"
        f'<span class="time">{_e(_clock(msg.get("timestamp")))}</span></div>'
    )
    if flags & LOADING:
        parts.append(f'<div class="thinking">{_e(name)} is thinking<span class="dots">…</span></div>')
    if msg.get("content") and not flags & IS_COMPONENTS_V2:
        parts.append(f'<div class="content">{markdown(str(msg["content"]), directory)}</div>')
    if not flags & IS_COMPONENTS_V2:
        for embed in msg.get("embeds") or []:
            parts.append(render_embed(embed, directory))
    components = msg.get("components") or []
    if components:
        tree = render_components(
            components, message_id=message_id, directory=directory, attachments=msg.get("attachments") or ()
        )
        layout = "v2" if flags & IS_COMPONENTS_V2 else "classic"
        parts.append(f'<div class="components {layout}">{tree}</div>')
    attachments = msg.get("attachments") or []
    if attachments and not flags & IS_COMPONENTS_V2:
        for a in attachments:
            parts.append(
                _file(
                    {"file": {"url": f"attachment://{a.get('filename', 'file')}"}},
                    _Ctx(message_id, directory, attachments={str(a.get("filename")): a}),
                )
            )
    if flags & EPHEMERAL:
        who = f" · shown to {_e(seen_by)}" if seen_by else ""
        parts.append(
            f'<div class="ephemeral-note">{_EYE}'
            f'Only you can see this{who} · <span class="dismiss">Dismiss message</span></div>'
        )
    parts.append("</div></div>")
    return f'<div class="{" ".join(classes)}" data-message-id="{_e(message_id)}">{"".join(parts)}</div>'


def render_modal(data: Mapping[str, Any], *, directory: Directory = DEFAULT_DIRECTORY) -> str:
    """A modal (the ``data`` of an interaction callback of type 9) as a dialog with a form.

    Text inputs come in action rows (type 1) or Components v2 labels (type 18); text displays
    (type 10) are drawn too. The form's ``data-custom-id`` is the modal's custom id.
    """
    ctx = _Ctx("", directory)
    fields = "".join(_node(node, ctx) for node in data.get("components") or [])
    return (
        f'<div class="modal-backdrop"><form class="modal" data-custom-id="{_e(data.get("custom_id", ""))}">'
        f'<div class="modal-header"><span class="modal-title">{_e(data.get("title", ""))}</span>'
        f'<button class="modal-close" type="button" aria-label="Close">✕</button></div>'
        f'<div class="modal-body">{fields}</div>'
        f'<div class="modal-footer"><button class="btn btn-text modal-cancel" type="button">Cancel</button>'
        f'<button class="btn btn-primary modal-submit" type="submit">Submit</button></div></form></div>'
    )
