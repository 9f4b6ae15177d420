"""The playground's live panel over its HTTP API: send a trigger, invalidate a watched key, watch
timed edges tick with the playground's clock (aiohttp's test client; the real stack behind it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from examples import auction, inventory
from flowfsm.tools.playground.play import Playground
from flowfsm.tools.playground.server import make_app


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient[Any, Any]]:
    store = inventory.configure(tmp_path / "shop.sqlite3")
    play = Playground([auction.auction, inventory.inventory])
    await play.start()
    async with TestClient(TestServer(make_app(play))) as test_client:
        yield test_client
    await play.close()
    await store.close()


async def _post(
    client: TestClient[Any, Any], path: str, body: dict[str, Any], status: int = 200
) -> dict[str, Any]:
    response = await client.post(path, json=body)
    answer: dict[str, Any] = await response.json()
    assert response.status == status, answer
    return answer


async def test_the_panel_lists_triggers_and_timed_edges_and_ticks_them(client: TestClient[Any, Any]) -> None:
    answer = await _post(client, "/api/start", {"flow": "auction", "user": 1001})
    live = answer["state"]["live"]
    assert live["sendable"] == ["bid", "close", "leave", "outbid", "tick"]
    assert [(t["trigger"], t["time"], t["due_in"]) for t in live["timed"]] == [
        ("tick", "every 10 s", 10.0),
        ("close", "after 60 s", None),
    ]
    assert 'data-trigger="outbid"' in answer["fragments"]["live"]

    answer = await _post(client, "/api/live/tick", {})
    entry = answer["state"]["view"]["log"][-1]
    assert entry["outcome"] == "live" and entry["trigger"] == "tick"
    assert "50 s left" in answer["fragments"]["channel"]
    assert answer["state"]["clock"] == 10.0

    answer = await _post(client, "/api/live/send", {"trigger": "bid"})
    assert "send 'bid': sent" in answer["state"]["view"]["log"][-1]["detail"]
    assert "(you)" in answer["fragments"]["channel"]

    answer = await _post(client, "/api/live/send", {"trigger": "nope"}, status=400)
    assert "no trigger 'nope'" in answer["error"]


async def test_the_panel_invalidates_a_watched_key(client: TestClient[Any, Any]) -> None:
    answer = await _post(client, "/api/start", {"flow": "inventory", "user": 1001})
    keys = answer["state"]["live"]["watched"]
    assert '["stock", "potion"]' in keys
    answer = await _post(client, "/api/live/invalidate", {"key": '["stock", "potion"]'})
    entry = answer["state"]["view"]["log"][-1]
    assert entry["outcome"] == "live" and "1 session(s) refreshed" in entry["detail"]
    assert (await _post(client, "/api/live/invalidate", {"key": "{nope"}, status=400))["error"]
