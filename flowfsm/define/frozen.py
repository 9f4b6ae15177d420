"""A faster ``__init__`` for the frozen, slotted dataclasses a render function builds on every click.

A frozen dataclass's generated ``__init__`` sets each field with ``object.__setattr__(self, name,
value)``, which looks the attribute up by name every time; a :class:`~flowfsm.define.screen.Button`
(13 fields) then costs several times an ordinary object. Render functions build their buttons
afresh on every click, so :func:`quick_init` gives such a class an ``__init__`` with the same
signature and defaults that stores each field through its slot's own setter, looked up once.
The instances are the same: frozen, slotted, compared and hashed by their fields, and a
``__post_init__`` the class defines still runs last.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

__all__ = ["quick_init"]

T = TypeVar("T")


def quick_init(cls: type[T]) -> type[T]:
    """Replace the ``__init__`` of the frozen, slotted dataclass ``cls`` by one that sets its slots
    directly, then calls its ``__post_init__`` if it has one. Only plain fields are supported (no
    ``default_factory``, ``init=False`` or keyword-only fields): anything else raises
    ``TypeError`` at import.

    A class whose ``__post_init__`` only looks at some fields can name them in
    ``__post_init_fields__``: it is then called only when one of them is not ``None`` (a
    button's ``cooldown`` is checked when it has one, and most buttons have none)."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"quick_init: {cls.__name__} must be a dataclass")
    params = dataclasses.fields(cls)
    namespace: dict[str, Any] = {}
    args: list[str] = []
    body: list[str] = []
    for param in params:
        if not param.init or param.kw_only or param.default_factory is not dataclasses.MISSING:
            raise TypeError(f"quick_init: field {cls.__name__}.{param.name} is not a plain field")
        slot = cls.__dict__.get(param.name)
        if slot is None or not hasattr(slot, "__set__"):
            raise TypeError(f"quick_init: {cls.__name__} must be slotted")
        namespace[f"_set_{param.name}"] = slot.__set__
        if param.default is dataclasses.MISSING:
            args.append(param.name)
        else:
            namespace[f"_default_{param.name}"] = param.default
            args.append(f"{param.name}=_default_{param.name}")
        body.append(f"    _set_{param.name}(self, {param.name})")
    if hasattr(cls, "__post_init__"):
        watched = getattr(cls, "__post_init_fields__", ())
        unknown = [name for name in watched if name not in {param.name for param in params}]
        if unknown:
            raise TypeError(f"quick_init: {cls.__name__}.__post_init_fields__ names no field: {unknown}")
        when = " or ".join(f"{name} is not None" for name in watched)
        body.append(f"    if {when}:\n        self.__post_init__()" if when else "    self.__post_init__()")
    source = f"def __init__(self, {', '.join(args)}):\n" + "\n".join(body or ["    pass"])
    exec(source, namespace)  # the source is built above from the dataclass's own field names
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    init.__annotations__ = dict(cls.__init__.__annotations__)
    cls.__init__ = init  # type: ignore[method-assign]
    return cls
