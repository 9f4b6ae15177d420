"""Typed session data: ``Flow("shop", data=Cart)`` makes ``ctx.data`` a ``Cart``.

A flow may declare the type of its session data: a dataclass or a ``msgspec.Struct`` whose
fields all have defaults (the engine creates the value with ``Cart()`` the first time a callback
reads ``ctx.data``). The type is what an editor and mypy see (``Context[Cart]``), and the schema a
remote store encodes the data with (see :mod:`flowfsm.engine.snapshot`). Without ``data=``, ``ctx.data``
stays a plain dict.

The data belongs to the session, so a sub-flow sees the data of the flow the session was started
with (its root flow), whatever its own declaration.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

from flowfsm.errors import FlowDefinitionError

__all__ = ["data_fields", "describe_type", "is_struct", "new_data", "validate_data_type"]


def is_struct(tp: object) -> bool:
    """Whether ``tp`` is a ``msgspec.Struct`` class (``False`` when msgspec is not installed)."""
    try:
        import msgspec
    except ImportError:  # msgspec comes with the redis extra; a dataclass needs nothing
        return False
    return isinstance(tp, type) and issubclass(tp, msgspec.Struct)


def validate_data_type(flow: str, tp: object) -> None:
    """Raise :class:`FlowDefinitionError` unless ``tp`` is a dataclass or Struct buildable without arguments."""
    if not isinstance(tp, type) or not (dataclasses.is_dataclass(tp) or is_struct(tp)):
        raise FlowDefinitionError(flow, f"data must be a dataclass or a msgspec.Struct class, got {tp!r}")
    try:
        tp()
    except TypeError as exc:
        raise FlowDefinitionError(
            flow,
            f"data type {tp.__qualname__} must be constructible without arguments (give every field a default): {exc}",
        ) from None


def new_data(tp: type[Any] | None) -> Any:
    """A fresh session data value: ``tp()``, or an empty dict for untyped data."""
    return {} if tp is None else tp()


def describe_type(tp: object) -> str:
    """A short, stable text for a field's type annotation (``list[str]``, ``int | None``, ``Item``)."""
    if isinstance(tp, type) and not typing.get_args(tp):
        return tp.__qualname__ if tp.__module__ != "builtins" else tp.__name__
    text = repr(tp)
    for prefix in ("typing.", "collections.abc.", "builtins."):
        text = text.replace(prefix, "")
    return text


def data_fields(tp: type[Any]) -> dict[str, str]:
    """The fields of a data type and their types, as :func:`describe_type` writes them."""
    hints = typing.get_type_hints(tp)
    if is_struct(tp):
        names: tuple[str, ...] = tp.__struct_fields__
    else:
        names = tuple(field.name for field in dataclasses.fields(tp))
    return {name: describe_type(hints.get(name, Any)) for name in names}
