"""examples/metrics_bot.py runs end to end: metrics scraped over HTTP, spans, JSON log lines."""

from __future__ import annotations

import json
import logging

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from examples import metrics_bot
from flowfsm import PrometheusMetrics, start_metrics_server
from flowfsm.testing import Harness


async def test_gateway_bot_metrics_are_served_and_move() -> None:
    metrics = PrometheusMetrics()
    server, thread = start_metrics_server(0, "127.0.0.1", metrics=metrics)
    try:
        async with Harness(wire=metrics_bot.build, metrics=metrics) as h:
            await h.command("weather")
            await h.click("Details")
            await h.click("Back")
            await h.click("Close")
            async with aiohttp.ClientSession() as http:
                async with http.get(f"http://127.0.0.1:{server.server_port}/metrics") as response:
                    text = await response.text()
    finally:
        server.shutdown()
        thread.join(5)
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    assert samples[("flowfsm_sessions_ended_total", (("flow", "weather"), ("reason", "completed")))] == 1
    assert samples[("flowfsm_sessions_open", (("flow", "weather"),))] == 0
    key = (
        "flowfsm_transitions_total",
        (("dest", "closed"), ("flow", "weather"), ("source", "report"), ("trigger", "close")),
    )
    assert samples[key] == 1
    # The start, Details and Close ran in "report"; Back in "details".
    ok = "flowfsm_steps_total", (("flow", "weather"), ("outcome", "ok"), ("state", "report"))
    assert samples[ok] == 3


async def test_rest_bot_wiring() -> None:
    metrics = PrometheusMetrics()
    async with Harness(rest_bot=True, wire=metrics_bot.build_rest, metrics=metrics) as h:
        await h.command("weather")
        await h.click("Details")
        assert h.session().state == "details"
    assert metrics.registry.get_sample_value("flowfsm_sessions_started_total", {"flow": "weather"}) == 1


async def test_json_log_lines_carry_the_session_fields() -> None:
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Keep(logging.INFO)
    handler.setFormatter(metrics_bot.JsonLogs())
    logger = logging.getLogger("flowfsm")
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.INFO)
    try:
        async with Harness(wire=metrics_bot.build) as h:
            await h.command("weather")
            session = h.session()
            h.discord.fail_next("POST", r"/interactions/\d+/[^/]+/callback$", 404)
            await h.click("Details")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)
    entries = [json.loads(line) for line in lines]
    gone = next(e for e in entries if "gone" in e["message"])
    # The transition ran before the reply failed: the record names the state the session is in.
    assert (gone["flow"], gone["state"], gone["session"]) == ("weather", "details", session.id)
    assert gone["level"] == "INFO" and gone["logger"] == "flowfsm"
