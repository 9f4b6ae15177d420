"""``flowfsm run`` with a token (the real-bot runner) and the ``play``/``run`` command line.

The runner's wiring is exercised through the harness (``Harness(wire=...)``): a slash command
interaction reaches the runner's listener, which starts the flow; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import functools
import logging

import hikari
import pytest

from examples.quickstart import weather
from flowfsm import Flow, Screen
from flowfsm.testing import Harness
from flowfsm.tools.playground import add_cli
from flowfsm.tools.playground.bot import build_commands, command_table, guild_from_env, intents_for, wire
from flowfsm.tools.playground.cli import main


def _flow(name: str, command: str | None = None, **state: object) -> Flow:
    flow = Flow(name, command=command, description=f"the {name} flow")
    flow.add_state("start", lambda ctx: Screen("hi"), initial=True, **state)  # type: ignore[arg-type]
    return flow


async def test_slash_command_starts_the_flow_through_the_runner_wiring() -> None:
    async with Harness([], wire=functools.partial(wire, flows=[weather])) as h:
        await h.command("weather", user=1001)
        assert h.message is not None
        assert h.message["embeds"][0]["title"] == "Weather in Paris"
        session = h.manager.session_for(1001)
        assert session is not None and session.flow is weather
        await h.click("Details")
        assert session.state == "details"


async def test_unknown_commands_are_left_alone() -> None:
    async with Harness([], wire=functools.partial(wire, flows=[weather])) as h:
        reply = await h.command("something-else")
        assert reply.callback is None and len(h.manager.sessions) == 0


def test_command_table_skips_bad_and_repeated_names(caplog: pytest.LogCaptureFixture) -> None:
    good, same, bad = _flow("one", "Go"), _flow("two", "go"), _flow("three", "has space")
    with caplog.at_level(logging.WARNING, logger="flowfsm.bot"):
        table = command_table([good, same, bad])
    assert table == {"go": good}
    assert "already used by flow 'one'" in caplog.text and "not a valid slash command name" in caplog.text


def test_one_slash_command_per_flow() -> None:
    bot = hikari.RESTBot("x", "Bot", banner=None, suppress_optimization_warning=True)
    first, second = _flow("first"), Flow("second", description="")
    second.add_state("s", lambda ctx: Screen("x"), initial=True)
    commands = build_commands(bot.rest, command_table([first, second]))
    assert [(c.name, c.description) for c in commands] == [
        ("first", "the first flow"),
        ("second", "Open the second menu"),
    ]


def test_text_input_needs_the_message_content_intent() -> None:
    assert not intents_for([_flow("plain")]) & hikari.Intents.MESSAGE_CONTENT
    assert intents_for([_flow("typed", on_message=lambda ctx, text: None)]) & hikari.Intents.MESSAGE_CONTENT


def test_guild_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISCORD_GUILD_ID", raising=False)
    assert guild_from_env() is None
    monkeypatch.setenv("DISCORD_GUILD_ID", "123")
    assert guild_from_env() == 123
    monkeypatch.setenv("DISCORD_GUILD_ID", "my-guild")
    with pytest.raises(SystemExit, match="numeric guild id"):
        guild_from_env()


def test_add_cli_registers_play_and_run() -> None:
    parser = argparse.ArgumentParser(prog="flowfsm")
    add_cli(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["play", "examples.quickstart", "--port", "0"])
    assert args.targets == ["examples.quickstart"] and args.port == 0 and callable(args.func)
    args = parser.parse_args(["run"])
    assert args.targets == [] and args.func.__name__ == "run_command"


@pytest.mark.parametrize("command", ["play", "run"])
def test_no_flows_is_an_error_naming_the_target(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "not-used")  # 'run' with a token: still fails before connecting
    assert main([command, "no_such_module_here"]) == 1
    err = capsys.readouterr().err
    assert "no flows found in no_such_module_here" in err and "no module named 'no_such_module_here'" in err
