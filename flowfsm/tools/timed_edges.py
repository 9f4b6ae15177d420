"""What ``flowfsm check`` says about timed edges (``flow.transition(..., every=5)`` / ``after=30``).

:func:`timed_edges` lists them, one line each (``check`` prints the list); :func:`timed_findings`
reports the ones that cannot do what they say:

* on an ephemeral state, an edge that can fire past Discord's 15-minute interaction token: an
  ephemeral message can be edited only through the token of the last interaction on it, so such
  an edge would find no way to show its result (the engine then leaves the menu alone until the
  user's next click, see :mod:`flowfsm.engine.external`). ``after`` edges fire that late when
  their time is past the token's lifetime; ``every`` edges keep firing until the session expires,
  so their flow's timeout is what counts;
* an ``after`` edge no shorter than the flow's timeout: the session expires first unless the user
  clicks meanwhile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flowfsm.tools.check import Finding
from flowfsm.tools.diagram import expand_sources

if TYPE_CHECKING:
    from flowfsm.define.flow import Flow, TransitionSpec

__all__ = ["TOKEN_LIFETIME", "timed_edges", "timed_findings"]

TOKEN_LIFETIME = 14.5 * 60
"""Seconds an interaction token is used for edits (Discord's 15 minutes, less a margin)."""


def _timed(flow: Flow) -> list[tuple[str, TransitionSpec]]:
    """(source state, transition) of every timed edge, in declaration order."""
    found: list[tuple[str, TransitionSpec]] = []
    for spec in flow.transitions:
        if getattr(spec, "timed", None) is None:
            continue
        found.extend((source, spec) for source in expand_sources(spec.source, list(flow.states)))
    return found


def timed_edges(flow: Flow) -> list[str]:
    """One line per timed edge: ``auction:bidding --tick--> (internal) every 10 s``."""
    return [
        f"{flow.name}:{source} --{spec.trigger}--> {spec.dest or '(internal)'} {spec.time_label}"
        for source, spec in _timed(flow)
    ]


def _ephemeral(flow: Flow, state: str) -> bool:
    spec = flow.states.get(state)
    own = getattr(spec, "ephemeral", None)
    return bool(flow.ephemeral if own is None else own)


def timed_findings(flow: Flow) -> list[Finding]:
    """Timed edges that fire where no edit reaches the user, or never fire unattended."""
    found: list[Finding] = []
    for source, spec in _timed(flow):
        if spec.delay is not None and spec.delay >= flow.timeout:
            found.append(
                Finding(
                    flow.name,
                    source,
                    f"timed transition {spec.trigger!r} ({spec.time_label}) is not shorter than the flow's "
                    f"timeout ({flow.timeout:g} s): the session expires first unless the user clicks",
                )
            )
        if not _ephemeral(flow, source):
            continue
        late = spec.delay if spec.delay is not None else flow.timeout
        if late > TOKEN_LIFETIME:
            found.append(
                Finding(
                    flow.name,
                    source,
                    f"timed transition {spec.trigger!r} ({spec.time_label}) can fire past the 15-minute token "
                    "of this ephemeral state, when no edit can reach the user (make the state public, or "
                    "keep the edge and the flow's timeout under 14.5 minutes)",
                )
            )
    return found
