"""What a click is checked against before anything runs: nothing the client sends is trusted.

Discord vouches for two things only: who the user is, and that the message a component
interaction names exists (it sends that message, components included, from its own records).
Everything else — the custom id, the values of a select, the fields of a modal, the interaction's
id on a replay, a REST request's timestamp — may be forged. The checks here compare what arrived
with what flowfsm itself rendered; each costs O(items on the screen).
"""

from __future__ import annotations

import logging
import re
import time
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

import hikari
from hikari.impl.interaction_server import InteractionServer

from flowfsm.define.modals import Modal
from flowfsm.define.screen import Button
from flowfsm.define.selects import ChannelSelect, MentionableSelect, RoleSelect, TextSelect, UserSelect

__all__ = [
    "MAX_REQUEST_AGE",
    "SeenInteractions",
    "TokenFilter",
    "fields_problem",
    "guard_logger",
    "message_carries",
    "redact",
    "redact_exception",
    "refuse_stale_requests",
    "stale_request",
    "values_problem",
]

MAX_REQUEST_AGE = 300.0
"""A REST bot refuses a signed request whose timestamp is further than this from now (seconds)."""

_MAX_FIELD = 4000


def _custom_ids(nodes: Iterable[Any]) -> Iterator[str]:
    """Every custom id of a message's components: rows, containers, sections and accessories."""
    for node in nodes:
        cid = getattr(node, "custom_id", None)
        if isinstance(cid, str):
            yield cid
        children = getattr(node, "components", None)
        if children:
            yield from _custom_ids(children)
        accessory = getattr(node, "accessory", None)
        if accessory is not None:
            yield from _custom_ids((accessory,))


def message_carries(message: hikari.Message | None, custom_id: str, *, prefix: bool = False) -> bool:
    """Whether ``message`` (as Discord sent it with the interaction) has a component with this
    custom id (or, with ``prefix``, one starting with it): the click came from the menu's message."""
    if message is None:
        return False
    if not prefix:
        # A classic menu's buttons and selects sit in action rows: look there first.
        for row in message.components:
            for component in getattr(row, "components", ()):
                if getattr(component, "custom_id", None) == custom_id:
                    return True
    for cid in _custom_ids(message.components):
        if cid == custom_id or (prefix and cid.startswith(custom_id)):
            return True
    return False


def values_problem(item: Any, interaction: hikari.ComponentInteraction) -> str | None:
    """Why a click's component type or values do not fit the rendered ``item`` (``None`` if they do)."""
    if type(item) is Button:  # the common case first: a plain button click has no values
        if interaction.component_type == hikari.ComponentType.BUTTON and not interaction.values:
            return None
    expected = getattr(item, "component_type", hikari.ComponentType.BUTTON)
    if interaction.component_type != expected:
        return f"component type {interaction.component_type} for a {expected}"
    values = interaction.values
    if expected == hikari.ComponentType.BUTTON:
        return "values on a button" if values else None
    if not item.min_values <= len(values) <= item.max_values:
        return f"{len(values)} values outside {item.min_values}-{item.max_values}"
    if len(set(values)) != len(values):
        return "a value chosen twice"
    if isinstance(item, TextSelect):
        offered = {option.key for option in item.choices}
        return None if all(v in offered for v in values) else "a value that is not an option"
    return _resolved_problem(item, values, interaction.resolved)


def _resolved_problem(item: Any, values: Iterable[str], resolved: Any) -> str | None:
    """Ids of a user/role/channel/mentionable select must be objects Discord resolved, of that kind."""
    if resolved is None:
        return "no resolved objects"
    for value in values:
        if not value.isdigit():
            return "a value that is not an id"
        key = hikari.Snowflake(int(value))
        if isinstance(item, UserSelect):
            ok = key in resolved.users or key in resolved.members
        elif isinstance(item, RoleSelect):
            ok = key in resolved.roles
        elif isinstance(item, MentionableSelect):
            ok = key in resolved.users or key in resolved.members or key in resolved.roles
        elif isinstance(item, ChannelSelect):
            channel = resolved.channels.get(key)
            ok = channel is not None and (not item.channel_types or channel.type in item.channel_types)
        else:
            ok = False
        if not ok:
            return "an id of the wrong kind"
    return None


def fields_problem(modal: Modal, fields: dict[str, str]) -> str | None:
    """Why submitted ``fields`` do not fit the rendered ``modal`` (``None`` if they do)."""
    declared = {text_field.id: text_field for text_field in modal.fields}
    for key in fields:
        if key not in declared:
            return "a field the modal does not have"
    for key, text_field in declared.items():
        value = fields.get(key)
        if not value:
            if text_field.required:
                return f"required field {key!r} missing"
            continue
        if len(value) > (text_field.max_length or _MAX_FIELD):
            return f"field {key!r} too long"
        if text_field.min_length is not None and len(value) < text_field.min_length:
            return f"field {key!r} too short"
    return None


class SeenInteractions:
    """Ids of interactions already handled, so none runs twice (a replay, a duplicate delivery).

    Memory is fixed: the last ``size`` ids, forgotten oldest first (a deque and a set of the same
    ids), so once ``size`` interactions have been seen it neither grows nor shrinks. A replay older
    than that is still refused: its screen number is long gone (and a REST replay's timestamp too).
    """

    __slots__ = ("_ids", "_order", "size")

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._ids: set[int] = set()
        self._order: deque[int] = deque(maxlen=size)

    def first_time(self, interaction_id: int) -> bool:
        """Record ``interaction_id``; ``False`` when it was seen before."""
        if interaction_id in self._ids:
            return False
        interaction_id = int(interaction_id)  # a plain int: the interaction's Snowflake is not kept
        if len(self._order) == self.size:
            self._ids.discard(self._order[0])  # the deque drops it on append
        self._order.append(interaction_id)
        self._ids.add(interaction_id)
        return True


def stale_request(timestamp: bytes, *, now: float | None = None, max_age: float = MAX_REQUEST_AGE) -> bool:
    """Whether a REST request's signed ``X-Signature-Timestamp`` is missing, malformed or further
    than ``max_age`` seconds from now (a replay of a recorded request)."""
    try:
        stamp = float(timestamp.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return True
    current = time.time() if now is None else now
    return abs(current - stamp) > max_age


# Webhook and interaction tokens appear in URLs after the application or interaction id.
_TOKEN_IN_URL = re.compile(r"(/(?:webhooks|interactions)/\d+/)[^/\s?'\"]+")


def redact(text: str, *tokens: str | None) -> str:
    """``text`` with interaction tokens hidden: any in a webhook/interaction URL, and each of
    ``tokens`` wherever it appears."""
    text = _TOKEN_IN_URL.sub(r"\1<token>", text)
    for token in tokens:
        if token:
            text = text.replace(token, "<token>")
    return text


class TokenFilter(logging.Filter):
    """A logging filter that hides interaction tokens in a record's message and exception.

    hikari's HTTP errors end with the request URL, and a webhook URL holds the interaction token
    (a 15-minute credential to edit or delete the message). Every flowfsm logger carries this
    filter. The exception stays attached (error trackers read it); its URL and arguments are
    redacted in place, along its cause and context chain.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record`` in place; never drops it."""
        if record.exc_info and record.exc_info[1] is not None:
            redact_exception(record.exc_info[1])
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's to report
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


def redact_exception(exc: BaseException | None) -> None:
    """Hide tokens in ``exc`` and its causes: hikari's ``url`` attribute and string arguments."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        url = getattr(exc, "url", None)
        if isinstance(url, str):
            try:
                exc.url = redact(url)  # type: ignore[attr-defined]
            except AttributeError:  # a read-only url: leave it
                pass
        exc.args = tuple(redact(a) if isinstance(a, str) else a for a in exc.args)
        exc = exc.__cause__ or exc.__context__


def guard_logger(logger: logging.Logger) -> logging.Logger:
    """Give ``logger`` the :class:`TokenFilter` (once) and return it."""
    if not any(isinstance(f, TokenFilter) for f in logger.filters):
        logger.addFilter(TokenFilter())
    return logger


class _Refusal:
    """A plain-text HTTP answer for the interaction server (hikari's ``Response`` protocol)."""

    content_type = "text/plain"
    charset = "UTF-8"
    files = ()
    headers = None

    def __init__(self, status_code: int, payload: bytes) -> None:
        self.status_code = status_code
        self.payload = payload


class _FreshOnlyServer(InteractionServer):
    """hikari's interaction server, refusing requests whose signed timestamp is stale."""

    __slots__ = ()

    async def on_interaction(self, body: bytes, signature: bytes, timestamp: bytes) -> Any:
        """Answer 401 to a stale request; otherwise hikari's own handling (signature first)."""
        if stale_request(timestamp):
            logging.getLogger("flowfsm").warning(
                "flowfsm: refused an interaction request with a stale timestamp"
            )
            return _Refusal(401, b"Stale request timestamp")
        return await super().on_interaction(body, signature, timestamp)


def refuse_stale_requests(server: Any) -> None:
    """Make a REST bot's interaction ``server`` answer 401 to a request whose signed timestamp is
    more than :data:`MAX_REQUEST_AGE` from now: a recorded request replayed later. (The signature
    covers the timestamp, so it cannot be refreshed; a duplicate within that window is caught by
    its interaction id.) hikari's server has fixed slots, so its class is swapped for a subclass
    adding nothing but this check."""
    if type(server) is InteractionServer:
        server.__class__ = _FreshOnlyServer
