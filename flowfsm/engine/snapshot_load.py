"""Loading a snapshot: decode it, and check it against the flows of this process (versions and
migrations); see :mod:`flowfsm.engine.snapshot`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from flowfsm.define.flow import Flow
from flowfsm.engine.session import PlanRecord, Session
from flowfsm.engine.snapshot_format import (
    DECODER,
    FORMAT,
    SCREEN,
    Frame,
    HistoryEntry,
    PreservedState,
    Snapshot,
    decode_data,
)
from flowfsm.errors import SnapshotRefused

__all__ = ["decode_session", "read_snapshot", "refusal", "restore"]


def read_snapshot(blob: bytes) -> Snapshot:
    """Decode snapshot bytes (the data stays encoded until :func:`restore`).

    Raises :class:`SnapshotRefused` for bytes that are not a snapshot of a known format.
    """
    try:
        snapshot = DECODER.decode(blob)
    except msgspec.DecodeError as exc:
        raise SnapshotRefused("?", f"not a snapshot of format {FORMAT}: {exc}") from None
    if snapshot.format != FORMAT:
        raise SnapshotRefused(snapshot.flow, f"snapshot format {snapshot.format}, expected {FORMAT}")
    return snapshot


def _flow(flows: Mapping[str, Flow], name: str) -> Flow:
    flow = flows.get(name)
    if flow is None:
        raise SnapshotRefused(name, "the flow is not registered any more")
    return flow


def _state(flow: Flow, state: str, version: str) -> str:
    """``state`` in the current ``flow``, through its migrations when the flow changed."""
    if version == flow.version or state in flow.states:
        return state
    moved = flow.migrations.get(state)
    if moved is None or moved not in flow.states:
        raise SnapshotRefused(flow.name, f"state {state!r} no longer exists and no migration names it")
    return moved


def _restore_history(flow: Flow, version: str, entries: list[HistoryEntry] | None) -> list[Any] | None:
    if entries is None:
        return None
    if version == flow.version:
        return [(entry.state, entry.options) for entry in entries]
    kept = []
    for entry in entries:
        state = entry.state if entry.state in flow.states else flow.migrations.get(entry.state)
        if state is not None and state in flow.states and flow.states[state].tracked:
            kept.append((state, entry.options))
    return kept


def _restore_preserved(
    flow: Flow, version: str, kept: dict[str, PreservedState] | None
) -> dict[str, tuple[dict[Any, Any] | None, int]] | None:
    if kept is None:
        return None
    restored: dict[str, tuple[dict[Any, Any] | None, int]] = {}
    for state, entry in kept.items():
        if version != flow.version and state not in flow.states:
            state = flow.migrations.get(state, "")
        if state in flow.states:
            restored[state] = (entry.local, entry.page)
    return restored


def _restore_frame(flows: Mapping[str, Flow], frame: Frame) -> tuple[Any, ...]:
    flow = _flow(flows, frame.flow)
    if frame.on_complete is not None and frame.on_complete not in flow.completions:
        raise SnapshotRefused(flow.name, f"completion handler {frame.on_complete!r} no longer exists")
    return (
        flow,
        _state(flow, frame.state, frame.version),
        _restore_history(flow, frame.version, frame.history),
        _restore_preserved(flow, frame.version, frame.preserved),
        frame.state_options or _EMPTY,
        frame.on_complete,
    )


_EMPTY: Mapping[str, Any] = {}


def restore(snapshot: Snapshot, flows: Mapping[str, Flow], *, wall_offset: float = 0.0) -> Session:
    """The session ``snapshot`` describes, with the flows registered in this process.

    Raises :class:`SnapshotRefused` when it cannot carry on: its flow (or a parent's) is not
    registered, its state is gone and no migration names a new one, a parent's completion
    handler is gone, or its data no longer decodes as the root flow's data type.
    """
    flow = _flow(flows, snapshot.flow)
    frames = [_restore_frame(flows, frame) for frame in snapshot.frames] if snapshot.frames else None
    root = frames[0][0] if frames else flow
    try:
        data = decode_data(snapshot.data, root.data_type)
    except msgspec.ValidationError as exc:
        raise SnapshotRefused(root.name, f"the session data no longer decodes: {exc}") from None
    options = snapshot.options or _EMPTY
    session = Session(
        snapshot.id,
        flow,
        snapshot.user_id,
        options=options,
        now=snapshot.last_active - wall_offset,
        channel_id=snapshot.channel_id,
    )
    session.state = _state(flow, snapshot.state, snapshot.version)
    session.timeout = snapshot.timeout
    session.local = snapshot.local
    session.page = snapshot.page
    session.state_options = options if snapshot.state_options is None else snapshot.state_options
    session.preserved = _restore_preserved(flow, snapshot.version, snapshot.preserved)
    session.history = _restore_history(flow, snapshot.version, snapshot.history)
    session.frames = frames
    session.data = data
    session.message_id = snapshot.message_id
    session.msg_flags = snapshot.msg_flags
    session.token = snapshot.token
    session.token_at = snapshot.token_at - wall_offset if snapshot.token is not None else 0.0
    session.ended = snapshot.ended
    session.end_text = snapshot.end_text
    session.members = snapshot.members
    session.timed = _restore_timed(snapshot, wall_offset)
    if hasattr(session, SCREEN):
        setattr(session, SCREEN, snapshot.screen)
    return session


def _restore_timed(snapshot: Snapshot, wall_offset: float) -> PlanRecord | None:
    """The timed plan, when it is for the state the session is in (a migrated state starts anew)."""
    plan = snapshot.timed
    if plan is None or plan.flow != snapshot.flow or plan.state != snapshot.state:
        return None
    return PlanRecord(
        plan.flow,
        plan.state,
        plan.entered - wall_offset,
        {trigger: at - wall_offset for trigger, at in (plan.last or {}).items()},
        list(plan.done or ()),
        plan.waiting,
    )


def decode_session(blob: bytes, flows: Mapping[str, Flow], *, wall_offset: float = 0.0) -> Session:
    """:func:`read_snapshot` then :func:`restore`."""
    return restore(read_snapshot(blob), flows, wall_offset=wall_offset)


def refusal(snapshot: Snapshot, flows: Mapping[str, Flow]) -> str | None:
    """Why ``snapshot`` cannot carry on with ``flows`` (see :func:`restore`), or ``None`` when it can."""
    try:
        restore(snapshot, flows)
    except SnapshotRefused as exc:
        return str(exc)
    return None
