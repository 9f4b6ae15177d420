"""Run flows as a real bot on Discord (gateway): one slash command per flow.

``flowfsm run`` with ``DISCORD_TOKEN`` set lands here. Each flow's ``command`` becomes a slash
command, registered to ``DISCORD_GUILD_ID`` when set (instant) or globally (Discord may take a
while to show global commands); using the command starts the flow with
:meth:`FlowManager.start <flowfsm.FlowManager.start>`.

The wiring is :func:`wire`, so tests run it through :class:`flowfsm.testing.Harness` (``wire=``)
against the loopback Discord.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any

import hikari
import miru

from flowfsm.define.flow import Flow
from flowfsm.engine.logs import get_logger
from flowfsm.engine.manager import FlowManager

__all__ = [
    "build_commands",
    "command_table",
    "guild_from_env",
    "intents_for",
    "register_commands",
    "run_bot",
    "wire",
]

_LOG = get_logger("flowfsm.bot")
_COMMAND_NAME = re.compile(r"^[-_a-z0-9]{1,32}$")


def guild_from_env() -> int | None:
    """The guild id in ``DISCORD_GUILD_ID``, or ``None`` for global commands."""
    raw = os.environ.get("DISCORD_GUILD_ID", "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise SystemExit(f"DISCORD_GUILD_ID must be a numeric guild id, got {raw!r}")
    return int(raw)


def command_table(flows: Sequence[Flow]) -> dict[str, Flow]:
    """Slash command name -> flow; names Discord would refuse, and repeats, are skipped with a warning."""
    table: dict[str, Flow] = {}
    for flow in flows:
        name = flow.command.lower()
        if not _COMMAND_NAME.match(name):
            _LOG.warning("flow %r: /%s is not a valid slash command name; skipped", flow.name, flow.command)
        elif name in table:
            _LOG.warning(
                "flow %r: /%s is already used by flow %r; skipped", flow.name, name, table[name].name
            )
        else:
            table[name] = flow
    return table


def build_commands(
    rest: hikari.api.RESTClient, table: dict[str, Flow]
) -> list[hikari.api.SlashCommandBuilder]:
    """One slash command builder per entry of :func:`command_table`."""
    return [
        rest.slash_command_builder(name, (flow.description or f"Open the {flow.name} menu")[:100])
        for name, flow in table.items()
    ]


async def register_commands(
    rest: hikari.api.RESTClient, table: dict[str, Flow], *, guild_id: int | None
) -> Sequence[hikari.PartialCommand]:
    """Set the application's commands (in ``guild_id``, or globally) to one per flow."""
    application = await rest.fetch_application()
    guild: hikari.UndefinedOr[int] = guild_id if guild_id is not None else hikari.UNDEFINED
    return await rest.set_application_commands(application.id, build_commands(rest, table), guild=guild)


def wire(
    bot: hikari.GatewayBot, *, flows: Sequence[Flow] = (), guild_id: int | None = None, **manager_options: Any
) -> FlowManager:
    """Wire a gateway bot: miru client, flow manager, command registration on start, command routing.

    Returns the :class:`FlowManager` (``manager_options`` go to it). Its signature fits
    ``Harness(wire=functools.partial(wire, flows=...))``.
    """
    client = miru.Client(bot)
    manager = FlowManager(client, flows, **manager_options)
    table = command_table(flows)

    @bot.listen(hikari.StartedEvent)
    async def on_started(_: hikari.StartedEvent) -> None:
        where = f"guild {guild_id}" if guild_id is not None else "globally (may take a while to appear)"
        try:
            await register_commands(bot.rest, table, guild_id=guild_id)
        except hikari.HikariError:
            _LOG.exception("flowfsm bot: could not register the slash commands %s", where)
            return
        me = bot.get_me()
        commands = ", ".join(f"/{name}" for name in table) or "none"
        _LOG.info("flowfsm bot ready as %s: %d command(s) registered %s: %s", me, len(table), where, commands)

    @bot.listen(hikari.InteractionCreateEvent)
    async def on_interaction(event: hikari.InteractionCreateEvent) -> None:
        interaction = event.interaction
        if isinstance(interaction, hikari.CommandInteraction):
            flow = table.get(interaction.command_name)
            if flow is not None:
                await manager.start(interaction, flow)

    return manager


def intents_for(flows: Sequence[Flow]) -> hikari.Intents:
    """The gateway intents the flows need: the unprivileged ones, plus MESSAGE_CONTENT (privileged:
    enable it for the bot in Discord's developer portal) when a state takes text input."""
    intents = hikari.Intents.ALL_UNPRIVILEGED
    if any(getattr(spec, "on_message", None) is not None for flow in flows for spec in flow.states.values()):
        intents |= hikari.Intents.MESSAGE_CONTENT
    return intents


def run_bot(flows: Sequence[Flow], *, token: str, guild_id: int | None = None) -> None:
    """Run the flows as a gateway bot until interrupted (blocks; ``bot.run`` handles Ctrl+C)."""
    bot = hikari.GatewayBot(token, intents=intents_for(flows))
    wire(bot, flows=flows, guild_id=guild_id)
    bot.run()
