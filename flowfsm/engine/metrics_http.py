"""Serving the metrics of :mod:`flowfsm.engine.metrics` over HTTP.

* any bot: :func:`start_metrics_server` (prometheus-client's own HTTP server, in a thread);
* a ``hikari.RESTBot``: :func:`interaction_app` serves the interaction endpoint and ``/metrics``
  from one aiohttp app, run by :func:`serve_rest_bot`. hikari's ``RESTBot.start()`` builds its
  aiohttp application inside ``start`` and freezes its router there, so no route can be added to
  it; its ``interaction_server.aiohttp_hook`` is public, though, and ``on_interaction`` is
  documented to work on a server that is not started, so flowfsm serves that hook itself.

Needs ``pip install "flowfsm[metrics]"`` (prometheus-client); the names are re-exported by
:mod:`flowfsm.engine.metrics`.
"""

from __future__ import annotations

import socket as socket_module
import threading
from typing import TYPE_CHECKING, Any, cast

import hikari
from aiohttp import web
from prometheus_client import start_http_server

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

    from flowfsm.engine.metrics import PrometheusMetrics

__all__ = ["interaction_app", "serve_rest_bot", "start_metrics_server"]


def start_metrics_server(
    port: int, addr: str = "0.0.0.0", *, metrics: PrometheusMetrics
) -> tuple[WSGIServer, threading.Thread]:
    """Serve ``metrics`` at ``http://addr:port/metrics`` (any path answers) from a daemon thread.

    prometheus-client's own server: a gateway bot calls it once before ``bot.run()``. Returns the
    server and its thread; ``server.shutdown()`` stops it.
    """
    return cast(
        "tuple[WSGIServer, threading.Thread]", start_http_server(port, addr, registry=metrics.registry)
    )


def interaction_app(
    bot: hikari.RESTBot, metrics: PrometheusMetrics, *, path: str = "/metrics"
) -> web.Application:
    """One aiohttp app for a REST bot: Discord's interactions on ``POST /`` (hikari's own handler,
    signature checks included) and the metrics on ``GET path``."""
    app = web.Application()
    app.router.add_post("/", bot.interaction_server.aiohttp_hook)  # type: ignore[attr-defined]
    app.router.add_get(path, metrics.aiohttp_handler())
    return app


class serve_rest_bot:
    """Run a ``hikari.RESTBot`` with :func:`interaction_app` instead of ``bot.start()``.

    Does what ``RESTBot.start()`` does with public pieces: starts the REST client, runs the bot's
    startup callbacks (arc's command sync, for one), then serves the app; on exit the shutdown
    callbacks run and everything closes::

        async with serve_rest_bot(bot, metrics, host="0.0.0.0", port=8080):
            await asyncio.Event().wait()

    Args:
        bot: the REST bot (not started).
        metrics: the metrics to serve at ``path``.
        host, port: where to listen (ignored with ``socket``).
        socket: an already bound socket to serve on.
    """

    def __init__(
        self,
        bot: hikari.RESTBot,
        metrics: PrometheusMetrics,
        *,
        host: str = "0.0.0.0",
        port: int = 8080,
        socket: socket_module.socket | None = None,
        path: str = "/metrics",
    ) -> None:
        self.bot = bot
        self.app = interaction_app(bot, metrics, path=path)
        self.host, self.port, self.socket = host, port, socket
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> serve_rest_bot:
        cast(Any, self.bot.rest).start()
        for callback in self.bot.on_startup:
            await callback(self.bot)
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site: web.BaseSite
        if self.socket is not None:
            site = web.SockSite(self._runner, self.socket)
        else:
            site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        for callback in self.bot.on_shutdown:
            await callback(self.bot)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await cast(Any, self.bot.rest).close()
