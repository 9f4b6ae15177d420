"""The quick-start weather flow on a ``hikari.RESTBot`` (an HTTP interaction server).

The command listener returns what ``FlowManager.start`` returns: the initial response builder,
which hikari sends as the HTTP reply. Clicks reach flowfsm through the miru client.
Run with ``DISCORD_TOKEN=... DISCORD_PUBLIC_KEY=... python -m examples.rest_bot``.
"""

from __future__ import annotations

import os
from typing import Any

import hikari
import miru

from examples.quickstart import weather
from flowfsm import FlowManager


def build(bot: hikari.RESTBot, **manager_options: Any) -> FlowManager:
    """Wire miru and flowfsm onto ``bot``; /weather opens the weather flow."""
    flows = FlowManager(miru.Client(bot), [weather], **manager_options)

    async def on_command(interaction: hikari.CommandInteraction) -> Any:
        if interaction.command_name == "weather":
            return await flows.start(interaction, weather)
        return (
            interaction.build_response()
            .set_content("Unknown command")
            .set_flags(hikari.MessageFlag.EPHEMERAL)
        )

    bot.interaction_server.set_listener(hikari.CommandInteraction, on_command)
    return flows


def main() -> None:
    """Serve interactions on port 8080."""
    bot = hikari.RESTBot(os.environ["DISCORD_TOKEN"], "Bot", os.environ.get("DISCORD_PUBLIC_KEY"))
    build(bot)
    bot.run(port=int(os.environ.get("PORT", "8080")))


if __name__ == "__main__":
    main()
