"""``flowfsm check --against``: what a changed flow means for sessions stored under its old graph.

Compares a flow-graph file written by ``flowfsm snapshot`` (see :mod:`flowfsm.define.versions`)
with the flow as defined now: states removed or renamed while live sessions may sit in them (and
not resolved by ``Flow(migrations=...)``), data fields whose type changed, completion handlers
removed while sessions inside a sub-flow may return to them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from flowfsm.define.data import data_fields
from flowfsm.define.versions import transitions_of
from flowfsm.tools.check import FLOW_WIDE, Finding

if TYPE_CHECKING:
    from flowfsm.define.flow import Flow

__all__ = ["compare_graph"]


def _outgoing(transitions: Sequence[Mapping[str, Any]], state: str) -> frozenset[str]:
    return frozenset(t["trigger"] for t in transitions if state in t["source"])


def _renamed_to(old: Mapping[str, Any], flow: Flow, state: str, added: list[str]) -> str | None:
    """A guess at the new name of removed ``state``: the one added state firing the same
    triggers, or the only added state when only one was removed."""
    before = _outgoing(old["transitions"], state)
    now = transitions_of(flow)
    same = [name for name in added if _outgoing(now, name) == before]
    if len(same) == 1:
        return same[0]
    return added[0] if len(added) == 1 else None


def compare_graph(old: Mapping[str, Any], flow: Flow) -> list[Finding]:
    """What stored sessions saved under graph ``old`` would meet in the current ``flow``.

    Sessions can sit in every non-final state (a final state ends the session), and a session
    inside a sub-flow sits in its parent's state too.
    """

    findings: list[Finding] = []
    old_states = [s["name"] for s in old["states"] if not s["final"]]
    added = [name for name in flow.states if name not in {s["name"] for s in old["states"]}]
    removed = [name for name in old_states if name not in flow.states and name not in flow.migrations]
    for state in removed:
        guess = _renamed_to(old, flow, state, added)
        target = guess or "<new state>"
        renamed = f" (renamed to {guess!r}?)" if guess else ""
        findings.append(
            Finding(
                flow.name,
                state,
                f"state removed{renamed} while live sessions may sit in it: they would get the expired reply; "
                f"add migrations={{{state!r}: {target!r}}} to carry them on",
            )
        )
    for old_name, new_name in flow.migrations.items():
        if new_name not in flow.states:
            findings.append(
                Finding(flow.name, old_name, f"migration to {new_name!r}, which is not a state of the flow")
            )
    handlers = {t["on_complete"] for t in old["transitions"] if t.get("on_complete")}
    for handler in sorted(handlers - set(flow.completions)):
        findings.append(
            Finding(
                flow.name,
                FLOW_WIDE,
                f"completion handler {handler!r} removed while sessions inside its sub-flow may return to it",
            )
        )
    findings.extend(_data_changes(old.get("data"), flow))
    return findings


def _data_changes(old: Mapping[str, Any] | None, flow: Flow) -> list[Finding]:

    if flow.data_type is None:
        return []
    fields = data_fields(flow.data_type)
    if old is None:
        return [
            Finding(
                flow.name,
                FLOW_WIDE,
                f"session data became typed ({flow.data_type.__qualname__}): stored dict data that does not "
                "decode as it gets the expired reply",
            )
        ]
    found: list[Finding] = []
    for name, was in old.get("fields", {}).items():
        now = fields.get(name)
        if now is not None and now != was:
            found.append(
                Finding(
                    flow.name,
                    FLOW_WIDE,
                    f"data field {name!r} changed type: {was} -> {now}; stored sessions whose value does not "
                    "decode as the new type get the expired reply",
                )
            )
    return found
