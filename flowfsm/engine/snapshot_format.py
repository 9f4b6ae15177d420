"""The snapshot format: the msgspec structs a session is stored as, and their codecs (see
:mod:`flowfsm.engine.snapshot` for the fields, and why msgpack through msgspec)."""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = [
    "ANY_DECODER",
    "DECODER",
    "ENCODER",
    "FORMAT",
    "NO_DATA",
    "SCREEN",
    "Frame",
    "HistoryEntry",
    "PreservedState",
    "Snapshot",
    "TimedPlan",
    "decode_data",
]

FORMAT = 1
"""The snapshot format written by this version of flowfsm."""

SCREEN = "screen"  # the render counter another part of the engine may add to Session


NO_DATA = msgspec.Raw(b"")  # the one default instance: omit_defaults omits it by identity


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


class TimedPlan(msgspec.Struct, array_like=True):
    """The timed plan of the session's state (a remote store fires it from any replica): the flow
    and state it is for, when the state was entered, each ``every`` edge's last firing, the
    ``after`` edges fired, and whether it waits for the user's next click."""

    flow: str
    state: str
    entered: float
    last: dict[str, float] | None = None
    done: list[str] | None = None
    waiting: bool = False


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
    data: msgspec.Raw = NO_DATA
    channel_id: int | None = None
    message_id: int | None = None
    msg_flags: int = 0
    token: str | None = None
    token_at: float = 0.0
    screen: int = 0
    ended: bool = False
    end_text: str | None = None
    members: dict[int, dict[Any, Any]] | None = None
    timed: TimedPlan | None = None


ENCODER = msgspec.msgpack.Encoder()
DECODER = msgspec.msgpack.Decoder(Snapshot)
ANY_DECODER = msgspec.msgpack.Decoder()
_data_decoders: dict[type[Any], msgspec.msgpack.Decoder[Any]] = {}


def decode_data(raw: msgspec.Raw, tp: type[Any] | None) -> Any:
    """Session data from its encoded bytes: of type ``tp`` when the flow declares one, else plain."""
    if not len(raw):
        return None
    if tp is None:
        return ANY_DECODER.decode(raw)
    decoder = _data_decoders.get(tp)
    if decoder is None:
        decoder = _data_decoders[tp] = msgspec.msgpack.Decoder(tp)
    return decoder.decode(raw)
