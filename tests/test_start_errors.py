"""``flows.start`` of a flow that is not registered (or a state it does not have): the user gets
a clear ephemeral reply instead of silence, and the bot author's code gets the error."""

from __future__ import annotations

from typing import Any

import hikari
import miru
import pytest

from examples.quickstart import weather
from flowfsm import FlowError, FlowManager, Texts
from flowfsm.testing import Harness


def _wire(target: str, at: str | None, raised: list[Exception]) -> Any:
    """A gateway bot's own listener starting ``target`` for every command, as a bot author writes it."""

    def wire(bot: hikari.GatewayBot, **options: Any) -> FlowManager:
        flows = FlowManager(miru.Client(bot), [weather], **options)

        async def on_command(event: hikari.InteractionCreateEvent) -> None:
            if isinstance(event.interaction, hikari.CommandInteraction):
                try:
                    await flows.start(event.interaction, target, at=at)
                except FlowError as exc:
                    raised.append(exc)

        bot.event_manager.subscribe(hikari.InteractionCreateEvent, on_command)
        return flows

    return wire


@pytest.mark.parametrize(
    ("target", "at", "message"),
    [
        ("nosuchflow", None, "no flow named 'nosuchflow' is registered"),
        ("weather", "nowhere", "flow 'weather' has no state 'nowhere' to start at"),
    ],
)
async def test_a_gateway_bot_starting_an_unknown_flow_answers_and_raises(
    target: str, at: str | None, message: str
) -> None:
    raised: list[Exception] = []
    async with Harness(wire=_wire(target, at, raised)) as h:
        reply = await h.command("weather")
        assert reply.ephemeral_text == Texts().unavailable
        assert len(raised) == 1 and message in str(raised[0])
        assert len(h.manager.sessions) == 0
