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
apply it.
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
    "own_user",
    "resolved_for",
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
        payload["member"] = guild_member(user_id)
        payload["guild_id"] = str(guild_id)
        payload["guild"] = {"id": str(guild_id), "locale": "en-US", "features": []}
        payload["guild_locale"] = "en-US"
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
        data=data,
    )


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
) -> dict[str, Any]:
    """Build a MESSAGE_COMPONENT (type 3) interaction: a click (type 2) or a select (types 3, 5-8).

    ``message`` is the full message object the component is on (e.g. from ``FakeDiscord.messages``);
    it is deep-copied and its components get ids if they lack them.
    """
    data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
    if values is not None or component_type != 2:
        data["values"] = list(values or ())
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
        data=data,
    )
    payload["message"] = copy.deepcopy(message)
    assign_component_ids(payload["message"].setdefault("components", []))
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
) -> dict[str, Any]:
    """Build a MODAL_SUBMIT (type 5) interaction; ``fields`` maps text-input custom ids to values.

    Pass ``message`` when the modal was opened from a component on that message.
    """
    rows: list[dict[str, Any]] = [
        {"type": 1, "components": [{"type": 4, "custom_id": key, "value": value}]}
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
    select; custom_id at most 100 characters, label 80, select options 25.
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


# -- resolved objects of auto-populated selects (issue 13, value validation) ---------------------


def resolved_for(
    component_type: int, values: list[str], *, guild_id: int | None = 111
) -> dict[str, Any] | None:
    """A minimal ``data.resolved`` for the ``values`` of a user (5), role (6), mentionable (7) or
    channel (8) select: each value resolved as that kind (a mentionable as a user). ``None`` for
    other component types."""
    if component_type in (5, 7):
        return {"users": {v: user(int(v)) for v in values}}
    if component_type == 6:
        return {
            "roles": {
                v: {
                    "id": v,
                    "name": f"role{v}",
                    "color": 0,
                    "hoist": False,
                    "position": 1,
                    "permissions": "0",
                    "managed": False,
                    "mentionable": True,
                    "flags": 0,
                }
                for v in values
            }
        }
    if component_type == 8:
        return {
            "channels": {
                v: {
                    "id": v,
                    "name": f"channel{v}",
                    "type": 0,
                    "permissions": "0",
                    "guild_id": str(guild_id or 111),
                }
                for v in values
            }
        }
    return None
