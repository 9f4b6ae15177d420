"""The quick-start weather flow behind a hikari-arc slash command.

``miru.Client.from_arc`` shares arc's dependency injector; ``FlowManager.start`` takes the arc
context and answers through it (``respond_with_builder``), so this works for gateway and REST
arc clients alike. Run with ``DISCORD_TOKEN=... python -m examples.arc_bot``.
"""

from __future__ import annotations

import os

import arc
import hikari
import miru

from examples.quickstart import weather
from flowfsm import FlowManager


def build(bot: hikari.GatewayBot) -> tuple[arc.GatewayClient, miru.Client, FlowManager]:
    """Wire arc, miru and flowfsm onto ``bot`` and declare the /weather command."""
    arc_client = arc.GatewayClient(bot)
    miru_client = miru.Client.from_arc(arc_client)
    flows = FlowManager(miru_client, [weather])

    @arc_client.include
    @arc.slash_command("weather", "Show the weather report")
    async def weather_command(
        ctx: arc.GatewayContext, city: arc.Option[str, arc.StrParams("City name")] = "Paris"
    ) -> None:
        await flows.start(ctx, weather, options={"city": city})

    return arc_client, miru_client, flows


def main() -> None:
    """Run the bot on Discord."""
    bot = hikari.GatewayBot(os.environ["DISCORD_TOKEN"])
    build(bot)
    bot.run()


if __name__ == "__main__":
    main()
