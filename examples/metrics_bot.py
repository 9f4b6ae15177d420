"""Production visibility: the weather flow with Prometheus metrics, OpenTelemetry spans and JSON logs.

* Metrics: ``FlowManager(..., metrics=PrometheusMetrics())``; a gateway bot serves them with
  ``start_metrics_server(9000)`` (http://host:9000/metrics), a REST bot on its interaction
  server's port beside the interactions (``serve_rest_bot``: ``POST /`` and ``GET /metrics``).
* Spans: configure OpenTelemetry's tracer provider as usual (here: printed to the console when
  ``OTEL_CONSOLE=1``); every step becomes a ``flowfsm.engine.step`` span.
* Logs: :class:`JsonLogs` writes one JSON object per record, with flowfsm's ``flow``, ``state``
  and ``session`` fields.

Run with ``DISCORD_TOKEN=... python -m examples.metrics_bot`` (gateway bot, metrics on port
``METRICS_PORT``, default 9000), or with ``DISCORD_PUBLIC_KEY`` set as well for a REST bot on
``PORT`` (default 8080) serving ``/metrics`` itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from typing import Any

import hikari
import miru

from examples.quickstart import weather
from flowfsm import FlowManager, PrometheusMetrics, start_metrics_server
from flowfsm.engine.logs import FIELDS


class JsonLogs(logging.Formatter):
    """One JSON object per record: time, level, logger, message and flowfsm's structured fields."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as JSON (the exception, if any, as text)."""
        entry: dict[str, Any] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({name: getattr(record, name) for name in FIELDS if hasattr(record, name)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def json_logging(level: int = logging.INFO) -> logging.Handler:
    """Send every log record to stderr as JSON."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLogs())
    logging.basicConfig(level=level, handlers=[handler], force=True)
    return handler


def build(bot: hikari.GatewayBot, *, metrics: PrometheusMetrics | None = None, **options: Any) -> FlowManager:
    """Wire miru and flowfsm with metrics onto a gateway bot; /weather opens the weather flow."""
    flows = FlowManager(miru.Client(bot), [weather], metrics=metrics or PrometheusMetrics(), **options)

    @bot.listen(hikari.InteractionCreateEvent)
    async def on_command(event: hikari.InteractionCreateEvent) -> None:
        interaction = event.interaction
        if isinstance(interaction, hikari.CommandInteraction) and interaction.command_name == "weather":
            await flows.start(interaction, weather)

    return flows


def build_rest(bot: hikari.RESTBot, *, metrics: PrometheusMetrics, **options: Any) -> FlowManager:
    """Wire miru and flowfsm with metrics onto a REST bot; /weather opens the weather flow."""
    flows = FlowManager(miru.Client(bot), [weather], metrics=metrics, **options)

    async def on_command(interaction: hikari.CommandInteraction) -> Any:
        return await flows.start(interaction, weather)

    bot.interaction_server.set_listener(hikari.CommandInteraction, on_command)
    return flows


def console_spans() -> None:
    """Print every span to the console (needs opentelemetry-sdk; a real bot exports with OTLP)."""
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    trace.set_tracer_provider(provider)


async def serve_rest(port: int) -> None:
    """A REST bot answering interactions on ``POST /`` and metrics on ``GET /metrics``."""
    from flowfsm.engine.metrics import serve_rest_bot

    metrics = PrometheusMetrics()
    bot = hikari.RESTBot(os.environ["DISCORD_TOKEN"], "Bot", os.environ["DISCORD_PUBLIC_KEY"])
    build_rest(bot, metrics=metrics)
    async with serve_rest_bot(bot, metrics, port=port):
        await asyncio.Event().wait()


def main() -> None:
    """A gateway bot with metrics on METRICS_PORT, or a REST bot on PORT when DISCORD_PUBLIC_KEY is set."""
    json_logging()
    if os.environ.get("OTEL_CONSOLE"):
        console_spans()
    if os.environ.get("DISCORD_PUBLIC_KEY"):
        asyncio.run(serve_rest(int(os.environ.get("PORT", "8080"))))
        return
    metrics = PrometheusMetrics()
    start_metrics_server(int(os.environ.get("METRICS_PORT", "9000")), metrics=metrics)
    bot = hikari.GatewayBot(os.environ["DISCORD_TOKEN"])
    build(bot, metrics=metrics)
    bot.run()


if __name__ == "__main__":
    main()
