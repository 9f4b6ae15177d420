"""The README's quick start really runs: its flow is driven end to end through the harness."""

from __future__ import annotations

import re
from pathlib import Path

from flowfsm.testing import Harness

README = Path(__file__).resolve().parent.parent / "README.md"


def quick_start_namespace() -> dict[str, object]:
    """Execute the quick start up to the point where it would connect to Discord."""
    text = README.read_text(encoding="utf-8")
    block = re.search(r"## Quick start\n\n```python\n(.*?)```", text, re.S)
    assert block is not None, "README has no quick start block"
    code = block.group(1)
    assert len(code.splitlines()) <= 40
    flow_part = code.split("bot = hikari.GatewayBot")[0]
    namespace: dict[str, object] = {}
    exec(compile(flow_part, "README quick start", "exec"), namespace)
    return namespace


async def test_quick_start_flow_runs() -> None:
    weather = quick_start_namespace()["weather"]
    async with Harness([weather]) as h:  # type: ignore[list-item]
        await h.command("weather")
        assert h.message is not None and h.message["embeds"][0]["title"] == "Weather in Paris"
        await h.click("Refresh")
        assert h.session().local == {"n": 1}
        await h.click("Details")
        assert h.message["content"] == "Wind 12 km/h"
        await h.click("Back")
        assert h.session().local == {"n": 0}  # per-state data was reset on re-entry
        await h.click("Close")
        assert h.message["content"] == "Bye!" and len(h.manager.sessions) == 0
