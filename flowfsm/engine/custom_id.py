"""Session/state/item <-> custom id.

Format: ``ff:<flow>:<session>:<state>:<screen>:<item>``, at most 100 characters (Discord's
limit). ``<state>`` is the state's index in its flow (base 36); ``<screen>`` is the session's
render counter (hexadecimal, wrapping at 16**4), so a click made on any earlier screen of the
menu — even one of the same state, as a double-click is — is recognised and runs nothing;
``<item>`` is the item's id or position. Anything not starting with ``ff:`` is not ours and is
left to other handlers.
"""

from __future__ import annotations

import base64
import os
import re
from functools import cache
from typing import NamedTuple

from flowfsm.define.ids import valid_item_id, valid_item_key

__all__ = [
    "MAX_CUSTOM_ID",
    "PREFIX",
    "SCREENS",
    "ParsedId",
    "encode",
    "new_session_id",
    "parse",
    "parse_resume",
    "resume_id",
    "valid_item_id",
    "valid_item_key",
]

PREFIX = "ff:"
MAX_CUSTOM_ID = 100
_PARTS = re.compile(
    r"^ff:(?P<flow>[A-Za-z0-9_\-]{1,32}):(?P<sid>[A-Za-z0-9_\-]{6,16}):(?P<state>[0-9a-z]{1,4})"
    r":(?P<screen>[0-9a-f]{1,4}):(?P<item>~?[A-Za-z0-9_.\-]{1,40})$"
)

_RESUME = re.compile(r"^ff:(?P<flow>[A-Za-z0-9_\-]{1,32}):~open$")


class ParsedId(NamedTuple):
    """A decoded custom id (a named tuple: one is made for every click)."""

    flow: str
    session_id: str
    state_index: int
    screen: int
    item: str


_new_tuple = tuple.__new__

_ID_BYTES = 6
_POOL_IDS = 512
_pool = b""
_pool_at = 0


def new_session_id() -> str:
    """A short, unguessable session id (8 url-safe characters, 48 random bits from the OS).

    The OS's random bytes are fetched 512 ids at a time: one system call per id showed in the
    cost of starting a menu.
    """
    global _pool, _pool_at
    if _pool_at >= len(_pool):
        _pool, _pool_at = os.urandom(_ID_BYTES * _POOL_IDS), 0
    chunk = _pool[_pool_at : _pool_at + _ID_BYTES]
    _pool_at += _ID_BYTES
    return base64.urlsafe_b64encode(chunk).decode("ascii")


def _forget_pool() -> None:
    """A forked child must not hand out the ids its parent will."""
    global _pool, _pool_at
    _pool, _pool_at = b"", 0


os.register_at_fork(after_in_child=_forget_pool)


SCREENS = 16**4
"""Screen numbers wrap here (four hex digits): a screen ``SCREENS`` renders old is long gone."""


def encode(flow: str, session_id: str, state_index: int, item: str, screen: int = 0) -> str:
    """Build the custom id of one item of screen number ``screen``."""
    return f"{PREFIX}{flow}:{session_id}:{_base36(state_index)}:{screen % SCREENS:x}:{item}"


def is_ours(custom_id: str) -> bool:
    """Whether a custom id belongs to flowfsm (even if malformed)."""
    return custom_id.startswith(PREFIX)


def parse(custom_id: str) -> ParsedId | None:
    """Decode a custom id, or ``None`` if it is malformed (forged, truncated, oversized)."""
    if len(custom_id) > MAX_CUSTOM_ID:
        return None
    m = _PARTS.match(custom_id)
    if m is None:
        return None
    flow, sid, state, screen, item = m.groups()
    # tuple.__new__ directly: the named tuple's own __new__ is one more Python frame per click.
    return _new_tuple(ParsedId, (flow, sid, int(state, 36), int(screen, 16), item))


def resume_id(flow: str) -> str:
    """Custom id of the "Open again" button offered when a resumable flow's menu has expired."""
    return f"{PREFIX}{flow}:~open"


def parse_resume(custom_id: str) -> str | None:
    """The flow named by a :func:`resume_id`, or ``None``."""
    if not custom_id.endswith(":~open"):
        return None
    m = _RESUME.match(custom_id)
    return m["flow"] if m else None


@cache
def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    if n == 0:
        return "0"
    out = []
    while n:
        n, r = divmod(n, 36)
        out.append(digits[r])
    return "".join(reversed(out))
