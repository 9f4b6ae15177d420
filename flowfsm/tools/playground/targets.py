"""Find the flows to play, tolerating broken modules: one bad example must not hide the others.

TARGETs are those of the rest of the command line (:mod:`flowfsm.tools.targets`): a module or
package name, or ``module:attribute``. A package is loaded module by module here, so a module
that fails to import is reported (and shown on the page) while the rest still load; modules
without flows are skipped quietly.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from flowfsm.define.flow import Flow
from flowfsm.tools.targets import TargetError, load_target

__all__ = ["DEFAULT_TARGETS", "Discovery", "discover"]

DEFAULT_TARGETS = ("examples",)
"""What ``flowfsm play`` loads when given no target: the shipped example package."""


@dataclass
class Discovery:
    """The flows found, in discovery order (no two with the same name), and what went wrong."""

    flows: list[Flow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """One line per problem, e.g. ``"cannot import 'examples.broken': ImportError: ..."``."""

    def add(self, flow: Flow, where: str) -> None:
        """Keep ``flow`` unless it (or another flow of the same name) is already kept."""
        for known in self.flows:
            if known is flow:
                return
            if known.name == flow.name:
                self.errors.append(f"{where}: a second flow named {flow.name!r} was skipped")
                return
        self.flows.append(flow)


def _own_flows(name: str) -> list[Flow]:
    """Flows bound at the top level of an imported package's ``__init__``."""
    module = sys.modules[name]
    return [value for value in vars(module).values() if isinstance(value, Flow)]


def _package_modules(name: str, found: Discovery) -> list[str]:
    """``name`` and, for a package, each of its submodules (recursively, in name order)."""
    try:
        module = importlib.import_module(name)
    except Exception as exc:
        try:  # the command line's wording of the problem
            load_target(name)
        except TargetError as error:
            found.errors.append(str(error))
        else:  # pragma: no cover - it imported the second time
            found.errors.append(f"cannot import {name!r}: {type(exc).__name__}: {exc}")
        return []
    path = getattr(module, "__path__", None)
    if path is None:
        return [name]
    for flow in _own_flows(name):
        found.add(flow, name)
    names: list[str] = []
    for info in sorted(pkgutil.iter_modules(path, f"{name}."), key=lambda i: i.name):
        if info.name.rpartition(".")[2] == "__main__":
            continue
        if info.ispkg:
            names.extend(_package_modules(info.name, found))
        else:
            names.append(info.name)
    return names


def discover(targets: Sequence[str] = DEFAULT_TARGETS) -> Discovery:
    """Load every target's flows; a module that fails is listed in ``errors``, the rest still load.

    The current directory is importable (as with ``python -m``), so ``flowfsm play`` run from a
    project's root finds its packages (``examples`` in this repository).
    """
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)
    found = Discovery()
    for target in targets or DEFAULT_TARGETS:
        modules = [target] if ":" in target else _package_modules(target, found)
        for name in modules:
            try:
                flows = load_target(name)
            except TargetError as exc:
                if ":" in name or "defines no flow" not in str(exc):
                    found.errors.append(str(exc))
                continue
            for flow in flows:
                found.add(flow, name)
    return found
