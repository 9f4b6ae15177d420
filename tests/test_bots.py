"""Starting sessions from the three kinds of bot set-up: arc, plain RESTBot, plain GatewayBot."""

from __future__ import annotations

import asyncio

import hikari

from examples import arc_bot, rest_bot
from flowfsm.testing import FakeDiscord, payloads
from flowfsm.testing.harness import Harness


async def test_arc_command_starts_the_flow_and_clicks_route_through_miru_from_arc() -> None:
    async with FakeDiscord() as discord:
        bot = hikari.GatewayBot(
            discord.bot_token,
            rest_url=discord.rest_url,
            banner=None,
            logs=None,
            suppress_optimization_warning=True,
        )
        bot.rest.start()
        try:
            arc_client, miru_client, flows = arc_bot.build(bot)
            done = asyncio.Event()
            arc_client.add_post_hook(lambda _ctx: done.set())  # arc runs commands in its own task
            ids = payloads.Ids()
            iid = ids.next()
            command = payloads.command_interaction(
                interaction_id=iid,
                token="arc-token",
                user_id=7,
                command_name="weather",
                options=[{"name": "city", "type": 3, "value": "Oslo"}],
                application_id=discord.application_id,
            )
            discord.register_interaction(iid, "arc-token", channel_id=222)
            event = bot.event_factory.deserialize_interaction_create_event(None, command)  # type: ignore[arg-type]
            await bot.event_manager.dispatch(event, return_tasks=True)
            await done.wait()
            message = discord.message_for_token("arc-token")
            assert message is not None, [r.path for r in discord.requests]
            assert message["embeds"][0]["title"] == "Weather in Oslo"
            session = flows.session_for(7)
            assert session is not None and session.state == "report"

            details = next(c for c in message["components"][0]["components"] if c.get("label") == "Details")
            cid = ids.next()
            click = payloads.component_interaction(
                interaction_id=cid,
                token="arc-click",
                user_id=7,
                custom_id=details["custom_id"],
                message=message,
                application_id=discord.application_id,
            )
            discord.register_interaction(cid, "arc-click", channel_id=222, message_id=int(message["id"]))
            event = bot.event_factory.deserialize_interaction_create_event(None, click)  # type: ignore[arg-type]
            await bot.event_manager.dispatch(event, return_tasks=True)
            assert session.state == "details"
            assert "wind" in discord.messages[int(message["id"])]["content"]
            assert miru_client.injector is arc_client.injector
        finally:
            await bot.rest.close()


async def test_rest_bot_example_answers_over_signed_http() -> None:
    async with Harness(rest_bot=True, wire=rest_bot.build) as h:
        assert isinstance(h.bot, hikari.RESTBot)
        reply = await h.command("weather")
        assert reply.http_status == 200
        assert h.message is not None and h.message["embeds"][0]["title"] == "Weather in Paris"
        await h.click("Details")
        assert h.manager.session_for(1001).state == "details"
        await h.advance(301)
        assert len(h.manager.sessions) == 0
