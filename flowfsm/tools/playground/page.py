"""The playground page and its panels (flow list, channel, status, transition log) as HTML.

The page is served whole once; after each action the script swaps in fresh fragments
(:func:`fragments`), keyed by element id. Messages and modals are drawn by
:mod:`flowfsm.tools.playground.render_html` from the fake Discord's JSON.
"""

from __future__ import annotations

import dataclasses
import html
from typing import Any

from flowfsm.tools.playground import live
from flowfsm.tools.playground.play import LOCALES, LogEntry, Playground
from flowfsm.tools.playground.render_html import Directory, render_message, render_modal

__all__ = ["fragments", "page", "state_json"]

_OUTCOME_TEXT = {
    "start": "started",
    "moved": "moved",
    "stayed": "re-rendered",
    "refused": "refused",
    "guard": "guard failed",
    "modal": "modal",
    "error": "error",
    "expired": "expired",
    "clock": "clock",
    "live": "server",
}


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def directory(play: Playground) -> Directory:
    """The fake guild of this playground: its users (roles and channels are the defaults)."""
    return Directory(users=tuple((u.id, u.name) for u in play.users))


def flow_list(play: Playground, selected: str | None) -> str:
    """The sidebar's list of flows; the selected one is marked."""
    items = []
    for flow in play.flows.values():
        current = " selected" if flow.name == selected else ""
        description = (
            f'<span class="flow-description">{_e(flow.description)}</span>' if flow.description else ""
        )
        items.append(
            f'<li><button class="flow-item{current}" type="button" data-flow="{_e(flow.name)}"'
            f' data-command="{_e(flow.command)}"><span class="flow-name"><span class="slash">/</span>'
            f"{_e(flow.command)}</span>{description}</button></li>"
        )
    if not items:
        items.append('<li class="empty">No flows found.</li>')
    return "".join(items)


def user_list(play: Playground) -> str:
    """The "act as" switch: one button per fake user, the acting one marked."""
    buttons = []
    for index, user in enumerate(play.users):
        active = " active" if user.id == play.acting else ""
        buttons.append(
            f'<button class="user-item{active}" type="button" data-user="{user.id}">'
            f'<span class="avatar small u{index % 4}">{_e(user.name[:1].upper())}</span>'
            f'<span class="user-name">{_e(user.name)}</span></button>'
        )
    return "".join(buttons)


def locale_picker(play: Playground) -> str:
    """The "locale" switch: the language the acting users' Discord clients send."""
    options = "".join(
        f'<option value="{_e(locale)}"{" selected" if locale == play.locale else ""}>{_e(locale)}</option>'
        for locale in LOCALES
    )
    return f'<select class="locale-select" id="locale-select" aria-label="User locale">{options}</select>'


def channel(play: Playground) -> str:
    """The messages of the current session's channel, drawn from the fake Discord's JSON."""
    view = play.view
    if view is None:
        return (
            '<div class="welcome"><h1>flowfsm playground</h1><p>Pick a flow on the left, choose who you are, '
            "and send its slash command. Every click goes through hikari, miru and the flow manager, "
            "exactly as on Discord.</p></div>"
        )
    names = {u.id: u.name for u in play.users}
    folder = directory(play)
    parts = [
        f'<div class="channel-start"><h2>Welcome to #{_e(view.flow.name)}</h2>'
        f"<p>{_e(view.flow.description or 'A flowfsm flow.')}</p></div>"
    ]
    for message in play.messages():
        message_id = int(message["id"])
        invoked = view.invoked.get(message_id)
        seen = view.seen_by.get(message_id)
        parts.append(
            render_message(
                message,
                directory=folder,
                invoked_by=names.get(invoked[0]) if invoked else None,
                command=invoked[1] if invoked else None,
                seen_by=names.get(seen) if seen is not None else None,
            )
        )
    return "".join(parts)


def status(play: Playground) -> str:
    """The chat header: flow, owner, state, time left and the fake clock."""
    view = play.view
    clock = f'<span class="clock" title="fake clock">clock +{play.now:g} s</span>'
    if view is None:
        return f'<span class="hash">#</span><span class="channel-name">playground</span>{clock}'
    owner = play.user(view.owner).name
    remaining = play.remaining()
    if view.session is None:
        life = '<span class="pill bad">not started</span>'
    elif remaining is None:
        life = '<span class="pill bad">ended</span>'
    else:
        life = f'<span class="pill">expires in {remaining:g} s</span>'
    state = f'<span class="pill state" id="current-state">{_e(view.state or "-")}</span>'
    shared = ""
    if view.flow.access.shared:
        members = len(view.session.members or ()) if view.session is not None else 0
        shared = f'<span class="pill shared" id="shared">{_e(view.flow.access.describe())}, {members} clicked</span>'
    return (
        f'<span class="hash">#</span><span class="channel-name">{_e(view.flow.name)}</span>'
        f'<span class="divider"></span><span class="meta">owner {_e(owner)}</span>{state}{shared}{life}{clock}'
    )


def _log_entry(entry: LogEntry) -> str:
    if entry.source is not None and entry.dest is not None and entry.source != entry.dest:
        move = (
            f'<span class="from">{_e(entry.source)}</span><span class="arrow">→</span>'
            f'<span class="to">{_e(entry.dest)}</span>'
        )
    elif entry.source is None and entry.dest is not None:
        move = f'<span class="arrow">→</span><span class="to">{_e(entry.dest)}</span>'
    elif entry.source is not None:
        move = f'<span class="arrow">in</span><span class="from">{_e(entry.source)}</span>'
    else:
        move = ""
    trigger = f'<code class="trigger">{_e(entry.trigger)}</code>' if entry.trigger else ""
    detail = f'<div class="detail">{_e(entry.detail)}</div>' if entry.detail else ""
    ended = '<span class="badge o-ended">session ended</span>' if entry.ended else ""
    moves = ""
    if len(entry.moves) > 1 or any(m.kind in ("subflow", "complete", "end") for m in entry.moves):
        lines = "".join(
            f'<li><span class="move-kind">{_e(m.kind)}</span>'
            f"{f'<code class=trigger>{_e(m.trigger)}</code>' if m.trigger else ''}"
            f'<span class="from">{_e(m.source or "∅")}</span><span class="arrow">→</span>'
            f'<span class="to">{_e(m.dest)}</span>'
            f"{f' <span class=move-detail>{_e(m.detail)}</span>' if m.detail else ''}</li>"
            for m in entry.moves
        )
        moves = f'<ul class="moves">{lines}</ul>'
    return (
        f'<li class="log-entry o-{entry.outcome}" data-outcome="{entry.outcome}">'
        f'<div class="log-line"><span class="step">{entry.step}</span>'
        f'<span class="who">{_e(entry.user)}</span><span class="what">{_e(entry.action)}</span></div>'
        f'<div class="log-line">{trigger}{move}<span class="badge o-{entry.outcome}">'
        f"{_OUTCOME_TEXT.get(entry.outcome, entry.outcome)}</span>{ended}</div>{moves}{detail}</li>"
    )


def log(play: Playground) -> str:
    """The transition log of the current session, newest last."""
    view = play.view
    if view is None or not view.log:
        return '<li class="empty">Nothing yet.</li>'
    return "".join(_log_entry(entry) for entry in view.log)


def counters(play: Playground) -> dict[str, float]:
    """The manager's Prometheus counters, summed over their labels but the reason or status that
    tells them apart (``"refusals guard"``): the same figures ``/metrics`` exports, in short."""
    metrics = play.metrics
    if metrics is None:
        return {}
    totals: dict[str, float] = {}
    split = {"reason", "status", "result"}
    for family in metrics.registry.collect():
        for sample in family.samples:
            name = sample.name.removeprefix("flowfsm_")
            if name.endswith(("_bucket", "_created")) or name.endswith("_seconds_sum"):
                continue
            name = name.removesuffix("_total").removesuffix("_seconds_count")
            detail = " ".join(str(v) for k, v in sorted(sample.labels.items()) if k in split)
            key = f"{name} {detail}".strip()
            totals[key] = totals.get(key, 0.0) + sample.value
    return totals


def metrics_panel(play: Playground) -> str:
    """The counters panel: non-zero counters and gauges of this playground's manager."""
    if play.metrics is None:
        return '<li class="empty">pip install "flowfsm[metrics]" to see the counters.</li>'
    rows = [
        f'<li><span class="metric-name">{_e(name)}</span><span class="metric-value">{value:g}</span></li>'
        for name, value in sorted(counters(play).items())
        if value
    ]
    return "".join(rows) or '<li class="empty">Nothing counted yet.</li>'


def modal(play: Playground) -> str:
    """The open modal as a dialog, or nothing."""
    view = play.view
    if view is None or view.modal is None:
        return ""
    return render_modal(view.modal.data, directory=directory(play))


def fragments(play: Playground, diagram: str) -> dict[str, str]:
    """Every part of the page that changes, keyed by the id of the element that holds it."""
    selected = play.selected
    return {
        "flows": flow_list(play, selected),
        "users": user_list(play),
        "locale": locale_picker(play),
        "status": status(play),
        "channel": channel(play),
        "diagram": diagram,
        "log": log(play),
        "metrics": metrics_panel(play),
        "modal-root": modal(play),
        "live": live.live_panel(play),
    }


def state_json(play: Playground) -> dict[str, Any]:
    """What the page shows, as data: for scripts, tests and the curious."""
    view = play.view
    return {
        "acting": play.acting,
        "locale": play.locale,
        "flows": [
            {"name": f.name, "command": f.command, "description": f.description, "states": list(f.states)}
            for f in play.flows.values()
        ],
        "users": [{"id": u.id, "name": u.name} for u in play.users],
        "errors": play.errors,
        "clock": play.now,
        "metrics": counters(play),
        "live": live.live_state(play),
        "view": None
        if view is None
        else {
            "flow": view.flow.name,
            "owner": view.owner,
            "state": view.state,
            "ended": view.ended,
            "path": view.states_walked(),
            "full_path": [list(step) for step in view.path],
            "current_flow": view.current_flow.name,
            "access": view.flow.access.describe(),
            "members": {
                str(user): dict(data)
                for user, data in ((view.session.members or {}) if view.session is not None else {}).items()
            },
            "remaining": play.remaining(),
            "log": [dataclasses.asdict(entry) for entry in view.log],
            "modal": view.modal.data if view.modal is not None else None,
            "messages": play.messages(),
        },
    }


def page(play: Playground, diagram: str) -> str:
    """The whole page, with its current fragments filled in."""
    parts = fragments(play, diagram)
    selected = play.selected or ""
    command = play.flows[selected].command if selected in play.flows else ""
    errors = "".join(f"<li>{_e(e)}</li>" for e in play.errors)
    error_box = f'<ul class="load-errors" id="load-errors">{errors}</ul>' if errors else ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>flowfsm playground</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/playground.css">
</head>
<body data-selected="{_e(selected)}">
<div class="app">
  <nav class="sidebar">
    <div class="guild-name">flowfsm playground</div>
    <div class="sidebar-scroll">
      <div class="section-title">Flows</div>
      <ul class="flow-list" id="flows">{parts["flows"]}</ul>
      {error_box}
    </div>
    <div class="sidebar-bottom">
      <div class="section-title">Act as</div>
      <div class="user-list" id="users">{parts["users"]}</div>
      <div class="section-title">Locale</div>
      <div class="locale" id="locale">{parts["locale"]}</div>
      <button class="btn btn-secondary wide" id="advance" type="button"
        title="Move the fake clock past the flow's timeout">Advance clock past timeout</button>
    </div>
  </nav>
  <main class="chat">
    <header class="chat-header" id="status">{parts["status"]}</header>
    <div class="messages" id="channel">{parts["channel"]}</div>
    <form class="composer" id="composer">
      <span class="composer-plus">+</span>
      <input class="composer-input" id="composer-input" name="text" autocomplete="off" value="/{_e(command)}"
        aria-label="Slash command or message">
      <button class="btn btn-primary" id="start" type="submit">Send</button>
    </form>
    <div class="toast" id="toast" hidden></div>
  </main>
  <aside class="inspector">
    <section class="panel diagram-panel">
      <h2>Diagram</h2>
      <div class="diagram" id="diagram">{parts["diagram"]}</div>
    </section>
    <section class="panel log-panel">
      <h2>Transitions</h2>
      <ol class="log" id="log">{parts["log"]}</ol>
    </section>
    <section class="panel live-panel">
      <h2>Live</h2>
      <div class="live" id="live">{parts["live"]}</div>
    </section>
    <section class="panel metrics-panel">
      <h2>Metrics</h2>
      <ul class="metrics" id="metrics">{parts["metrics"]}</ul>
    </section>
  </aside>
</div>
<div id="modal-root">{parts["modal-root"]}</div>
<script src="/static/playground.js"></script>
</body>
</html>
"""
