"""A session as bytes: what a remote store (see :mod:`flowfsm.engine.stores.redis`) keeps under one key.

A :class:`Snapshot` holds a session's position and data, never a callable: flows, states,
triggers and completion handlers are stored by name and looked up again in the flows registered
in the process that loads it. Fields (``format`` first, so a later format can be told apart):

* ``id``, ``user_id``; ``flow`` and ``version`` (the running flow's name and
  :attr:`Flow.version <flowfsm.define.flow.Flow.version>`), ``state``;
* the state's data: ``local`` (``ctx.state``), ``page``, ``state_options`` (omitted when they are
  the start ``options``), ``options``; ``preserved`` (state -> data and page of preserved
  states); ``history`` (state and options, oldest first);
* ``frames``: the sub-flow stack, each the parent flow's name and version, the parent state, its
  history, preserved states, state options and the completion handler's name;
* ``data`` (``ctx.data``), encoded apart with the root flow's data type, if it declares one;
* ``timeout``, ``last_active`` (the deadline is ``last_active + timeout``), ``token`` and
  ``token_at``, ``channel_id``, ``message_id``, ``msg_flags``, ``screen`` (when the session has a
  render counter), ``ended`` and ``end_text``;
* ``timed``: with timed edges in the current state, their plan (state, entry time, last firings,
  whether it waits for a click), so that any replica fires them (see :mod:`flowfsm.engine.remote_timed`);
* ``members``: on a shared menu, each user's ``ctx.member_data`` by user id (the screens users last
  clicked are not kept: after a load only clicks on the current screen run until users click again).

Times are Unix (wall-clock) seconds. The engine's clock is monotonic, and a monotonic reading
means nothing in another process or on another machine (each counts from its own boot); an age
would not do either, as it would stop while the snapshot waits in the store, so a restart would
reset every timeout. The caller passes ``wall_offset`` (wall clock minus engine clock, read now)
to convert on the way in and out; replicas' wall clocks agree to milliseconds under NTP, which
is nothing next to a session timeout or the 15 minutes an interaction token lives.

**The rendered items are not stored.** ``Session.items`` holds the last render's buttons and
selects, whose actions are callables; a loaded session has none. The engine re-renders the
loaded session's state (its render function with the restored data, page and options) to
recover its items before it looks up the clicked one.

The encoding is msgpack through msgspec with the :class:`Snapshot` schema. Measured on a typical
snapshot (``python bench/snapshot.py``: the shop after two purchases), msgspec's msgpack and JSON
are equally fast (about 0.6 µs to encode, 1.6 µs to decode), and msgpack is a quarter smaller
(278 bytes against 373) and keeps what JSON would change: integer dict keys, bytes, NaN and
aware datetimes. A value that would still not come back as it was (a tuple becomes a list, a set is
refused, a naive datetime becomes a string, a callable or a connection cannot be encoded)
raises :class:`~flowfsm.errors.SnapshotError` naming the flow, state and key, at the end of the
step that stored it, instead of surprising the next click.

Loading checks the snapshot against the flows of this process (:func:`restore`): when a flow's
version changed, states are looked up through ``Flow(migrations=...)``; a state that no longer
exists, an unknown flow or completion handler, or data that no longer decodes refuses the
snapshot with :class:`~flowfsm.errors.SnapshotRefused` (the engine then gives the expired reply
with "Open again"). History entries and preserved states of states that are gone are dropped.
"""

from collections.abc import Iterator, Mapping
from typing import Any

import msgspec

from flowfsm.engine.session import PlanRecord, Session
from flowfsm.engine.snapshot_format import (
    ANY_DECODER,
    DECODER,
    ENCODER,
    FORMAT,
    NO_DATA,
    SCREEN,
    Frame,
    HistoryEntry,
    PreservedState,
    Snapshot,
    TimedPlan,
    decode_data,
)
from flowfsm.engine.snapshot_load import decode_session, read_snapshot, refusal, restore
from flowfsm.errors import SnapshotError

__all__ = [
    "FORMAT",
    "Frame",
    "HistoryEntry",
    "PreservedState",
    "Snapshot",
    "decode_session",
    "encode_session",
    "read_snapshot",
    "refusal",
    "restore",
    "snapshot_of",
]


def _mapping(value: Mapping[Any, Any] | None) -> dict[Any, Any] | None:
    return None if value is None else dict(value)


def _options(value: Mapping[Any, Any] | None) -> dict[Any, Any] | None:
    return dict(value) if value else None  # no options and empty options read the same


def _history(entries: list[tuple[str, Mapping[str, Any] | None]] | None) -> list[HistoryEntry] | None:
    if entries is None:
        return None
    return [HistoryEntry(state, _options(options)) for state, options in entries]


def _preserved(
    kept: Mapping[str, tuple[dict[str, Any] | None, int]] | None,
) -> dict[str, PreservedState] | None:
    if kept is None:
        return None
    return {state: PreservedState(_mapping(local), page) for state, (local, page) in kept.items()}


def _frame(frame: tuple[Any, ...]) -> Frame:
    flow, state, history, preserved, state_options, on_complete = frame
    return Frame(
        flow.name,
        flow.version,
        state,
        _history(history),
        _preserved(preserved),
        _options(state_options),
        on_complete,
    )


def snapshot_of(session: Session, *, wall_offset: float = 0.0) -> Snapshot:
    """The :class:`Snapshot` of ``session``; ``wall_offset`` is wall clock minus engine clock.

    Raises :class:`SnapshotError` when the session data cannot be encoded at all.
    """
    options = _options(session.options)
    # Most states are entered with the start options: store them once.
    same = session.state_options is session.options or session.state_options == session.options
    state_options = None if same else dict(session.state_options)
    return Snapshot(
        format=FORMAT,
        id=session.id,
        user_id=session.user_id,
        flow=session.flow.name,
        version=session.flow.version,
        state=session.state,
        timeout=session.timeout,
        last_active=session.last_active + wall_offset,
        local=_mapping(session.local),
        page=session.page,
        state_options=state_options,
        options=options,
        preserved=_preserved(session.preserved),
        history=_history(session.history),
        frames=[_frame(frame) for frame in session.frames] if session.frames else None,
        data=_encode_data(session),
        channel_id=session.channel_id,
        message_id=session.message_id,
        msg_flags=session.msg_flags,
        token=session.token,
        token_at=session.token_at + wall_offset if session.token is not None else 0.0,
        screen=getattr(session, SCREEN, 0),
        ended=session.ended,
        end_text=session.end_text,
        members={user: dict(data) for user, data in session.members.items()} if session.members else None,
        timed=_timed(session.timed, wall_offset),
    )


def _timed(plan: PlanRecord | None, wall_offset: float) -> TimedPlan | None:
    """The stored form of a timed plan (wall-clock times)."""
    if plan is None:
        return None
    return TimedPlan(
        plan.flow,
        plan.state,
        plan.entered + wall_offset,
        {trigger: at + wall_offset for trigger, at in plan.last.items()} or None,
        list(plan.done) or None,
        plan.waiting,
    )


def _encode_data(session: Session) -> msgspec.Raw:
    if session.data is None:
        return NO_DATA
    try:
        return msgspec.Raw(ENCODER.encode(session.data))
    except (TypeError, ValueError, OverflowError, msgspec.EncodeError):
        raise _locate(session) from None


def encode_session(session: Session, *, wall_offset: float = 0.0, verify: bool = True) -> bytes:
    """``session`` as snapshot bytes.

    With ``verify`` (the default) the bytes are decoded again and compared with the session, so
    that a value changed by the trip (a tuple that would come back a list) raises
    :class:`SnapshotError` now, naming flow, state and key, rather than at the next click.
    """
    snapshot = snapshot_of(session, wall_offset=wall_offset)
    try:
        blob = ENCODER.encode(snapshot)
    except (TypeError, ValueError, OverflowError, msgspec.EncodeError):
        raise _locate(session) from None
    if verify and not _same(DECODER.decode(blob), snapshot, session):
        raise _locate(session)
    return blob


def _same(back: Snapshot, snapshot: Snapshot, session: Session) -> bool:
    if back != snapshot:
        return False
    if session.data is None:
        return True
    return bool(decode_data(back.data, session.root_flow.data_type) == session.data)


# -- naming the value that cannot be stored ---------------------------------------------------------------


def _places(session: Session) -> Iterator[tuple[str, str, str, Any]]:
    """Every (flow, state, place, mapping) of user values in a session, the running state first."""
    flow, state = session.flow.name, session.state
    yield flow, state, "ctx.state", session.local
    yield flow, state, "ctx.data", _data_to_check(session)
    yield flow, state, "ctx.state_options", session.state_options
    yield flow, state, "start options", session.options
    yield from _kept(flow, session.preserved, session.history)
    for user, member_data in (session.members or {}).items():
        yield flow, state, f"ctx.member_data of user {user}", member_data
    for parent, parent_state, history, preserved, state_options, _handler in session.frames or ():
        yield parent.name, parent_state, "state options", state_options
        yield from _kept(parent.name, preserved, history)


def _kept(
    flow: str,
    preserved: Mapping[str, tuple[dict[str, Any] | None, int]] | None,
    history: list[tuple[str, Mapping[str, Any] | None]] | None,
) -> Iterator[tuple[str, str, str, Any]]:
    for state, (local, _page) in (preserved or {}).items():
        yield flow, state, "preserved ctx.state", local
    for state, options in history or ():
        yield flow, state, "history options", options


def _data_to_check(session: Session) -> Mapping[str, Any] | None:
    """The session data's entries that may not come back as they are: all of a dict; for typed
    data, the fields whose value differs after a trip through the data type's schema."""
    data = session.data
    if data is None or isinstance(data, Mapping):
        return data
    names = getattr(data, "__struct_fields__", None) or getattr(data, "__dataclass_fields__", ())
    try:
        back = decode_data(msgspec.Raw(ENCODER.encode(data)), type(data))
    except (TypeError, ValueError, OverflowError, msgspec.EncodeError, msgspec.ValidationError):
        return {name: getattr(data, name) for name in names}
    return {name: getattr(data, name) for name in names if getattr(back, name) != getattr(data, name)}


def _problem(value: Any) -> str | None:
    """Why ``value`` cannot be stored as it is, or ``None`` when it can."""
    kind = type(value).__name__
    try:
        back = ANY_DECODER.decode(ENCODER.encode(value))
    except (TypeError, ValueError, OverflowError, msgspec.EncodeError) as exc:
        return f"a {kind} cannot be stored in a snapshot ({exc})"
    if back != value or type(back) is not type(value):
        return (
            f"a {kind} would come back as a {type(back).__name__}: store None, bool, int, float, str, "
            "bytes, lists and dicts of them (or declare typed data with Flow(data=...))"
        )
    return None


def _locate(session: Session) -> SnapshotError:
    """The error naming the first value of ``session`` that cannot be stored as it is."""
    for flow, state, what, mapping in _places(session):
        if not mapping:
            continue
        for key, value in mapping.items():
            problem = _problem(value)
            if problem is not None:
                return SnapshotError(flow, state, problem, what=what, key=str(key))
            if not isinstance(key, str | int):
                return SnapshotError(
                    flow, state, f"a {type(key).__name__} key cannot be stored", what=what, key=str(key)
                )
    return SnapshotError(
        session.flow.name, session.state, "the session would not come back as it is from a snapshot"
    )
