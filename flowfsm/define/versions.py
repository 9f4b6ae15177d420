"""Flow versions, the flow-graph file, and what a changed flow means for stored sessions.

A stored session (see :mod:`flowfsm.engine.snapshot`) outlives the process that saved it, so the code
that loads it may define the flow differently. :func:`flow_version` is a short hash of what a
stored session depends on: the states in order (their index is part of every custom id) with
their marks, the transitions (trigger, sources, destination, sub-flow and completion handler),
the completion handlers, and the fields of the typed session data. Callbacks (render functions,
hooks, guards) are not part of it: changing one changes no stored position.

``flowfsm snapshot module:flow -o flow-graph.json`` writes :func:`graph_document` of each flow
(commit it with a release); ``flowfsm check --against flow-graph.json module:flow`` then runs
:func:`flowfsm.tools.flow_graph.compare_graph` on the new definition: states removed or renamed while live sessions may sit
in them (and not resolved by ``Flow(migrations=...)``), data fields whose type changed, completion
handlers removed while sessions inside a sub-flow may return to them.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowfsm.define.data import data_fields, is_struct
from flowfsm.errors import FlowError

if TYPE_CHECKING:
    from flowfsm.define.flow import Flow

__all__ = [
    "GRAPH_FORMAT",
    "GraphFileError",
    "flow_version",
    "graph_document",
    "read_graph_file",
    "write_graph_file",
]

GRAPH_FORMAT = 1
"""Format number of the flow-graph file written by ``flowfsm snapshot``."""

_GENERATED = ("back", "cancel")


class GraphFileError(FlowError):
    """A flow-graph file cannot be read (missing, not JSON, another format)."""


def _states(flow: Flow) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "initial": name == flow.initial,
            "final": spec.final,
            "tracked": spec.tracked,
            "preserve": spec.preserve,
            "returnable": spec.returnable,
            "cancellable": spec.cancellable,
            "fallback": spec.fallback,
        }
        for name, spec in flow.states.items()
    ]


def transitions_of(flow: Flow) -> list[dict[str, Any]]:
    declared = list(flow.states)
    found: list[dict[str, Any]] = []
    for spec in flow.transitions:
        if spec.kind in _GENERATED:  # added by compile(): the version must read the same before and after
            continue
        found.append(
            {
                "trigger": spec.trigger,
                "source": list(spec.sources(declared)),
                "dest": spec.dest,
                "kind": spec.kind,
                "subflow": spec.subflow,
                "on_complete": spec.on_complete,
            }
        )
    return found


def _data(flow: Flow) -> dict[str, Any] | None:
    if flow.data_type is None:
        return None
    return {"type": flow.data_type.__qualname__, "fields": data_fields(flow.data_type)}


def _graph(flow: Flow) -> dict[str, Any]:
    """What a stored session depends on, canonical (no callables, no memory addresses)."""
    return {
        "name": flow.name,
        "states": _states(flow),
        "transitions": transitions_of(flow),
        "completions": sorted(flow.completions),
        "data": _data(flow),
    }


def flow_version(flow: Flow) -> str:
    """A short (12 hex digits), stable hash of ``flow``'s graph: the same in every process."""
    text = json.dumps(_graph(flow), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def graph_document(flow: Flow) -> dict[str, Any]:
    """The flow's graph as written to a flow-graph file: its version, states, transitions,
    completion handlers, migrations and (typed data) the data's fields and JSON schema."""
    document = {"version": flow_version(flow), **_graph(flow), "migrations": dict(flow.migrations)}
    if flow.data_type is not None and (is_struct(flow.data_type) or _msgspec_available()):
        import msgspec

        document["data"]["schema"] = msgspec.json.schema(flow.data_type)
    return document


def _msgspec_available() -> bool:
    try:
        import msgspec  # noqa: F401
    except ImportError:
        return False
    return True


def write_graph_file(flows: list[Flow], path: Path | None) -> str:
    """The flow-graph file of ``flows`` as JSON text, also written to ``path`` when given."""
    text = json.dumps(
        {"format": GRAPH_FORMAT, "flows": {flow.name: graph_document(flow) for flow in flows}},
        indent=2,
        sort_keys=True,
    )
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
    return text


def read_graph_file(path: Path) -> dict[str, dict[str, Any]]:
    """The flow graphs of a file written by :func:`write_graph_file`, by flow name."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise GraphFileError(f"cannot read flow-graph file {str(path)!r}: {exc.strerror}") from None
    except ValueError as exc:
        raise GraphFileError(f"flow-graph file {str(path)!r} is not JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != GRAPH_FORMAT:
        raise GraphFileError(
            f"flow-graph file {str(path)!r} is not format {GRAPH_FORMAT} (write it with 'flowfsm snapshot')"
        )
    flows = document.get("flows")
    if not isinstance(flows, dict):
        raise GraphFileError(f"flow-graph file {str(path)!r} has no 'flows'")
    return flows
