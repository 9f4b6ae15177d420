"""Structured log records: every flowfsm record carries ``flow``, ``state`` and ``session``.

flowfsm logs through :func:`get_logger` adapters. Each record gets the attributes ``flow``,
``state`` and ``session`` (``None`` when the record is not about a session), so a JSON log
handler (python-json-logger, structlog's stdlib bridge, ...) picks them up as fields, and a
format string can use them (``%(flow)s``). A record about a session passes ``extra=fields(session)``.
No record carries an interaction token: sessions keep theirs out of every field.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

from flowfsm.engine.trust import guard_logger

if TYPE_CHECKING:
    from flowfsm.engine.session import Session

__all__ = ["FIELDS", "FlowLogger", "fields", "get_logger"]

FIELDS = ("flow", "state", "session")
"""The attributes every flowfsm log record carries."""

_NONE: Mapping[str, Any] = dict.fromkeys(FIELDS)


def fields(session: Session) -> dict[str, Any]:
    """The structured fields of a record about ``session``: its flow, state and id."""
    return {"flow": session.flow.name, "state": session.state, "session": session.id}


class FlowLogger(logging.LoggerAdapter):  # type: ignore[type-arg,unused-ignore]
    """A logger adapter that gives every record the :data:`FIELDS` (``None`` unless passed)."""

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, MutableMapping[str, Any]]:
        """Merge the record's own ``extra`` over the defaults."""
        extra = kwargs.get("extra")
        kwargs["extra"] = _NONE if not extra else {**_NONE, **extra}
        return msg, kwargs


def get_logger(name: str) -> FlowLogger:
    """The adapter for flowfsm's logger ``name``."""
    return FlowLogger(guard_logger(logging.getLogger(name)), {})
