"""The rule for an item's own id, shared by the definitions that check ids and the custom-id codec."""

from __future__ import annotations

import re

__all__ = ["valid_item_id", "valid_item_key"]

_ITEM = re.compile(r"^[A-Za-z0-9_.\-]{1,40}$")

_VALID_IDS: set[str] = set()
"""Item ids already found valid: ids come from code and repeat on every render."""


def valid_item_key(key: str) -> bool:
    """Whether ``key`` can be an item id in a custom id."""
    return bool(_ITEM.match(key))


def valid_item_id(item_id: str) -> bool:
    """Whether ``item_id`` can be an item's own id: a valid key, not only digits (digit keys name
    positions). Remembered, so checking the same ids on every render costs a set lookup."""
    if item_id in _VALID_IDS:
        return True
    if not valid_item_key(item_id) or item_id.isdigit():
        return False
    if len(_VALID_IDS) >= 10_000:  # ids built from data could grow without end
        _VALID_IDS.clear()
    _VALID_IDS.add(item_id)
    return True
