"""Metrics, spans and structured logs (issue 20), read the way operators read them.

Scripted harness runs drive a flow through the real stack; each metric is then read from
prometheus-client's registry (and, for the endpoints, scraped over HTTP on 127.0.0.1 and parsed
with ``prometheus_client.parser``); spans come from OpenTelemetry's in-memory exporter; log records
from a handler on the ``flowfsm`` logger. Nothing exported may contain a token the test issued.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import Iterator
from typing import Any

import aiohttp
import hikari
import miru
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from flowfsm import Button, Context, Flow, FlowManager, GuardFailure, Screen
from flowfsm.engine.logs import FIELDS
from flowfsm.engine.metrics import PrometheusMetrics, route_of, serve_rest_bot, start_metrics_server
from flowfsm.engine.telemetry import OFF, trigger_of
from flowfsm.testing import FakeDiscord, Harness, payloads, signing

OWNER = 1001
STRANGER = 2002
CALLBACK = r"/interactions/\d+/[^/]+/callback$"


class Boom(Exception):
    """What the broken button raises."""


def refuse(ctx: Context) -> None:
    raise GuardFailure("Not enough coins.")


def boom(ctx: Context) -> None:
    raise Boom("boom")


async def hang(ctx: Context) -> None:
    await asyncio.Event().wait()


def build_flow() -> Flow:
    """A shop: details and back, a refused purchase, a broken button, a hanging one, close, cancel."""
    flow = Flow("shop", command="shop", timeout=300)

    @flow.state(initial=True, cancellable=True)
    def menu(ctx: Context) -> Screen:
        return Screen(
            "The shop.",
            items=[
                Button("Details", trigger="details"),
                Button("Buy", action=refuse),
                Button("Boom", action=boom),
                Button("Hang", action=hang),
                Button("Close", trigger="close"),
            ],
        )

    @flow.state()
    def details(ctx: Context) -> Screen:
        return Screen("A sword.", items=[Button("Back", trigger="back")])

    @flow.state(final=True)
    def closed(ctx: Context) -> Screen:
        return Screen("Bye.")

    flow.transition("details", "menu", "details")
    flow.transition("back", "details", "menu")
    flow.transition("close", "menu", "closed")
    return flow


def value(metrics: PrometheusMetrics, name: str, **labels: str) -> float:
    """A sample's value (0 when the series does not exist)."""
    found = metrics.registry.get_sample_value(f"flowfsm_{name}", labels)
    return 0.0 if found is None else found


def series(metrics: PrometheusMetrics) -> set[tuple[str, tuple[tuple[str, str], ...]]]:
    """Every exported sample's name and label set."""
    return {
        (sample.name, tuple(sorted(sample.labels.items())))
        for family in metrics.registry.collect()
        for sample in family.samples
    }


@pytest.fixture
def records() -> Iterator[list[logging.LogRecord]]:
    """Every record logged under ``flowfsm`` while the test runs."""
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    handler = Keep(logging.DEBUG)
    logger = logging.getLogger("flowfsm")
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        yield seen
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


# -- every counter and histogram moves as documented ----------------------------------------------------


async def test_counters_move_as_documented() -> None:
    metrics = PrometheusMetrics()
    async with Harness([build_flow()], metrics=metrics) as h:
        assert value(metrics, "sessions_ended_total", flow="shop", reason="timeout") == 0
        assert metrics.registry.get_sample_value(
            "flowfsm_refusals_total", {"flow": "shop", "reason": "busy"}
        ) == 0  # fmt: skip

        await h.command("shop")
        assert value(metrics, "sessions_started_total", flow="shop") == 1
        assert value(metrics, "sessions_open", flow="shop") == 1
        assert value(metrics, "steps_total", flow="shop", state="menu", outcome="ok") == 1
        assert value(metrics, "step_duration_seconds_count", flow="shop", state="menu") == 1
        for phase in ("callbacks", "render", "response"):
            labels = {"flow": "shop", "state": "menu", "phase": phase}
            assert value(metrics, "step_phase_duration_seconds_count", **labels) == 1
            assert value(metrics, "step_phase_duration_seconds_sum", **labels) > 0
        menu_message = h.message

        await h.click("Details")
        assert (
            value(metrics, "transitions_total", flow="shop", source="menu", trigger="details", dest="details")
            == 1
        )
        await h.click("Back")
        assert (
            value(metrics, "transitions_total", flow="shop", source="details", trigger="back", dest="menu")
            == 1
        )
        assert value(metrics, "steps_total", flow="shop", state="details", outcome="ok") == 1

        await h.click("Buy")
        assert value(metrics, "refusals_total", flow="shop", reason="guard") == 1
        assert value(metrics, "steps_total", flow="shop", state="menu", outcome="guard") == 1

        await h.click("Details", user=STRANGER)
        assert value(metrics, "refusals_total", flow="shop", reason="not_yours") == 1
        await h.send_component("ff:nonsense")
        await h.send_component("nothing-we-know")  # not ours at all: not a refusal of ours
        assert value(metrics, "refusals_total", flow="(none)", reason="invalid") == 1

        await h.click("Details")
        stale = next(c["custom_id"] for c in payloads_components(menu_message) if c.get("label") == "Buy")
        await h.send_component(stale)
        assert value(metrics, "refusals_total", flow="shop", reason="earlier_screen") == 1
        await h.click("Back")

        await h.click("Close")
        assert value(metrics, "sessions_ended_total", flow="shop", reason="completed") == 1
        assert value(metrics, "sessions_open", flow="shop") == 0
        await h.send_component(stale)
        assert value(metrics, "refusals_total", flow="shop", reason="expired") == 1

        await h.command("shop")
        await h.click("Cancel")
        assert value(metrics, "sessions_ended_total", flow="shop", reason="cancelled") == 1

        await h.command("shop")
        await h.click("Boom")
        assert value(metrics, "sessions_ended_total", flow="shop", reason="error") == 1
        assert value(metrics, "steps_total", flow="shop", state="menu", outcome="error") == 1
        assert value(metrics, "outbox_edits_total", result="sent") == 1  # the error closes the menu

        await h.command("shop")
        assert await h.advance(301) == 1
        assert value(metrics, "sessions_ended_total", flow="shop", reason="timeout") == 1
        assert value(metrics, "outbox_edits_total", result="sent") == 2
        assert value(metrics, "outbox_depth") == 0
        assert value(metrics, "sessions_open", flow="shop") == 0
        assert value(metrics, "sessions_started_total", flow="shop") == 4

        route = "/interactions/{id}/{token}/callback"
        assert value(metrics, "discord_requests_total", route=route, method="POST", status="200") >= 10
        edits = "/webhooks/{id}/{token}/messages/@original"
        # The guard's re-render of the menu, the error's and the expiry's disabling edits.
        assert value(metrics, "discord_requests_total", route=edits, method="PATCH", status="200") == 3
        assert value(metrics, "deferrals_total", flow="shop") == 0


async def test_outbox_depth_counts_queued_edits() -> None:
    metrics = PrometheusMetrics()
    async with Harness([build_flow()], metrics=metrics) as h:
        for user in range(5):
            await h.command("shop", user=5000 + user)
        h.clock.advance(301)
        assert h.manager.expire_due() == 5
        assert value(metrics, "outbox_depth") == 5  # read at collection time: nothing sent yet
        await h.manager.drain()
        assert value(metrics, "outbox_depth") == 0
        assert value(metrics, "outbox_edits_total", result="sent") == 5


async def test_dropped_edit_and_deleted_message() -> None:
    metrics = PrometheusMetrics()
    async with Harness([build_flow()], metrics=metrics) as h:
        await h.command("shop")
        h.discord.fail_next("PATCH", r"/messages/@original$", 404)
        await h.advance(301)
        assert value(metrics, "outbox_edits_total", result="dropped") == 1
        edits = "/webhooks/{id}/{token}/messages/@original"
        assert value(metrics, "discord_requests_total", route=edits, method="PATCH", status="404") == 1

        await h.command("shop")
        h.discord.fail_next("POST", CALLBACK, 404)
        await h.click("Details")
        assert value(metrics, "sessions_ended_total", flow="shop", reason="message_deleted") == 1
        assert value(metrics, "steps_total", flow="shop", state="menu", outcome="gone") == 1


async def test_rate_limits_and_server_errors_are_counted_per_attempt() -> None:
    metrics = PrometheusMetrics()
    async with Harness([build_flow()], metrics=metrics) as h:
        await h.command("shop")
        h.discord.fail_next("POST", CALLBACK, 429, retry_after=0.01)
        await h.click("Details")  # hikari waits and retries: the click still works
        assert h.session().state == "details"
        route = "/interactions/{id}/{token}/callback"
        assert value(metrics, "discord_requests_total", route=route, method="POST", status="429") == 1


async def test_deferral_and_step_timeout() -> None:
    metrics = PrometheusMetrics()
    async with Harness([build_flow()], metrics=metrics, defer_after=0.01, step_timeout=0.05) as h:
        await h.command("shop")
        await h.click("Hang")
        assert value(metrics, "deferrals_total", flow="shop") == 1
        assert value(metrics, "step_timeouts_total", flow="shop", state="menu") == 1
        assert value(metrics, "steps_total", flow="shop", state="menu", outcome="timeout") == 1
        assert value(metrics, "sessions_ended_total", flow="shop", reason="error") == 1


async def test_rest_bot_steps_are_measured() -> None:
    metrics = PrometheusMetrics()
    async with Harness([build_flow()], metrics=metrics, rest_bot=True) as h:
        await h.command("shop")
        await h.click("Details")
        assert value(metrics, "steps_total", flow="shop", state="menu", outcome="ok") == 2
        assert (
            value(metrics, "transitions_total", flow="shop", source="menu", trigger="details", dest="details")
            == 1
        )


async def test_ten_thousand_users_leave_the_label_sets_unchanged() -> None:
    """10,000 users each open a session and click in it. Their interactions go through the REST bot's
    interaction server in-process (``on_interaction``: hikari's signature check, hikari's entity
    factory, the real miru client, the manager), without an HTTP round trip each, to keep it quick."""
    metrics = PrometheusMetrics()
    async with Harness([build_flow()], metrics=metrics, rest_bot=True) as h:
        # Every path once over HTTP, so every series that can exist does.
        await h.command("shop", user=1)
        template = dict(h.message or {})
        await h.click("Details", user=1)
        await h.click("Back", user=1)
        await h.click("Details", user=2)
        await h.click("Close", user=1)
        await h.command("shop", user=1)
        await h.advance(301)
        before = series(metrics)
        ids = payloads.Ids(7_000_000_000_000_000_000)
        for user in range(100_000, 110_000):
            command = payloads.command_interaction(
                interaction_id=ids.next(), token=f"t{user}", user_id=user, command_name="shop",
                guild_id=111, channel_id=222, application_id=h.discord.application_id,
            )  # fmt: skip
            answer = await in_process(h, command)
            message = {**template, "id": str(ids.next()), "components": answer["data"]["components"]}
            details = next(
                c["custom_id"] for c in payloads_components(message) if c.get("label") == "Details"
            )
            click = payloads.component_interaction(
                interaction_id=ids.next(), token=f"c{user}", user_id=user, custom_id=details, message=message,
                guild_id=111, channel_id=222, application_id=h.discord.application_id,
            )  # fmt: skip
            assert (await in_process(h, click))["type"] == 7
        assert len(h.manager.sessions) == 10_000
        assert series(metrics) == before
        assert value(metrics, "sessions_started_total", flow="shop") == 10_002
        assert value(metrics, "sessions_open", flow="shop") == 10_000
        # user 2 was refused ("not yours"): no transition
        assert (
            value(metrics, "transitions_total", flow="shop", source="menu", trigger="details", dest="details")
            == 10_001
        )
        labels = {
            value
            for family in text_string_to_metric_families(generate_latest(metrics.registry).decode())
            for sample in family.samples
            for value in sample.labels.values()
        }
        assert not labels & {str(user) for user in range(100_000, 110_000)}
        assert not labels & {session.id for session in h.manager.sessions}


async def in_process(h: Harness, payload: dict[str, Any]) -> Any:
    """Hand a signed interaction to the REST bot's interaction server, as its HTTP handler does."""
    body = json.dumps(payload).encode()
    headers = signing.sign(h._signing_key, body)
    assert isinstance(h.bot, hikari.RESTBot)
    response = await h.bot.interaction_server.on_interaction(
        body, bytes.fromhex(headers[signing.SIGNATURE_HEADER]), headers[signing.TIMESTAMP_HEADER].encode()
    )
    assert response.status_code == 200 and response.payload is not None
    return json.loads(bytes(response.payload))


def payloads_components(message: Any) -> list[dict[str, Any]]:
    from flowfsm.testing import components_of

    return components_of(message)


# -- endpoints ------------------------------------------------------------------------------------------


async def test_gateway_metrics_server_is_scraped_over_http() -> None:
    metrics = PrometheusMetrics()
    server, thread = start_metrics_server(0, "127.0.0.1", metrics=metrics)
    try:
        async with Harness([build_flow()], metrics=metrics) as h:
            await h.command("shop")
            await h.click("Details")
            async with aiohttp.ClientSession() as http:
                async with http.get(f"http://127.0.0.1:{server.server_port}/metrics") as response:
                    assert response.status == 200
                    text = await response.text()
        families = {family.name: family for family in text_string_to_metric_families(text)}
        started = families["flowfsm_sessions_started"]
        assert [(s.labels, s.value) for s in started.samples if s.name.endswith("_total")] == [
            ({"flow": "shop"}, 1.0)
        ]
        transitions = families["flowfsm_transitions"].samples
        assert any(s.labels["dest"] == "details" and s.value == 1 for s in transitions)
        assert "flowfsm_step_duration_seconds" in families
    finally:
        server.shutdown()
        thread.join(5)


async def test_rest_bot_serves_metrics_beside_its_interactions() -> None:
    metrics = PrometheusMetrics()
    flow = build_flow()
    async with FakeDiscord() as discord:
        key, public_key = signing.generate_keypair()
        bot = hikari.RESTBot(
            discord.bot_token, "Bot", public_key, rest_url=discord.rest_url, banner=None, logs=None
        )
        flows = FlowManager(miru.Client(bot), [flow], metrics=metrics, auto_expire=False)

        async def on_command(interaction: hikari.CommandInteraction) -> Any:
            return await flows.start(interaction, "shop")

        bot.interaction_server.set_listener(hikari.CommandInteraction, on_command)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
        async with serve_rest_bot(bot, metrics, socket=sock), aiohttp.ClientSession() as http:
            payload = payloads.command_interaction(
                interaction_id=5_000_001,
                token="rest-token-secret",
                user_id=OWNER,
                command_name="shop",
                guild_id=111,
                channel_id=222,
                application_id=discord.application_id,
            )
            discord.register_interaction(5_000_001, "rest-token-secret", channel_id=222)
            status, answer = await signing.post_interaction(url, payload, key, http)
            assert status == 200 and answer["type"] == 4 and answer["data"]["content"] == "The shop."
            async with http.post(url, data=b"{}", headers={"Content-Type": "application/json"}) as unsigned:
                assert unsigned.status == 400  # hikari's own signature check still guards the endpoint
            async with http.get(f"{url}metrics") as response:
                assert response.status == 200
                text = await response.text()
            await flows.close()
    families = {family.name: family for family in text_string_to_metric_families(text)}
    steps = families["flowfsm_steps"].samples
    assert any(s.labels == {"flow": "shop", "state": "menu", "outcome": "ok"} and s.value == 1 for s in steps)
    assert "rest-token-secret" not in text


# -- spans ----------------------------------------------------------------------------------------------


def tracing() -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


async def test_each_step_is_a_span_with_phase_children() -> None:
    provider, exporter = tracing()
    async with Harness([build_flow()], traces=provider) as h:
        await h.command("shop")
        await h.click("Details")
        await h.click("Back")
        await h.click("Boom")
    spans = exporter.get_finished_spans()
    steps = [s for s in spans if s.name == "flowfsm.step"]
    assert [
        (s.attributes["flowfsm.state"], s.attributes["flowfsm.trigger"], s.attributes["flowfsm.outcome"])
        for s in steps
    ] == [
        ("menu", "start", "ok"),
        ("menu", "details", "ok"),
        ("details", "back", "ok"),
        ("menu", "action", "error"),
    ]
    assert steps[-1].attributes["flowfsm.error.type"] == "Boom"
    assert not steps[-1].status.is_ok
    first = steps[0]
    children = [s for s in spans if s.parent is not None and s.parent.span_id == first.context.span_id]
    assert [c.name for c in children] == [
        "flowfsm.callbacks",
        "flowfsm.render",
        "flowfsm.response",
    ]
    for child in children:
        assert child.context.trace_id == first.context.trace_id
        assert first.start_time <= child.start_time <= child.end_time <= first.end_time


async def test_no_spans_without_a_configured_provider() -> None:
    async with Harness([build_flow()]) as h:
        assert h.manager.telemetry.step(ctx_of(h)) is OFF.step(ctx_of(h))  # type: ignore[arg-type]
    async with Harness([build_flow()], traces=False) as h:
        assert h.manager.telemetry is OFF


def ctx_of(h: Harness) -> Any:
    from flowfsm.define.context import Context as Ctx
    from flowfsm.engine.session import Session

    return Ctx(h.manager, Session("s", h.manager.flows["shop"], 1, options=None, now=0.0), None)


# -- logs -----------------------------------------------------------------------------------------------


async def test_every_log_record_carries_flow_state_and_session(records: list[logging.LogRecord]) -> None:
    async with Harness([build_flow()]) as h:
        await h.command("shop")
        session = h.session()
        await h.click("Boom")
        await h.send_component("not-ours")
    ours = [r for r in records if r.name.startswith("flowfsm")]
    assert ours, "the broken button is logged"
    for record in ours:
        assert all(hasattr(record, field) for field in FIELDS), record.getMessage()
    error = next(r for r in ours if r.levelno == logging.ERROR)
    assert (error.flow, error.state, error.session) == ("shop", "menu", session.id)  # type: ignore[attr-defined]
    foreign = next(r for r in ours if "foreign" in r.getMessage())
    assert (foreign.flow, foreign.state, foreign.session) == (None, None, None)  # type: ignore[attr-defined]


# -- no token anywhere ----------------------------------------------------------------------------------


async def test_no_issued_token_in_any_exported_text(records: list[logging.LogRecord]) -> None:
    metrics = PrometheusMetrics()
    provider, exporter = tracing()
    async with Harness(
        [build_flow()], metrics=metrics, traces=provider, defer_after=0.01, step_timeout=0.05
    ) as h:
        await h.command("shop")
        await h.click("Details")
        await h.click("Back")
        await h.click("Buy")
        await h.click("Details", user=STRANGER)
        await h.click("Boom")
        await h.command("shop")
        await h.click("Hang")
        await h.command("shop")
        h.discord.fail_next("POST", CALLBACK, 429, retry_after=0.01)
        await h.click("Details")
        h.discord.fail_next("PATCH", r"/messages/@original$", 404)
        await h.advance(301)
        tokens = [reply.token for reply in h.replies]
    formatter = logging.Formatter("%(message)s %(flow)s %(state)s %(session)s")
    texts = [generate_latest(metrics.registry).decode()]
    texts += [span.to_json() for span in exporter.get_finished_spans()]
    texts += [formatter.format(record) for record in records]
    assert len(tokens) >= 10 and len(texts) > 20
    for token in tokens:
        leaks = [text for text in texts if token in text]
        assert not leaks, f"token {token} leaked: {leaks[0][:300]}"


# -- helpers --------------------------------------------------------------------------------------------


def test_route_templates_are_bounded() -> None:
    assert route_of("/api/v10/interactions/1/tok/callback") == "/interactions/{id}/{token}/callback"
    assert (
        route_of("/api/v10/webhooks/1/tok/messages/@original") == "/webhooks/{id}/{token}/messages/@original"
    )
    assert route_of("/api/v10/webhooks/1/tok") == "/webhooks/{id}/{token}"
    assert route_of("/api/v10/channels/5/messages/6") == "/channels/{id}/messages/{id}"
    assert route_of("/api/v10/channels/5/messages/6/reactions/%F0%9F%91%8D/@me") == "other"


def test_trigger_names_are_bounded() -> None:
    assert trigger_of(None) == "start"
    assert trigger_of(Button("x", trigger="go")) == "go"
    assert trigger_of(Button("x", action=boom)) == "action"


async def test_text_input_is_a_step() -> None:
    flow = Flow("ask", command="ask")

    def take(ctx: Context, text: str) -> None:
        ctx.data["name"] = text

    @flow.state(initial=True, on_message=take)
    def question(ctx: Context) -> Screen:
        return Screen(f"Name? {ctx.data.get('name', '')}")

    metrics = PrometheusMetrics()
    provider, exporter = tracing()
    async with Harness([flow], metrics=metrics, traces=provider) as h:
        await h.command("ask")
        await h.say("Ada")
        assert h.message is not None and h.message["content"] == "Name? Ada"
    assert value(metrics, "steps_total", flow="ask", state="question", outcome="ok") == 2
    triggers = [
        s.attributes["flowfsm.trigger"] for s in exporter.get_finished_spans() if s.name == "flowfsm.step"
    ]
    assert triggers == ["start", "text"]
    assert all("Ada" not in span.to_json() for span in exporter.get_finished_spans())
