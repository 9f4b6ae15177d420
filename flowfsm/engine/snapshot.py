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

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import msgspec

from flowfsm.define.flow import Flow
from flowfsm.engine.session import Session
from flowfsm.errors import SnapshotError, SnapshotRefused

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

FORMAT = 1
"""The snapshot format written by this version of flowfsm."""

_SCREEN = "screen"  # the render counter another part of the engine may add to Session


_NO_DATA = msgspec.Raw(b"")  # the one default instance: omit_defaults omits it by identity


class HistoryEntry(msgspec.Struct, array_like=True):
    """A state Back returns to, with the options it was entered with."""

    state: str
    options: dict[Any, Any] | None = None


class PreservedState(msgspec.Struct, array_like=True):
    """The kept data and page of a preserved state, restored when it is entered again."""

    local: dict[Any, Any] | None
    page: int


class Frame(msgspec.Struct, omit_defaults=True):
    """A parent flow waiting for its sub-flow: where it sits and what it had."""

    flow: str
    version: str
    state: str
    history: list[HistoryEntry] | None = None
    preserved: dict[str, PreservedState] | None = None
    state_options: dict[Any, Any] | None = None
    on_complete: str | None = None


class Snapshot(msgspec.Struct, omit_defaults=True):
    """A session's stored position and data (see the module's docstring for the fields)."""

    format: int
    id: str
    user_id: int
    flow: str
    version: str
    state: str
    timeout: float
    last_active: float
    local: dict[Any, Any] | None = None
    page: int = 0
    state_options: dict[Any, Any] | None = None
    options: dict[Any, Any] | None = None
    preserved: dict[str, PreservedState] | None = None
    history: list[HistoryEntry] | None = None
    frames: list[Frame] | None = None
    data: msgspec.Raw = _NO_DATA
    channel_id: int | None = None
    message_id: int | None = None
    msg_flags: int = 0
    token: str | None = None
    token_at: float = 0.0
    screen: int = 0
    ended: bool = False
    end_text: str | None = None
    members: dict[int, dict[Any, Any]] | None = None


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(Snapshot)
_any_decoder = msgspec.msgpack.Decoder()
_data_decoders: dict[type[Any], msgspec.msgpack.Decoder[Any]] = {}


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
        screen=getattr(session, _SCREEN, 0),
        ended=session.ended,
        end_text=session.end_text,
        members={user: dict(data) for user, data in session.members.items()} if session.members else None,
    )


def _encode_data(session: Session) -> msgspec.Raw:
    if session.data is None:
        return _NO_DATA
    try:
        return msgspec.Raw(_encoder.encode(session.data))
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
        blob = _encoder.encode(snapshot)
    except (TypeError, ValueError, OverflowError, msgspec.EncodeError):
        raise _locate(session) from None
    if verify and not _same(_decoder.decode(blob), snapshot, session):
        raise _locate(session)
    return blob


def _same(back: Snapshot, snapshot: Snapshot, session: Session) -> bool:
    if back != snapshot:
        return False
    if session.data is None:
        return True
    return bool(_decode_data(back.data, session.root_flow.data_type) == session.data)


def _decode_data(raw: msgspec.Raw, tp: type[Any] | None) -> Any:
    if not len(raw):
        return None
    if tp is None:
        return _any_decoder.decode(raw)
    decoder = _data_decoders.get(tp)
    if decoder is None:
        decoder = _data_decoders[tp] = msgspec.msgpack.Decoder(tp)
    return decoder.decode(raw)


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
        back = _decode_data(msgspec.Raw(_encoder.encode(data)), type(data))
    except (TypeError, ValueError, OverflowError, msgspec.EncodeError, msgspec.ValidationError):
        return {name: getattr(data, name) for name in names}
    return {name: getattr(data, name) for name in names if getattr(back, name) != getattr(data, name)}


def _problem(value: Any) -> str | None:
    """Why ``value`` cannot be stored as it is, or ``None`` when it can."""
    kind = type(value).__name__
    try:
        back = _any_decoder.decode(_encoder.encode(value))
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


# -- loading ---------------------------------------------------------------------------------------------


def read_snapshot(blob: bytes) -> Snapshot:
    """Decode snapshot bytes (the data stays encoded until :func:`restore`).

    Raises :class:`SnapshotRefused` for bytes that are not a snapshot of a known format.
    """
    try:
        snapshot = _decoder.decode(blob)
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
        data = _decode_data(snapshot.data, root.data_type)
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
    if hasattr(session, _SCREEN):
        setattr(session, _SCREEN, snapshot.screen)
    return session


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
