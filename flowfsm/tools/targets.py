"""Loading the flows a command-line TARGET names.

A TARGET is either

* ``module:attribute`` (``attribute`` may be dotted): a :class:`~flowfsm.define.flow.Flow`, or anything
  holding flows -- a :class:`~flowfsm.engine.manager.FlowManager` (its ``.flows`` dict), a list, tuple,
  set or dict of flows (nested containers are searched too); or
* a bare module name: every flow defined at its top level; for a package, also every flow of
  its submodules (recursively), modules in name order.

The current directory is importable, as with ``python -m``. Problems raise :class:`TargetError`
with a one-line message.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from collections.abc import Iterable, Mapping
from types import ModuleType

from flowfsm.define.flow import Flow
from flowfsm.errors import FlowError

__all__ = ["TargetError", "find_flows", "load_flows", "load_target"]


class TargetError(FlowError):
    """A TARGET cannot be imported, or holds no flow."""


def _import(name: str, target: str) -> ModuleType:
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (name == exc.name or name.startswith(exc.name + ".")):
            raise TargetError(f"cannot import {target!r}: no module named {exc.name!r}") from None
        raise TargetError(f"cannot import {target!r}: {type(exc).__name__}: {exc}") from None
    except Exception as exc:  # an error while the module runs: name it, on one line
        first = str(exc).strip().splitlines()
        raise TargetError(
            f"cannot import {target!r}: {type(exc).__name__}: {first[0] if first else ''}".rstrip(": ")
        ) from None


def find_flows(value: object, *, _depth: int = 0) -> list[Flow]:
    """The flows ``value`` is or holds (a flow, a manager's ``.flows``, containers), in order."""
    if isinstance(value, Flow):
        return [value]
    if _depth > 4 or isinstance(value, str | bytes | ModuleType):
        return []
    items: Iterable[object]
    flows_attr = getattr(value, "flows", None)
    if isinstance(flows_attr, Mapping) and not isinstance(value, Mapping):
        items = flows_attr.values()
    elif isinstance(value, Mapping):
        items = value.values()
    elif isinstance(value, list | tuple):
        items = value
    elif isinstance(value, set | frozenset):
        members: list[Flow] = [v for v in value if isinstance(v, Flow)]
        members.sort(key=lambda member: member.name)  # a set has no order of its own
        items = members
    else:
        return []
    found: list[Flow] = []
    for item in items:
        for flow in find_flows(item, _depth=_depth + 1):
            if not any(flow is seen for seen in found):
                found.append(flow)
    return found


def _module_flows(module: ModuleType) -> list[Flow]:
    """Flows bound at a module's top level (not inside containers), in definition order."""
    return [value for value in vars(module).values() if isinstance(value, Flow)]


def _submodules(package: ModuleType) -> list[str]:
    """Names of a package's submodules, recursively, in name order (``__main__`` is never run)."""
    names: list[str] = []
    found = pkgutil.iter_modules(package.__path__, package.__name__ + ".")
    for info in sorted(found, key=lambda info: info.name):
        if info.name.rpartition(".")[2] == "__main__":
            continue
        if info.ispkg:
            names.append(info.name)
            names.extend(_submodules(_import(info.name, info.name)))
        else:
            names.append(info.name)
    return names


def load_target(target: str) -> list[Flow]:
    """The flows one TARGET names (see the module docstring). Raises :class:`TargetError`."""
    module_name, sep, attribute = target.partition(":")
    if not module_name or (sep and not attribute):
        raise TargetError(f"bad target {target!r}: expected 'module' or 'module:attribute'")
    module = _import(module_name, target)
    if sep:
        value: object = module
        for part in attribute.split("."):
            try:
                value = getattr(value, part)
            except AttributeError:
                raise TargetError(
                    f"{target!r}: module {module_name!r} has no attribute {attribute!r}"
                ) from None
        flows = find_flows(value)
        if not flows:
            raise TargetError(f"{target!r} holds no flow (it is a {type(value).__name__})")
        return flows
    flows = _module_flows(module)
    path = getattr(module, "__path__", None)
    if path is not None:
        for name in _submodules(module):
            flows.extend(_module_flows(_import(name, name)))
    unique: list[Flow] = []
    for flow in flows:
        if not any(flow is seen for seen in unique):
            unique.append(flow)
    if not unique:
        kind = "package" if path is not None else "module"
        raise TargetError(f"{kind} {module_name!r} defines no flow")
    return unique


def load_flows(targets: Iterable[str]) -> list[Flow]:
    """The flows of several TARGETs, each flow once, in order."""
    flows: list[Flow] = []
    for target in targets:
        for flow in load_target(target):
            if not any(flow is seen for seen in flows):
                flows.append(flow)
    return flows
