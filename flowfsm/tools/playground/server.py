"""The playground's HTTP server (aiohttp): the page, its static files and a small JSON API.

Every POST carries out one action on the :class:`~flowfsm.tools.playground.play.Playground` and answers
with the page's fresh fragments (``{"fragments": {element id: html}, "state": {...}}``):

=============================  ===============================================================
``GET /``                      the page
``GET /static/{name}``         the script and the style sheet (served from the package)
``GET /api/state``             what the page shows, as data (also in every POST answer)
``GET /api/view``              the fragments
``POST /api/select``           ``{"flow"}``: preview a flow (its diagram; the composer's command)
``POST /api/start``            ``{"flow", "user"?}``: send the flow's slash command
``POST /api/send``             ``{"text"}``: the composer: ``/command`` starts a flow, text is a message
``POST /api/user``             ``{"user"}``: act as another user
``POST /api/locale``           ``{"locale"}``: the users' Discord locale from now on (``de``, ``en-US``...)
``POST /api/component``        ``{"message_id", "custom_id", "component_type"?, "values"?, "label"?}``
``POST /api/modal``            ``{"fields": {custom id: value}}``: submit the open modal
``POST /api/modal/dismiss``    close the open modal (nothing is sent, as on Discord)
``POST /api/advance``          ``{"seconds"?}``: move the fake clock (default: past the timeout)
=============================  ===============================================================

The server binds 127.0.0.1 only by default and loads nothing from the network.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from aiohttp import web

from flowfsm.define.flow import Flow
from flowfsm.tools.playground import live, page
from flowfsm.tools.playground.diagram_view import diagram_svg
from flowfsm.tools.playground.play import Playground, PlaygroundError

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "PlaygroundServer", "make_app", "port_from_env", "serve"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
STATIC = Path(__file__).with_name("static")
_PLAY: web.AppKey[Playground] = web.AppKey("play", Playground)


def port_from_env(default: int = DEFAULT_PORT) -> int:
    """The port in ``FLOWFSM_PORT``, or ``default``."""
    raw = os.environ.get("FLOWFSM_PORT", "").strip()
    if not raw:
        return default
    try:
        port = int(raw)
    except ValueError:
        raise SystemExit(f"FLOWFSM_PORT must be a port number, got {raw!r}") from None
    if not 0 <= port <= 65535:
        raise SystemExit(f"FLOWFSM_PORT must be 0-65535, got {port}")
    return port


@lru_cache(maxsize=256)
def _cached_svg(flow: Flow, current: str | None, path: tuple[str, ...]) -> str:
    return diagram_svg(flow, current=current, path=path)


async def _diagram(app: web.Application) -> str:
    play = app[_PLAY]
    selected = play.selected
    view = play.view
    if view is not None and (selected is None or selected == view.flow.name):
        flow, current, path = view.current_flow, view.state, tuple(view.states_walked())
    elif selected in play.flows:
        flow, current, path = play.flows[selected], None, ()
    elif play.flows:
        flow, current, path = next(iter(play.flows.values())), None, ()
    else:
        return '<div class="diagram-error">no flow</div>'
    return await asyncio.to_thread(_cached_svg, flow, current, path)


async def _answer(app: web.Application) -> web.Response:
    play = app[_PLAY]
    return web.json_response(
        {"fragments": page.fragments(play, await _diagram(app)), "state": page.state_json(play)}
    )


async def _index(request: web.Request) -> web.Response:
    play = request.app[_PLAY]
    html = page.page(play, await _diagram(request.app))
    return web.Response(text=html, content_type="text/html", headers={"Cache-Control": "no-store"})


async def _static(request: web.Request) -> web.FileResponse:
    name = request.match_info["name"]
    path = STATIC / name
    if "/" in name or name.startswith(".") or not path.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers={"Cache-Control": "no-cache"})


async def _state(request: web.Request) -> web.Response:
    return web.json_response(page.state_json(request.app[_PLAY]))


async def _view(request: web.Request) -> web.Response:
    return await _answer(request.app)


Action = Callable[[Playground, dict[str, Any], web.Application], Awaitable[None]]


def _action(fn: Action) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Wrap an action: parse the JSON body, run it, answer with fragments or a 400 naming the problem."""

    async def handler(request: web.Request) -> web.Response:
        try:
            body = await request.json() if request.can_read_body else {}
        except ValueError:
            return web.json_response({"error": "the body is not JSON"}, status=400)
        if not isinstance(body, dict):
            return web.json_response({"error": "the body must be a JSON object"}, status=400)
        try:
            await fn(request.app[_PLAY], body, request.app)
        except (PlaygroundError, KeyError, TypeError, ValueError) as exc:
            text = str(exc) if not isinstance(exc, KeyError) else f"missing field {exc}"
            return web.json_response({"error": text}, status=400)
        return await _answer(request.app)

    return handler


def _int(body: dict[str, Any], key: str) -> int:
    return int(body[key])


async def _select(play: Playground, body: dict[str, Any], app: web.Application) -> None:
    play.select(str(body["flow"]))


async def _start(play: Playground, body: dict[str, Any], app: web.Application) -> None:
    user = _int(body, "user") if body.get("user") is not None else None
    await play.run_command(str(body["flow"]), user)


async def _send(play: Playground, body: dict[str, Any], app: web.Application) -> None:
    """The composer: ``/command`` starts the flow answering it; other text is a message in the channel."""
    text = str(body["text"]).strip()
    if text.startswith("/"):
        name = text[1:].split(maxsplit=1)[0] if len(text) > 1 else ""
        flow = next((f for f in play.flows.values() if f.command == name), None)
        if flow is None:
            raise PlaygroundError(f"no flow answers /{name}")
        await play.run_command(flow.name)
    else:
        await play.say(text)


async def _locale(play: Playground, body: dict[str, Any], app: web.Application) -> None:
    play.set_locale(str(body["locale"]))


async def _user(play: Playground, body: dict[str, Any], app: web.Application) -> None:
    play.set_user(_int(body, "user"))


async def _component(play: Playground, body: dict[str, Any], app: web.Application) -> None:
    values = body.get("values")
    if values is not None and not (isinstance(values, list) and all(isinstance(v, str) for v in values)):
        raise ValueError("values must be a list of strings")
    await play.component(
        _int(body, "message_id"),
        str(body["custom_id"]),
        user_id=_int(body, "user") if body.get("user") is not None else None,
        component_type=int(body.get("component_type") or 2),
        values=values,
        label=str(body["label"]) if body.get("label") else None,
    )


async def _modal(play: Playground, body: dict[str, Any], app: web.Application) -> None:
    fields = body.get("fields") or {}
    if not isinstance(fields, dict):
        raise ValueError("fields must be an object of custom id -> text")
    await play.submit_modal({str(k): str(v) for k, v in fields.items()})


async def _dismiss(play: Playground, body: dict[str, Any], app: web.Application) -> None:
    play.dismiss_modal()


async def _advance(play: Playground, body: dict[str, Any], app: web.Application) -> None:
    seconds = body.get("seconds")
    await play.advance(float(seconds) if seconds is not None else None)


async def _live_send(play: Playground, body: dict[str, Any], app: web.Application) -> None:
    await live.send_trigger(play, str(body["trigger"]))


async def _live_invalidate(play: Playground, body: dict[str, Any], app: web.Application) -> None:
    await live.invalidate(play, str(body["key"]))


async def _live_tick(play: Playground, body: dict[str, Any], app: web.Application) -> None:
    await live.advance_to_timed(play)


def make_app(play: Playground) -> web.Application:
    """The aiohttp application serving ``play`` (which the caller starts and closes)."""
    app = web.Application()
    app[_PLAY] = play
    app.router.add_get("/", _index)
    app.router.add_get("/static/{name}", _static)
    app.router.add_get("/api/state", _state)
    app.router.add_get("/api/view", _view)
    routes: dict[str, Action] = {
        "/api/select": _select,
        "/api/start": _start,
        "/api/send": _send,
        "/api/user": _user,
        "/api/locale": _locale,
        "/api/component": _component,
        "/api/modal": _modal,
        "/api/modal/dismiss": _dismiss,
        "/api/advance": _advance,
        "/api/live/send": _live_send,
        "/api/live/invalidate": _live_invalidate,
        "/api/live/tick": _live_tick,
    }
    for path, fn in routes.items():
        app.router.add_post(path, _action(fn))
    return app


class PlaygroundServer:
    """A playground and its HTTP server, started and stopped together.

    Example::

        async with PlaygroundServer([weather], port=0) as server:
            print(server.url)
    """

    def __init__(
        self,
        flows: Sequence[Flow],
        *,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        errors: Sequence[str] = (),
    ) -> None:
        self.play = Playground(flows, errors=errors)
        self.host = host
        self.port = port
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        """Start the playground and listen; return the page's address."""
        await self.play.start()
        self._runner = web.AppRunner(make_app(self.play), access_log=None)
        try:
            await self._runner.setup()
            await web.TCPSite(self._runner, self.host, self.port).start()
        except BaseException:
            await self.close()
            raise
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}/"
        return self.url

    async def close(self) -> None:
        """Stop listening and close the playground."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.play.close()

    async def __aenter__(self) -> PlaygroundServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


async def serve(
    flows: Sequence[Flow], *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, errors: Sequence[str] = ()
) -> None:
    """Serve the playground until cancelled (Ctrl+C), printing its address."""
    async with PlaygroundServer(flows, host=host, port=port, errors=errors) as server:
        names = ", ".join(server.play.flows) or "none"
        print(f"flowfsm playground: {server.url}", flush=True)
        print(f"  {len(server.play.flows)} flow(s): {names}", flush=True)
        print("  every click goes through hikari, miru and the flow manager; Ctrl+C to stop", flush=True)
        for problem in server.play.errors:
            print(f"  warning: {problem}", flush=True)
        await asyncio.Event().wait()
