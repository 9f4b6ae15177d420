"""Find the flows to play: import modules, packages or files and collect their top-level flows.

A TARGET is a dotted module or package name (``examples``, ``examples.quickstart``), a
``module:attribute`` naming one flow, a ``.py`` file, or a directory. A package is imported
module by module (not recursively into sub-packages' private modules: names starting with ``_``
are skipped). A module that fails to import is reported, not fatal, so one broken example does
not hide the others.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import sys
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from flowfsm.flow import Flow

__all__ = ["DEFAULT_TARGETS", "Discovery", "discover"]

DEFAULT_TARGETS = ("examples",)
"""What ``flowfsm play`` loads when given no target: the shipped example package."""


@dataclass
class Discovery:
    """The flows found, in discovery order (no two with the same name), and what went wrong."""

    flows: list[Flow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """One line per problem: ``"examples.broken: ImportError: ..."``."""

    def add(self, flow: Flow, where: str) -> None:
        """Keep ``flow`` unless it (or another flow of the same name) is already kept."""
        for known in self.flows:
            if known is flow:
                return
            if known.name == flow.name:
                self.errors.append(f"{where}: a second flow named {flow.name!r} was skipped")
                return
        self.flows.append(flow)


def _flows_in(module: ModuleType) -> list[Flow]:
    return [value for name, value in vars(module).items() if isinstance(value, Flow) and not name.startswith("_")]


def _import(name: str, found: Discovery) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except Exception as exc:
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        found.errors.append(f"{name}: {last}")
        return None


def _load_module(name: str, found: Discovery) -> None:
    module = _import(name, found)
    if module is None:
        return
    for flow in _flows_in(module):
        found.add(flow, name)
    if hasattr(module, "__path__"):  # a package: every public module in it
        for info in sorted(pkgutil.iter_modules(module.__path__), key=lambda i: i.name):
            if not info.name.startswith("_"):
                _load_module(f"{name}.{info.name}", found)


def _dotted_name_for(path: Path) -> tuple[Path, str]:
    """The import root and dotted name of a file or directory, walking up through packages."""
    path = path.resolve()
    parts = [path.stem if path.is_file() else path.name]
    root = path.parent
    while (root / "__init__.py").exists():
        parts.insert(0, root.name)
        root = root.parent
    return root, ".".join(parts)


def _load_path(path: Path, found: Discovery) -> None:
    if path.is_dir() and not (path / "__init__.py").exists():
        for child in sorted(path.glob("*.py")):
            if not child.name.startswith("_"):
                _load_path(child, found)
        return
    root, dotted = _dotted_name_for(path)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    _load_module(dotted, found)


def _load_attribute(target: str, found: Discovery) -> None:
    module_name, _, attribute = target.partition(":")
    module = _import(module_name, found)
    if module is None:
        return
    value = getattr(module, attribute, None)
    if isinstance(value, Flow):
        found.add(value, target)
    elif isinstance(value, Iterable) and not isinstance(value, str | bytes):
        flows = [v for v in value if isinstance(v, Flow)]
        for flow in flows:
            found.add(flow, target)
        if not flows:
            found.errors.append(f"{target}: holds no flows")
    else:
        found.errors.append(f"{target}: is not a flow (got {type(value).__name__})")


def discover(targets: Sequence[str] = DEFAULT_TARGETS) -> Discovery:
    """Import every target and collect its top-level :class:`~flowfsm.Flow` objects.

    The current directory is put on ``sys.path`` first, so ``flowfsm play`` run from a project's
    root finds its packages (``examples`` in this repository) as ``python -m`` would.
    """
    cwd = str(Path.cwd())
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    found = Discovery()
    for target in targets or DEFAULT_TARGETS:
        path = Path(target)
        if ":" in target and not path.exists():
            _load_attribute(target, found)
        elif target.endswith(".py") or path.is_dir() and "/" in target or path.is_file():
            if not path.exists():
                found.errors.append(f"{target}: no such file or directory")
            else:
                _load_path(path, found)
        else:
            _load_module(target, found)
    return found
