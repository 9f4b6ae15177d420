"""The playground's live panel: fire an external trigger (``flows.send``) or an invalidation
(``flows.invalidate``) on the current session, and see its timed edges ticking with the
playground's fake clock (``Advance to the next timed edge``).

Every action goes through the real manager and is written to the transition log like a click.
"""

from __future__ import annotations

import html
import json
from collections.abc import Awaitable, Callable, Hashable
from typing import TYPE_CHECKING, Any

from flowfsm.define.flow import RESERVED_TRIGGERS

if TYPE_CHECKING:
    from flowfsm.tools.playground.play import LogEntry, Playground

__all__ = ["advance_to_timed", "invalidate", "live_panel", "live_state", "send_trigger"]


def _session(play: Playground) -> Any:
    view = play.view
    session = view.session if view is not None else None
    return None if session is None or session.ended else session


def sendable(play: Playground) -> list[str]:
    """The triggers the current session's state can fire (what ``flows.send`` may send it)."""
    session = _session(play)
    if session is None:
        return []
    return sorted(t for t in session.flow.triggers_from(session.state) if t not in RESERVED_TRIGGERS)


def timed(play: Playground) -> list[dict[str, Any]]:
    """The timed edges of the current state and, for the next one due, in how many seconds."""
    session = _session(play)
    if session is None:
        return []
    planned = play.harness.manager.timed_plans().get(session.id)
    return [
        {
            "trigger": edge.trigger,
            "time": edge.time_label,
            "due_in": planned[1] - play.harness.clock.now if planned and planned[0] == edge.trigger else None,
        }
        for edge in session.flow.timed_from(session.state)
    ]


def watched(play: Playground) -> list[Hashable]:
    """Every key an open session watches (``ctx.watch``)."""
    return play.harness.manager.watched_keys()


def live_state(play: Playground) -> dict[str, Any]:
    """The panel as data (for ``/api/state``)."""
    return {
        "sendable": sendable(play),
        "timed": timed(play),
        "watched": [_key_text(k) for k in watched(play)],
    }


def _key_text(key: Hashable) -> str:
    """A watch key as JSON: ``"stock"`` or ``["stock", "potion"]`` (how the page sends it back)."""
    return json.dumps(list(key) if isinstance(key, tuple) else key, default=str)


def live_panel(play: Playground) -> str:
    """The live panel's HTML: send buttons, invalidate buttons, timed edges."""
    e = html.escape
    sends = "".join(
        f'<button class="btn btn-secondary live-send" type="button" data-trigger="{e(t)}">{e(t)}</button>'
        for t in sendable(play)
    )
    keys = "".join(
        f'<button class="btn btn-secondary live-invalidate" type="button" data-key="{e(_key_text(k))}">'
        f"{e(_key_text(k))}</button>"
        for k in watched(play)
    )
    edges = "".join(
        f'<li><span class="metric-name">{e(t["trigger"])}</span><span class="metric-value">{e(t["time"])}'
        + (f" · due in {t['due_in']:g} s" if t["due_in"] is not None else "")
        + "</span></li>"
        for t in timed(play)
    )
    tick = (
        '<button class="btn btn-secondary wide live-tick" type="button">Advance to the next timed edge</button>'
        if edges
        else ""
    )
    return (
        '<div class="section-title">Send a trigger (flows.send)</div>'
        + (sends or '<p class="empty">No open session.</p>')
        + '<div class="section-title">Invalidate a watched key (flows.invalidate)</div>'
        + (keys or '<p class="empty">No screen watches a key.</p>')
        + '<div class="section-title">Timed edges</div>'
        + (f'<ul class="metrics">{edges}</ul>{tick}' if edges else '<p class="empty">None in this state.</p>')
    )


async def _logged(
    play: Playground, action: str, trigger: str | None, run: Callable[[], Awaitable[str]]
) -> LogEntry:
    """Run a live action under the playground's lock; log it with the moves it caused."""
    from flowfsm.tools.playground.play import LogEntry, PlaygroundError, _capture_errors

    view = play.view
    if view is None:
        raise PlaygroundError("start a flow first")
    async with play._lock:
        state = view.state
        traced = play._trace_mark()
        with _capture_errors() as errors:
            detail = await run()
            await play.harness.manager.drain()
        entry = LogEntry(len(view.log) + 1, "server", action, trigger, state, view.state, "live", detail)
        entry.moves = play._moves(traced, view)
        entry.ended = view.ended
        if errors.lines:
            entry.outcome, entry.detail = "error", "; ".join(errors.lines)
        view.log.append(entry)
        play._note_new_messages(view.owner)
        return entry


async def send_trigger(play: Playground, trigger: str) -> LogEntry:
    """``flows.send(session, trigger)`` on the current session, as a webhook or a job would."""
    from flowfsm.tools.playground.play import PlaygroundError

    session = _session(play)
    if session is None:
        raise PlaygroundError("no open session to send to")
    if trigger not in sendable(play):
        raise PlaygroundError(f"state {session.state!r} has no trigger {trigger!r}")

    async def run() -> str:
        result = await play.harness.manager.send(session, trigger)
        return f"send {trigger!r}: {result.status}" + (f" ({result.detail})" if result.detail else "")

    return await _logged(play, f"send {trigger}", trigger, run)


async def invalidate(play: Playground, key: str) -> LogEntry:
    """``flows.invalidate(*key)``: ``key`` is a watched key as the panel shows it (JSON)."""
    from flowfsm.tools.playground.play import PlaygroundError

    try:
        parsed = json.loads(key)
    except ValueError:
        raise PlaygroundError(f"not a watched key: {key!r}") from None
    parts = tuple(parsed) if isinstance(parsed, list) else (parsed,)

    async def run() -> str:
        marked = play.harness.manager.invalidate(*parts)
        await play.harness.advance(play.harness.manager.refresh_interval)  # let the refresh flush
        return f"invalidate {key}: {marked} session(s) refreshed"

    return await _logged(play, f"invalidate {key}", None, run)


async def advance_to_timed(play: Playground) -> LogEntry:
    """Move the fake clock to the current session's next timed edge (which then fires)."""
    from flowfsm.tools.playground.play import PlaygroundError

    session = _session(play)
    planned = play.harness.manager.timed_plans().get(session.id) if session is not None else None
    if planned is None:
        raise PlaygroundError("no timed edge is due in this state")
    trigger, due = planned
    seconds = max(0.0, due - play.harness.clock.now)

    async def run() -> str:
        await play.harness.advance(seconds)
        return f"clock +{seconds:g} s: {trigger!r} fired"

    return await _logged(play, f"advance {seconds:g} s", trigger, run)
