"""Shared runner for the examples: a gateway bot with one slash command per flow."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import hikari
import miru

from flowfsm import Flow, FlowManager

_LOG = logging.getLogger("examples")


def run_bot(
    flows: Iterable[Flow],
    *,
    starts: Mapping[str, tuple[Flow, str | None]] | None = None,
    setup: Callable[[FlowManager], Any] | None = None,
) -> None:
    """Run ``flows`` on Discord with ``DISCORD_TOKEN``; ``/<flow.command>`` opens each flow.

    ``starts`` adds commands that open a flow at a given state (``{"profile": (nav, "profile")}``);
    ``setup`` may register global hooks on the manager. Commands go to ``DISCORD_GUILD_ID``
    when it is set (instant registration), else globally.
    """
    flows = list(flows)
    intents = hikari.Intents.ALL_UNPRIVILEGED
    if any(spec.on_message is not None for flow in flows for spec in flow.states.values()):
        intents |= hikari.Intents.MESSAGE_CONTENT  # text input reads message content (privileged)
    bot = hikari.GatewayBot(os.environ["DISCORD_TOKEN"], intents=intents)
    manager = FlowManager(miru.Client(bot), flows)
    if setup is not None:
        setup(manager)
    commands: dict[str, tuple[Flow, str | None]] = {flow.command: (flow, None) for flow in flows}
    commands.update(starts or {})

    @bot.listen(hikari.StartedEvent)
    async def register(_: hikari.StartedEvent) -> None:
        app = await bot.rest.fetch_application()
        guild = os.environ.get("DISCORD_GUILD_ID")
        builders = [
            bot.rest.slash_command_builder(name, (flow.description or f"Open {flow.name}")[:100])
            for name, (flow, _) in commands.items()
        ]
        await bot.rest.set_application_commands(
            app.id, builders, guild=int(guild) if guild else hikari.UNDEFINED
        )
        _LOG.info("ready: /%s", ", /".join(commands))

    @bot.listen(hikari.InteractionCreateEvent)
    async def on_command(event: hikari.InteractionCreateEvent) -> None:
        interaction = event.interaction
        if isinstance(interaction, hikari.CommandInteraction) and interaction.command_name in commands:
            flow, at = commands[interaction.command_name]
            await manager.start(interaction, flow, at=at)

    bot.run()
