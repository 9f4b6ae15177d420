"""The quick-start weather flow end to end, through a gateway bot and through a REST bot.

Every interaction is Discord-shaped JSON turned into a real hikari object, routed by the real
miru client; every response lands on the loopback Discord server, which we read back.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import hikari
import pytest
import pytest_asyncio

from examples.quickstart import weather
from flowfsm import FlowManager, Texts
from flowfsm.testing import OTHER_USER, Harness

MESSAGE_UPDATE = 7
CHANNEL_MESSAGE = 4


@pytest_asyncio.fixture(params=["gateway", "rest"])
async def h(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    async with Harness([weather], rest_bot=request.param == "rest") as harness:
        yield harness


def footer(h: Harness) -> str:
    assert h.message is not None
    return str(h.message["embeds"][0]["footer"]["text"])


async def test_start_sends_the_first_render_as_the_initial_response(h: Harness) -> None:
    reply = await h.command("weather", options={"city": "Lyon", "seed": 3})
    assert reply.type == CHANNEL_MESSAGE
    assert h.message is not None
    assert h.message["embeds"][0]["title"] == "Weather in Lyon"
    assert h.labels() == ["Refresh", "Details", "Close", "Cancel", "Forecast"]
    assert h.session().state == "report"


async def test_buttons_carry_styles_emoji_links_and_session_ids(h: Harness) -> None:
    await h.command("weather")
    refresh, details, forecast = h.button("Refresh"), h.button("Details"), h.button("Forecast")
    assert refresh["style"] == hikari.ButtonStyle.PRIMARY and refresh["emoji"]["name"] == "🔄"
    assert details["style"] == hikari.ButtonStyle.SECONDARY
    assert h.button("Cancel")["style"] == hikari.ButtonStyle.DANGER
    assert forecast["style"] == hikari.ButtonStyle.LINK and forecast["url"] == "https://example.com/forecast"
    assert "custom_id" not in forecast
    session = h.session()
    assert details["custom_id"].startswith(f"ff:weather:{session.id}:")
    assert all(len(c.get("custom_id", "")) <= 100 for c in h.message["components"][0]["components"])


async def test_action_rerenders_with_a_new_reading(h: Harness) -> None:
    await h.command("weather", options={"seed": 1})
    assert footer(h) == "reading #1"
    reply = await h.click("Refresh")
    assert reply.type == MESSAGE_UPDATE
    assert footer(h) == "reading #2"
    assert h.session().state == "report"


async def test_trigger_transitions_and_back(h: Harness) -> None:
    await h.command("weather")
    await h.click("Details")
    assert h.session().state == "details"
    assert h.message is not None and "wind" in h.message["content"]
    assert h.labels() == ["Back"]
    await h.click("Back")
    assert h.session().state == "report"
    assert h.labels()[0] == "Refresh"


async def test_close_enters_the_final_state_and_removes_components(h: Harness) -> None:
    await h.command("weather")
    await h.click("Refresh")
    await h.click("Close")
    assert h.message is not None
    assert h.message["content"] == "Closed after 2 reading(s)."
    assert h.message["components"] == []
    assert len(h.manager.sessions) == 0


async def test_cancel_closes_with_a_note(h: Harness) -> None:
    await h.command("weather")
    await h.click("Cancel")
    assert h.message is not None and h.message["content"] == "Weather report cancelled."
    assert h.message["components"] == [] and h.message["embeds"] == []
    assert len(h.manager.sessions) == 0
    reply = await h.send_component(
        h.replies[0].requests[0].json["data"]["components"][0]["components"][0]["custom_id"]
    )
    assert reply.ephemeral_text == "This menu has expired. Run /weather again."


async def test_timeout_disables_components_runs_hook_and_forgets_the_session(h: Harness) -> None:
    await h.command("weather")
    assert await h.advance(weather.timeout - 1) == 0
    assert len(h.manager.sessions) == 1
    assert await h.advance(2) == 1
    assert len(h.manager.sessions) == 0
    assert h.message is not None
    buttons = h.message["components"][0]["components"]
    assert [b.get("disabled", False) for b in buttons if b["style"] != hikari.ButtonStyle.LINK] == [True] * 4


async def test_activity_postpones_the_timeout(h: Harness) -> None:
    await h.command("weather")
    await h.advance(weather.timeout - 10)
    await h.click("Refresh")
    assert await h.advance(weather.timeout - 10) == 0
    assert await h.advance(11) == 1


async def test_other_users_click_is_refused_and_changes_nothing(h: Harness) -> None:
    await h.command("weather")
    before = dict(h.message or {})
    reply = await h.click("Details", user=OTHER_USER)
    assert reply.type == CHANNEL_MESSAGE
    assert reply.ephemeral_text == "This menu belongs to someone else. Run /weather to open your own."
    assert h.session().state == "report"
    assert h.message == before


async def test_stale_click_after_timeout_gets_the_expired_reply(h: Harness) -> None:
    await h.command("weather")
    await h.advance(weather.timeout + 1)
    # Expiry disabled the buttons; a click sent before the user's client saw that edit still arrives.
    reply = await h.click("Details", allow_disabled=True)
    assert reply.ephemeral_text == "This menu has expired. Run /weather again."


async def test_click_on_an_earlier_screen_is_refused(h: Harness) -> None:
    await h.command("weather")
    old = dict(h.message or {})
    await h.click("Details")
    close_id = next(c["custom_id"] for c in old["components"][0]["components"] if c.get("label") == "Close")
    reply = await h.send_component(close_id, message=old)
    assert reply.ephemeral_text is not None and "earlier screen" in reply.ephemeral_text
    assert h.session().state == "details"


@pytest.mark.parametrize(
    "custom_id",
    [
        "ff:weather:zzzzzzzz:0:1",
        "ff:weather",
        "ff:nosuchflow:abcdefgh:0:1",
        "ff:" + "x" * 120,
        "ff:weather:ab:0:1",
    ],
)
async def test_forged_or_malformed_ids_get_a_clear_reply(h: Harness, custom_id: str) -> None:
    await h.command("weather")
    reply = await h.send_component(custom_id)
    assert reply.ephemeral_text in {
        Texts().invalid.format(command="the command"),
        Texts().invalid.format(command="weather"),
        Texts().expired.format(command="weather"),
    }
    assert h.session().state == "report"


async def test_foreign_custom_ids_are_left_to_other_handlers() -> None:
    async with Harness([weather]) as h:
        await h.command("weather")
        count = len(h.discord.requests)
        reply = await h.send_component("someone-elses-button")
        assert reply.requests == [] and len(h.discord.requests) == count
        assert h.session().state == "report"


async def test_double_click_runs_once(h: Harness) -> None:
    """Both clicks of a double-click name the same screen: the first runs, the second finds an
    earlier screen and gets ``Texts.stale`` (it runs nothing)."""
    import asyncio

    await h.command("weather", options={"seed": 2})
    replies = await asyncio.gather(h.click("Refresh"), h.click("Refresh"))
    assert footer(h) == "reading #2"
    assert h.session().data["readings"] == 2
    texts = [(r.callback or {}).get("data", {}).get("content") for r in replies]
    assert Texts().stale in texts


async def test_callback_error_replies_logs_and_ends_the_session(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await h.command("weather")
    h.session().data["reading"] = None  # the details render will fail on this
    with caplog.at_level(logging.ERROR, logger="flowfsm"):
        reply = await h.click("Details")
    assert reply.ephemeral_text == Texts().error
    session_lines = [
        r for r in caplog.records if "error in flow 'weather', state 'details'" in r.getMessage()
    ]
    assert session_lines, caplog.text
    assert len(h.manager.sessions) == 0


async def test_custom_error_handler_replaces_the_default_reply(h: Harness) -> None:
    seen: list[str] = []

    @h.manager.on_error
    async def handler(ctx, error):  # type: ignore[no-untyped-def]
        seen.append(f"{ctx.state_name}:{type(error).__name__}")
        assert ctx.interaction is not None
        await ctx.interaction.create_initial_response(
            hikari.ResponseType.MESSAGE_CREATE, "custom oops", flags=hikari.MessageFlag.EPHEMERAL
        ) if not h.rest_bot else None

    await h.command("weather")
    h.session().data["reading"] = None
    reply = await h.click("Details")
    assert seen == ["details:TypeError"]
    expected = Texts().error if h.rest_bot else "custom oops"
    assert reply.ephemeral_text == expected


async def test_slow_setup_is_deferred_then_edited(h: Harness) -> None:
    import asyncio

    from flowfsm import Flow, Screen

    slow = Flow("slow")

    @slow.state(initial=True)
    async def start(ctx):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.02)  # the system under test is slow; the defer timer fires first
        return Screen("ready")

    h.manager.register(slow)
    h.manager.defer_after = 0.0
    reply = await h.command("slow")
    assert reply.type == 5  # DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
    patch = [r for r in reply.requests if r.method == "PATCH" and r.path.endswith("/messages/@original")]
    assert patch and patch[0].json["content"] == "ready"
    assert h.message is not None and h.message["content"] == "ready"


async def test_manager_chains_to_a_hook_set_before_it(h: Harness) -> None:
    seen: list[str] = []
    client = h.client

    async def earlier(interaction: hikari.ComponentInteraction):  # type: ignore[no-untyped-def]
        seen.append(interaction.custom_id)
        return interaction.build_response(hikari.ResponseType.MESSAGE_CREATE).set_content("theirs")

    client.set_unhandled_component_interaction_hook(earlier)
    FlowManager(client, [weather], clock=h.clock, auto_expire=False)
    await h.command("weather")
    await h.send_component("poll:1:yes")
    assert seen == ["poll:1:yes"]
