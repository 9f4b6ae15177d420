"""Builders of Discord-shaped JSON payloads, as Discord sends them today (API v10).

Every interaction builder returns a dict that hikari 2.7's
``entity_factory.deserialize_interaction(payload)`` turns into a real
:class:`hikari.CommandInteraction`, :class:`hikari.ComponentInteraction` or
:class:`hikari.ModalInteraction`. The same dicts are what a ``hikari.RESTBot`` receives when
they are posted to its interaction server (see :mod:`flowfsm.testing.signing`).

Guild interactions carry ``member`` (with the user inside it), DM interactions carry ``user``,
context ``1`` (BOT_DM) and a channel of type ``1`` (DM), as Discord does.

Discord gives every component of a stored message a numeric ``id``; hikari requires it when it
reads a message. :func:`assign_component_ids` fills those in the way Discord does (depth-first,
counting from 1, skipping ids already taken); :func:`message` and :func:`component_interaction`
apply it. A component interaction carries the numeric ``data.id`` of the component used, and a
user, role, mentionable or channel select carries ``data.resolved`` (:func:`resolved`); every
interaction carries ``locale``, and a guild one ``guild_locale``. :func:`message_problems` and
:func:`modal_problems` check request bodies against Discord's limits, for the loopback server.
"""

from __future__ import annotations

import copy
import datetime
import itertools
import json
import threading
import zlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

__all__ = [
    "ALL_PERMISSIONS",
    "EPHEMERAL",
    "IS_COMPONENTS_V2",
    "LOADING",
    "Ids",
    "application",
    "assign_component_ids",
    "command_interaction",
    "component_interaction",
    "guild_member",
    "invalid_form_body",
    "iso_now",
    "message",
    "message_create_event_payload",
    "message_problems",
    "modal_interaction",
    "modal_problems",
    "own_user",
    "resolved",
    "resolved_channel",
    "resolved_for",
    "role",
    "user",
]

EPHEMERAL = 1 << 6
"""Message flag: only the invoking user sees the message."""
LOADING = 1 << 7
"""Message flag: the message is a deferred "is thinking..." placeholder."""
IS_COMPONENTS_V2 = 1 << 15
"""Message flag: the message is laid out with Components v2 (no content, no embeds)."""
ALL_PERMISSIONS = (1 << 53) - 1
"""A permissions value with every permission bit set (sent as a string, as Discord does)."""

_ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


def iso_now() -> str:
    """Return the current UTC time in Discord's ISO 8601 format."""
    return datetime.datetime.now(datetime.UTC).isoformat()


class Ids:
    """A tiny thread-safe source of increasing snowflake-looking ids."""

    def __init__(self, start: int = 1_200_000_000_000_000_000) -> None:
        """Start counting at ``start`` (the first :meth:`next` returns it)."""
        self._counter: Iterator[int] = itertools.count(start)
        self._lock = threading.Lock()

    def next(self) -> int:
        """Return the next id; every call returns a larger value than the previous one."""
        with self._lock:
            return next(self._counter)


def user(user_id: int, username: str | None = None, *, bot: bool = False) -> dict[str, Any]:
    """Build a Discord user object (``username`` defaults to ``user<id>``)."""
    name = username or f"user{user_id}"
    payload: dict[str, Any] = {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
        "public_flags": 0,
    }
    if bot:
        payload["bot"] = True
    return payload


def guild_member(
    user_id: int,
    username: str | None = None,
    *,
    roles: list[int] | None = None,
    nick: str | None = None,
    permissions: int = ALL_PERMISSIONS,
    with_user: bool = True,
) -> dict[str, Any]:
    """Build an interaction guild member (``member`` of an interaction, with ``permissions``).

    ``with_user=False`` leaves the user out, as in the ``member`` of a MESSAGE_CREATE dispatch.
    """
    payload: dict[str, Any] = {
        "roles": [str(role) for role in roles or ()],
        "joined_at": "2024-01-01T00:00:00+00:00",
        "premium_since": None,
        "nick": nick,
        "avatar": None,
        "banner": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
        "communication_disabled_until": None,
        "permissions": str(permissions),
    }
    if with_user:
        payload["user"] = user(user_id, username)
    return payload


def assign_component_ids(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give every component in the tree a numeric ``id`` like Discord does, in place; return the list.

    Ids already present are kept; the rest are numbered depth-first from 1, skipping used ids.
    """
    used: set[int] = set()
    nodes: list[dict[str, Any]] = []

    def walk(node: dict[str, Any]) -> None:
        nodes.append(node)
        if isinstance(node.get("id"), int):
            used.add(node["id"])
        for child in node.get("components") or ():
            walk(child)
        for key in ("accessory", "component"):
            if isinstance(node.get(key), dict):
                walk(node[key])

    for top in components:
        walk(top)
    counter = itertools.count(1)
    for node in nodes:
        if not isinstance(node.get("id"), int):
            node["id"] = next(i for i in counter if i not in used)
    return components


def message(
    *,
    message_id: int,
    channel_id: int,
    author: dict[str, Any] | None = None,
    content: str = "",
    components: Sequence[Mapping[str, Any]] | None = None,
    embeds: Sequence[Mapping[str, Any]] | None = None,
    flags: int = 0,
    message_type: int = 0,
    application_id: int | None = None,
    guild_id: int | None = None,
    timestamp: str | None = None,
) -> dict[str, Any]:
    """Build a full Discord message object (as the REST API returns it).

    ``components`` may be hikari builder output (``builder.build()[0]``); it is copied as plain JSON.
    ``author`` defaults to a bot user with id 4242. When ``application_id`` is given the message is
    an application (interaction webhook) message: ``application_id`` and ``webhook_id`` are set.
    """
    payload: dict[str, Any] = {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "author": author or user(4242, "flowbot", bot=True),
        "content": content,
        "timestamp": timestamp or iso_now(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": json.loads(json.dumps(list(embeds or ()))),
        "components": assign_component_ids(json.loads(json.dumps(list(components or ())))),
        "pinned": False,
        "type": message_type,
        "flags": flags,
    }
    if application_id is not None:
        payload["application_id"] = str(application_id)
        payload["webhook_id"] = str(application_id)
    if guild_id is not None:
        payload["guild_id"] = str(guild_id)
    return payload


def _channel(channel_id: int, guild_id: int | None) -> dict[str, Any]:
    if guild_id is None:
        return {"id": str(channel_id), "type": 1, "flags": 0, "recipients": []}
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(guild_id),
        "name": "general",
        "position": 0,
        "flags": 0,
        "parent_id": None,
        "nsfw": False,
        "permissions": str(ALL_PERMISSIONS),
    }


def _base_interaction(
    *,
    interaction_type: int,
    interaction_id: int,
    token: str,
    user_id: int,
    guild_id: int | None,
    channel_id: int,
    application_id: int,
    locale: str,
    data: dict[str, Any],
    guild_locale: str = "en-US",
    roles: Sequence[int] = (),
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": str(interaction_id),
        "application_id": str(application_id),
        "type": interaction_type,
        "data": data,
        "channel": _channel(channel_id, guild_id),
        "channel_id": str(channel_id),
        "token": token,
        "version": 1,
        "locale": locale,
        "app_permissions": str(ALL_PERMISSIONS),
        "entitlements": [],
        "attachment_size_limit": _ATTACHMENT_SIZE_LIMIT,
    }
    if guild_id is None:
        payload["user"] = user(user_id)
        payload["context"] = 1
        payload["authorizing_integration_owners"] = {"0": "0"}
    else:
        payload["member"] = guild_member(user_id, roles=list(roles))
        payload["guild_id"] = str(guild_id)
        payload["guild"] = {"id": str(guild_id), "locale": guild_locale, "features": []}
        payload["guild_locale"] = guild_locale
        payload["context"] = 0
        payload["authorizing_integration_owners"] = {"0": str(guild_id)}
    return payload


def command_interaction(
    *,
    interaction_id: int,
    token: str,
    user_id: int,
    command_name: str,
    guild_id: int | None = 111,
    channel_id: int = 222,
    application_id: int = 4242,
    options: list[dict[str, Any]] | None = None,
    locale: str = "en-US",
    guild_locale: str = "en-US",
    command_id: int | None = None,
    command_type: int = 1,
) -> dict[str, Any]:
    """Build an APPLICATION_COMMAND (type 2) interaction; ``guild_id=None`` makes it a DM one.

    ``options`` are Discord option objects, e.g. ``{"name": "n", "type": 4, "value": 3}``.
    ``command_id`` defaults to a stable number derived from the command name.
    """
    data: dict[str, Any] = {
        "id": str(command_id if command_id is not None else 1_000_000 + zlib.crc32(command_name.encode())),
        "name": command_name,
        "type": command_type,
    }
    if options:
        data["options"] = options
    return _base_interaction(
        interaction_type=2,
        interaction_id=interaction_id,
        token=token,
        user_id=user_id,
        guild_id=guild_id,
        channel_id=channel_id,
        application_id=application_id,
        locale=locale,
        guild_locale=guild_locale,
        data=data,
    )


def role(role_id: int, name: str | None = None) -> dict[str, Any]:
    """Build a Discord role object (``name`` defaults to ``role<id>``)."""
    return {
        "id": str(role_id),
        "name": name or f"role{role_id}",
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": 1,
        "permissions": "0",
        "managed": False,
        "mentionable": True,
        "flags": 0,
    }


def resolved_channel(channel_id: int, *, channel_type: int = 0, name: str | None = None) -> dict[str, Any]:
    """Build a partial channel as Discord puts it in ``resolved.channels`` (type 0: a text channel)."""
    return {
        "id": str(channel_id),
        "name": name or f"channel{channel_id}",
        "type": channel_type,
        "permissions": str(ALL_PERMISSIONS),
        "parent_id": None,
        "flags": 0,
    }


def resolved(
    *,
    users: Sequence[int] = (),
    roles: Sequence[int] = (),
    channels: Sequence[int] = (),
    guild_id: int | None = 111,
) -> dict[str, Any]:
    """Build the ``data.resolved`` of a user, role, mentionable or channel select interaction.

    Users come with their partial ``members`` in a guild (no ``user``, ``deaf`` or ``mute`` inside,
    as Discord sends them); empty maps are left out.
    """
    data: dict[str, Any] = {}
    if users:
        data["users"] = {str(u): user(u) for u in users}
        if guild_id is not None:
            members = {str(u): guild_member(u, with_user=False) for u in users}
            for member in members.values():
                del member["deaf"], member["mute"]
            data["members"] = members
    if roles:
        data["roles"] = {str(r): role(r) for r in roles}
    if channels:
        data["channels"] = {str(c): resolved_channel(c) for c in channels}
    return data


def resolved_for(
    component_type: int, values: Sequence[str], *, guild_id: int | None = 111
) -> dict[str, Any] | None:
    """What Discord resolves for the chosen ids of a user (5), role (6), mentionable (7, resolved
    as users) or channel (8) select; ``None`` for other component types."""
    if component_type not in (5, 6, 7, 8):
        return None
    ids = [int(value) for value in values if value.isdigit()]  # a forged value resolves to nothing
    if component_type in (5, 7):
        return resolved(users=ids, guild_id=guild_id)
    if component_type == 6:
        return resolved(roles=ids, guild_id=guild_id)
    if component_type == 8:
        return resolved(channels=ids, guild_id=guild_id)
    return None


def _component_id(components: Sequence[Mapping[str, Any]], custom_id: str) -> int | None:
    """The numeric ``id`` of the component with ``custom_id`` anywhere in ``components``."""
    for node in components:
        if node.get("custom_id") == custom_id and isinstance(node.get("id"), int):
            return int(node["id"])
        children = [
            *(node.get("components") or ()),
            *(c for c in [node.get("accessory")] if isinstance(c, dict)),
        ]
        if (found := _component_id(children, custom_id)) is not None:
            return found
    return None


def component_interaction(
    *,
    interaction_id: int,
    token: str,
    user_id: int,
    custom_id: str,
    message: dict[str, Any],
    component_type: int = 2,
    values: list[str] | None = None,
    resolved: dict[str, Any] | None = None,
    guild_id: int | None = 111,
    channel_id: int = 222,
    application_id: int = 4242,
    locale: str = "en-US",
    guild_locale: str = "en-US",
    roles: Sequence[int] = (),
) -> dict[str, Any]:
    """Build a MESSAGE_COMPONENT (type 3) interaction: a click (type 2) or a select (types 3, 5-8).

    ``message`` is the full message object the component is on (e.g. from ``FakeDiscord.messages``);
    it is deep-copied and its components get ids if they lack them. As Discord does, ``data.id`` is
    the numeric id of the component carrying ``custom_id`` (left out when no component of the
    message carries it: a forged click), and a user, role, mentionable or channel select carries
    ``data.resolved`` for its values: pass ``resolved`` (see :func:`resolved`), else the values are
    resolved as users (user and mentionable selects), roles or text channels. In a guild, ``roles``
    are the clicking member's role ids (``member.roles``, which Discord fills in and signs).
    """
    data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
    if values is not None or component_type != 2:
        data["values"] = list(values or ())
    if resolved is None and values:
        resolved = resolved_for(component_type, values, guild_id=guild_id)
    if resolved:
        data["resolved"] = resolved
    payload = _base_interaction(
        interaction_type=3,
        interaction_id=interaction_id,
        token=token,
        user_id=user_id,
        guild_id=guild_id,
        channel_id=channel_id,
        application_id=application_id,
        locale=locale,
        guild_locale=guild_locale,
        data=data,
        roles=roles,
    )
    payload["message"] = copy.deepcopy(message)
    assign_component_ids(payload["message"].setdefault("components", []))
    component_id = _component_id(payload["message"]["components"], custom_id)
    if component_id is not None:
        data["id"] = component_id
    return payload


def modal_interaction(
    *,
    interaction_id: int,
    token: str,
    user_id: int,
    custom_id: str,
    fields: dict[str, str],
    message: dict[str, Any] | None = None,
    guild_id: int | None = 111,
    channel_id: int = 222,
    application_id: int = 4242,
    locale: str = "en-US",
    shape: str = "row",
    guild_locale: str = "en-US",
) -> dict[str, Any]:
    """Build a MODAL_SUBMIT (type 5) interaction; ``fields`` maps text-input custom ids to values.

    Pass ``message`` when the modal was opened from a component on that message. ``shape`` is the
    shape of the modal that was opened, which Discord mirrors in the submission: ``"row"`` (action
    rows of one text input each, the deprecated shape hikari 2.7 builds and reads) or ``"label"``
    (Label components, type 18, each holding its text input in ``component``).
    """
    if shape not in ("row", "label"):
        raise ValueError(f"shape is 'row' or 'label', got {shape!r}")
    rows: list[dict[str, Any]] = [
        {"type": 1, "components": [{"type": 4, "custom_id": key, "value": value}]}
        if shape == "row"
        else {"type": 18, "component": {"type": 4, "custom_id": key, "value": value}}
        for key, value in fields.items()
    ]
    payload = _base_interaction(
        interaction_type=5,
        interaction_id=interaction_id,
        token=token,
        user_id=user_id,
        guild_id=guild_id,
        channel_id=channel_id,
        application_id=application_id,
        locale=locale,
        guild_locale=guild_locale,
        data={"custom_id": custom_id, "components": assign_component_ids(rows)},
    )
    if message is not None:
        payload["message"] = copy.deepcopy(message)
        assign_component_ids(payload["message"].setdefault("components", []))
    return payload


def message_create_event_payload(
    *,
    message_id: int,
    user_id: int,
    content: str,
    channel_id: int = 222,
    guild_id: int | None = 111,
    username: str | None = None,
) -> dict[str, Any]:
    """Build the ``d`` body of a MESSAGE_CREATE dispatch for a message a user typed.

    Feed it to ``bot.event_factory.deserialize_message_create_event(shard, payload)``.
    """
    payload = message(
        message_id=message_id,
        channel_id=channel_id,
        author=user(user_id, username),
        content=content,
        guild_id=guild_id,
    )
    if guild_id is not None:
        payload["member"] = guild_member(user_id, with_user=False)
    return payload


def message_problems(msg: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Check a message object against Discord's limits; return ``(dotted.path, code, text)`` problems.

    Checked: Components v2 (flag ``1 << 15``) excludes content and embeds and allows 40 components in
    all; classic messages have at most 5 top-level action rows; a row holds at most 5 buttons or one
    select; custom_id at most 100 characters, label 80, select options 25; a link button's url 512,
    an emoji name 32, media urls 2048 and media descriptions 1-1024; embed titles 256, descriptions
    4096, 25 fields, field names 256 and values 1024, footers 2048, author names 256, and 6000
    characters across all the embeds of the message.
    """
    problems: list[tuple[str, str, str]] = []
    v2 = bool(msg.get("flags", 0) & IS_COMPONENTS_V2)
    components: list[dict[str, Any]] = msg.get("components") or []
    too_long = "BASE_TYPE_MAX_LENGTH"
    if v2:
        for key in ("content", "embeds"):
            if msg.get(key):
                text = f"The '{key}' field cannot be used when using MessageFlags.IS_COMPONENTS_V2"
                problems.append((key, "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2", text))
    elif len(components) > 5:
        problems.append(("components", too_long, "Must be 5 or fewer in length."))
    nodes: list[tuple[str, dict[str, Any]]] = []

    def walk(node: dict[str, Any], path: str) -> None:
        nodes.append((path, node))
        for index, child in enumerate(node.get("components") or ()):
            walk(child, f"{path}.components.{index}")
        if isinstance(node.get("accessory"), dict):
            walk(node["accessory"], f"{path}.accessory")

    for index, top in enumerate(components):
        walk(top, f"components.{index}")
    for path, node in nodes:
        if not v2 and path.count(".") == 1 and node.get("type") != 1:
            problems.append((path, "UNION_TYPE_CHOICES", "Top-level components must be action rows."))
        for key, limit in (("custom_id", 100), ("label", 80), ("options", 25)):
            if len(node.get(key) or ()) > limit:
                problems.append((f"{path}.{key}", too_long, f"Must be {limit} or fewer in length."))
        children = node.get("components") or []
        wide = len(children) > 5 or (len(children) > 1 and any(c.get("type") != 2 for c in children))
        if node.get("type") == 1 and wide:
            text = "The specified component exceeds the maximum width"
            problems.append((f"{path}.components", "COMPONENT_LAYOUT_WIDTH_EXCEEDED", text))
    if v2 and len(nodes) > 40:
        text = "The specified components exceed the maximum number of components (40)"
        problems.append(("components", "COMPONENT_MAX_TOTAL_COMPONENTS_EXCEEDED", text))
    for path, node in nodes:
        problems.extend(_component_text_problems(path, node))
    problems.extend(_embed_problems(msg.get("embeds") or []))
    return problems


def _too_long(path: str, text: object, limit: int) -> list[tuple[str, str, str]]:
    if isinstance(text, str) and len(text) > limit:
        return [(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")]
    return []


def _media_problems(path: str, node: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """An unfurled media item's url (2048) and its holder's description (1-1024)."""
    problems = _too_long(f"{path}.media.url", (node.get("media") or {}).get("url"), 2048)
    description = node.get("description")
    if isinstance(description, str) and not description:
        problems.append((f"{path}.description", "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length."))
    return problems + _too_long(f"{path}.description", description, 1024)


def _component_text_problems(path: str, node: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """Limits inside one component: link url 512, emoji name 32, media urls and descriptions."""
    problems = _too_long(f"{path}.url", node.get("url"), 512)
    emojis = [(f"{path}.emoji", node.get("emoji"))]
    emojis += [(f"{path}.options.{i}.emoji", o.get("emoji")) for i, o in enumerate(node.get("options") or ())]
    for where, emoji in emojis:
        if isinstance(emoji, Mapping):
            problems += _too_long(f"{where}.name", emoji.get("name"), 32)
    if node.get("type") in (11, 13):  # thumbnail, file
        problems += (
            _media_problems(path, node)
            if node.get("type") == 11
            else _too_long(f"{path}.file.url", (node.get("file") or {}).get("url"), 2048)
        )
    for index, item in enumerate(node.get("items") or ()):  # media gallery
        problems += _media_problems(f"{path}.items.{index}", item)
    return problems


_EMBED_TEXTS = (("title", 256), ("description", 4096))


def _embed_problems(embeds: Sequence[Mapping[str, Any]]) -> list[tuple[str, str, str]]:
    """Embed limits: texts, 25 fields, and 6000 characters across all the embeds of the message."""
    problems: list[tuple[str, str, str]] = []
    total = 0
    for number, embed in enumerate(embeds):
        path = f"embeds.{number}"
        texts = [(f"{path}.{key}", embed.get(key), limit) for key, limit in _EMBED_TEXTS]
        texts.append((f"{path}.footer.text", (embed.get("footer") or {}).get("text"), 2048))
        texts.append((f"{path}.author.name", (embed.get("author") or {}).get("name"), 256))
        fields = embed.get("fields") or []
        if len(fields) > 25:
            problems.append((f"{path}.fields", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."))
        for index, embed_field in enumerate(fields):
            texts.append((f"{path}.fields.{index}.name", embed_field.get("name"), 256))
            texts.append((f"{path}.fields.{index}.value", embed_field.get("value"), 1024))
        for where, text, limit in texts:
            problems += _too_long(where, text, limit)
            total += len(text) if isinstance(text, str) else 0
    if total > 6000:
        text = "Embed size exceeds maximum size of 6000"
        problems.append(("embeds", "MAX_EMBED_SIZE_EXCEEDED", text))
    return problems


def modal_problems(data: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """Check the ``data`` of a MODAL (type 9) interaction response against Discord's limits.

    Checked: custom_id 1-100, title 1-45, 1-5 top-level components, each an action row holding one
    text input (the deprecated shape) or a label (type 18: label 1-45, description at most 100,
    one component); a text input's custom_id 1-100, label 1-45 (in a label it has none), style 1
    or 2, placeholder 100, value 4000, ``0 <= min_length <= 4000``, ``1 <= max_length <= 4000``.
    """
    problems: list[tuple[str, str, str]] = []
    problems += _length("custom_id", data.get("custom_id"), 1, 100)
    problems += _length("title", data.get("title"), 1, 45)
    components = data.get("components") or []
    if not 1 <= len(components) <= 5:
        problems.append(("components", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length."))
    for index, top in enumerate(components):
        path = f"components.{index}"
        if top.get("type") == 18:
            problems += _length(f"{path}.label", top.get("label"), 1, 45)
            problems += _too_long(f"{path}.description", top.get("description"), 100)
            inner = top.get("component")
            if not isinstance(inner, Mapping):
                problems.append((f"{path}.component", "BASE_TYPE_REQUIRED", "This field is required"))
            elif inner.get("type") == 4:
                problems += _text_input_problems(f"{path}.component", inner, labelled=True)
        elif top.get("type") == 1:
            children = top.get("components") or []
            if len(children) != 1 or children[0].get("type") != 4:
                text = "An action row in a modal holds exactly one text input"
                problems.append((f"{path}.components", "COMPONENT_LAYOUT_WIDTH_EXCEEDED", text))
            for number, child in enumerate(children):
                if child.get("type") == 4:
                    problems += _text_input_problems(f"{path}.components.{number}", child, labelled=False)
        else:
            problems.append(
                (f"{path}.type", "UNION_TYPE_CHOICES", 'Value of field "type" must be one of (1, 18).')
            )
    return problems


def _length(path: str, text: object, low: int, high: int) -> list[tuple[str, str, str]]:
    if not isinstance(text, str) or not low <= len(text) <= high:
        return [(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")]
    return []


def _text_input_problems(path: str, node: Mapping[str, Any], *, labelled: bool) -> list[tuple[str, str, str]]:
    problems = _length(f"{path}.custom_id", node.get("custom_id"), 1, 100)
    if labelled:
        if node.get("label") is not None:
            problems += _length(f"{path}.label", node.get("label"), 1, 45)
    else:
        problems += _length(f"{path}.label", node.get("label"), 1, 45)
    if node.get("style") not in (1, 2):
        problems.append((f"{path}.style", "BASE_TYPE_CHOICES", "Value must be one of (1, 2)."))
    problems += _too_long(f"{path}.placeholder", node.get("placeholder"), 100)
    problems += _too_long(f"{path}.value", node.get("value"), 4000)
    for key, low in (("min_length", 0), ("max_length", 1)):
        number = node.get(key)
        if number is not None and not (isinstance(number, int) and low <= number <= 4000):
            problems.append(
                (f"{path}.{key}", "NUMBER_TYPE_MAX", f"int value should be between {low} and 4000.")
            )
    return problems


def application(application_id: int, *, name: str = "flowbot", verify_key: str = "00" * 32) -> dict[str, Any]:
    """Build the application object of ``GET /oauth2/applications/@me`` (``verify_key`` in hex)."""
    return {
        "id": str(application_id),
        "name": name,
        "icon": None,
        "description": "",
        "summary": "",
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": user(1, "owner"),
        "verify_key": verify_key,
        "flags": 0,
        "team": None,
        "approximate_guild_count": 1,
        "approximate_user_install_count": 0,
    }


def own_user(user_id: int, username: str | None = None) -> dict[str, Any]:
    """Build the bot's own user object, as ``GET /users/@me`` returns it."""
    own = {"mfa_enabled": False, "verified": True, "flags": 0, "locale": "en-US"}
    return {**user(user_id, username, bot=True), **own}


def invalid_form_body(problems: list[tuple[str, str, str]]) -> dict[str, Any]:
    """Build Discord's 50035 "Invalid Form Body" error from ``(dotted.path, code, message)`` problems."""
    tree: dict[str, Any] = {}
    for path, code, message in problems:
        node = tree
        for part in path.split("."):
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": code, "message": message})
    return {"message": "Invalid Form Body", "code": 50035, "errors": tree}
