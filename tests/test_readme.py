"""The README's quick start really runs as written: its flow, its command registration and its
command routing are driven through the harness, and the diagram under it is drawn from it.

The testing snippet is run as written, in a fresh venv, by ``tests/test_wheel.py``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import hikari

from flowfsm import Flow, FlowManager
from flowfsm.testing import Harness
from flowfsm.tools.diagram import diagram

README = Path(__file__).resolve().parent.parent / "README.md"
BOT_LINE = 'hikari.GatewayBot(os.environ["DISCORD_TOKEN"])'


def readme() -> str:
    return README.read_text(encoding="utf-8")


def quick_start_code() -> str:
    """The quick start's code block, exactly as the README shows it."""
    block = re.search(r"## Quick start\n.*?```python\n(.*?)```", readme(), re.S)
    assert block is not None, "README has no quick start block"
    return block.group(1)


def quick_start_namespace() -> dict[str, Any]:
    """Execute the quick start up to the point where it would connect to Discord."""
    flow_part = quick_start_code().split("bot = ")[0]
    namespace: dict[str, Any] = {}
    exec(compile(flow_part, "README quick start", "exec"), namespace)
    return namespace


def readme_block(language: str, after: str) -> str:
    """The first ``language`` code block after the text ``after``."""
    text = readme()
    block = re.search(rf"```{language}\n(.*?)```", text[text.index(after) :], re.S)
    assert block is not None, f"no {language} block after {after!r}"
    return block.group(1)


async def test_quick_start_flow_runs_and_refresh_changes_what_it_shows() -> None:
    weather = quick_start_namespace()["weather"]
    async with Harness([weather]) as h:
        await h.command("weather")
        embed = h.message["embeds"][0]  # type: ignore[index]
        assert embed["title"] == "Weather in Paris" and embed["description"] == "21 °C, refreshed 0 time(s)"
        await h.click("Refresh")
        await h.click("Refresh")
        assert h.message["embeds"][0]["description"] == "21 °C, refreshed 2 time(s)"  # type: ignore[index]
        await h.click("Details")
        assert h.message["content"] == "Wind 12 km/h"  # type: ignore[index]
        await h.click("Back")
        assert h.message["embeds"][0]["description"] == "21 °C, refreshed 0 time(s)"  # type: ignore[index]
        await h.click("Close")
        assert h.message["content"] == "Bye!" and len(h.manager.sessions) == 0  # type: ignore[index]


async def test_quick_start_bot_registers_weather_and_routes_it() -> None:
    """The whole quick start, with the harness's bot in place of the one it would connect."""
    code = quick_start_code()
    assert code.count(BOT_LINE) == 1 and 'if __name__ == "__main__":\n    bot.run()' in code
    namespace: dict[str, Any] = {}

    def wire(bot: hikari.GatewayBot, **_options: Any) -> FlowManager:
        namespace["BOT"] = bot
        exec(compile(code.replace(BOT_LINE, "BOT"), "README quick start", "exec"), namespace)
        return namespace["flows"]  # type: ignore[no-any-return]

    async with Harness(wire=wire) as h:
        await namespace["register_commands"](hikari.StartedEvent(app=h.bot))  # type: ignore[arg-type]
        assert [command["name"] for command in h.discord.commands] == ["weather"]
        await h.command("weather")  # routed by the quick start's own listener
        assert h.message["embeds"][0]["title"] == "Weather in Paris"  # type: ignore[index]


def test_the_diagram_under_the_quick_start_is_drawn_from_its_code() -> None:
    weather: Flow = quick_start_namespace()["weather"]
    shown = readme_block("mermaid", "## Quick start")
    assert shown == diagram(weather, "mermaid").rstrip("\n") + "\n"


def test_the_readme_names_no_internal_issue_and_no_wrong_diagram_command() -> None:
    text = readme()
    assert not re.search(r"\bissues? #?\d+", text, re.I)
    # one flow per SVG file: a module of several flows needs `diagrams --out DIR`
    for line in re.findall(r"flowfsm diagram [^\n]*-o [^\n]*", text):
        assert re.search(r"flowfsm diagram \S+:\S+ ", line), line


def test_the_readme_tells_users_how_to_install_and_try_their_flows() -> None:
    text = readme()
    install = text[text.index("## Install") : text.index("## Quick start")]
    for needed in ("Python 3.11", "`testing`", "`diagrams`", "`arc`", "pip install", "make docs", "site/"):
        assert needed in install, needed
    assert "flowfsm play weather_bot" in text
