"""FakeDiscord refuses what Discord refuses, with Discord's 400 shape (Invalid Form Body, 50035).

Requests here bypass flowfsm's render checks (plain JSON over 127.0.0.1, or hikari's builders), so
a test that breaks a limit gets the answer Discord would give it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, cast

import aiohttp
import hikari
import pytest

from flowfsm.testing import payloads
from flowfsm.testing.discord_api import FakeDiscord

CHANNEL = 222


@pytest.fixture
async def server() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        yield fake


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def _post(http: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> tuple[int, Any]:
    async with http.post(url, json=body) as response:
        return response.status, (await response.json() if response.status != 204 else None)


def _error_paths(tree: dict[str, Any], prefix: str = "") -> set[str]:
    """The dotted paths of an Invalid Form Body ``errors`` tree that carry ``_errors``."""
    paths: set[str] = set()
    for key, value in tree.items():
        if key == "_errors":
            paths.add(prefix.rstrip("."))
        elif isinstance(value, dict):
            paths |= _error_paths(value, f"{prefix}{key}.")
    return paths


def _link(url: str) -> dict[str, Any]:
    return {"type": 1, "components": [{"type": 2, "style": 5, "label": "Docs", "url": url}]}


def _button(emoji: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": 1,
        "components": [{"type": 2, "style": 1, "custom_id": "b", "label": "B", "emoji": emoji}],
    }


def _gallery(**item: Any) -> dict[str, Any]:
    return {"flags": 1 << 15, "components": [{"type": 12, "items": [item]}]}


def _section(**thumbnail: Any) -> dict[str, Any]:
    text = {"type": 10, "content": "x"}
    return {
        "flags": 1 << 15,
        "components": [{"type": 9, "components": [text], "accessory": {"type": 11, **thumbnail}}],
    }


def _embed_with_fields(count: int, name: str = "n", value: str = "v") -> dict[str, Any]:
    return {"title": "t", "fields": [{"name": name, "value": value} for _ in range(count)]}


def _select_row(index: int) -> dict[str, Any]:
    return {"type": 1, "components": [{"type": 5, "custom_id": f"s{index}"}]}


MESSAGES: list[tuple[str, dict[str, Any], str]] = [
    ("6 rows", {"components": [_select_row(i) for i in range(6)]}, "components"),
    ("embed title", {"embeds": [{"title": "t" * 257}]}, "embeds.0.title"),
    ("embed description", {"embeds": [{"description": "d" * 4097}]}, "embeds.0.description"),
    ("26 fields", {"embeds": [_embed_with_fields(26)]}, "embeds.0.fields"),
    ("field name", {"embeds": [_embed_with_fields(1, name="n" * 257)]}, "embeds.0.fields.0.name"),
    ("field value", {"embeds": [_embed_with_fields(1, value="v" * 1025)]}, "embeds.0.fields.0.value"),
    ("footer", {"embeds": [{"title": "t", "footer": {"text": "f" * 2049}}]}, "embeds.0.footer.text"),
    ("author", {"embeds": [{"title": "t", "author": {"name": "a" * 257}}]}, "embeds.0.author.name"),
    (
        "6000 across embeds",
        {"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]},
        "embeds",
    ),
    ("link url", {"components": [_link("https://e.com/" + "a" * 499)]}, "components.0.components.0.url"),
    ("emoji name", {"components": [_button({"name": "e" * 33})]}, "components.0.components.0.emoji.name"),
    (
        "gallery url",
        _gallery(media={"url": "https://x.io/" + "a" * 2036}),
        "components.0.items.0.media.url",
    ),
    (
        "empty gallery description",
        _gallery(media={"url": "https://x.io/a.png"}, description=""),
        "components.0.items.0.description",
    ),
    (
        "thumbnail url",
        _section(media={"url": "https://x.io/" + "a" * 2036}),
        "components.0.accessory.media.url",
    ),
    (
        "empty thumbnail description",
        _section(media={"url": "https://x.io/a.png"}, description=""),
        "components.0.accessory.description",
    ),
]


@pytest.mark.parametrize(("body", "path"), [m[1:] for m in MESSAGES], ids=[m[0] for m in MESSAGES])
async def test_a_message_over_a_limit_gets_discords_400(
    server: FakeDiscord, http: aiohttp.ClientSession, body: dict[str, Any], path: str
) -> None:
    status, answer = await _post(http, f"{server.rest_url}/channels/{CHANNEL}/messages", body)
    assert status == 400
    assert answer["code"] == 50035 and answer["message"] == "Invalid Form Body"
    assert _error_paths(answer["errors"]) == {path}
    assert not server.messages


async def test_a_message_just_inside_the_limits_is_stored(
    server: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    first = {"title": "t" * 256, **_embed_with_fields(25, "n" * 10, "v" * 100), "description": "d" * 1000}
    first["title"] = "t" * 256
    rest = {"description": "d" * (6000 - 256 - 1000 - 25 * 110)}
    body = {
        "embeds": [first, rest],
        "components": [
            *(_select_row(i) for i in range(3)),
            _link("https://e.com/" + "a" * 498),
            _button({"name": "e" * 32}),
        ],
    }
    status, answer = await _post(http, f"{server.rest_url}/channels/{CHANNEL}/messages", body)
    assert status == 200, answer
    for layout in (
        _gallery(media={"url": "https://x.io/" + "a" * 2035}, description="d" * 1024),
        _section(media={"url": "https://x.io/a.png"}, description="d"),
    ):
        status, answer = await _post(http, f"{server.rest_url}/channels/{CHANNEL}/messages", layout)
        assert status == 200, answer


def _text_input(**overrides: Any) -> dict[str, Any]:
    return {"type": 4, "custom_id": "name", "style": 1, "label": "Name", **overrides}


def _modal(components: list[dict[str, Any]], title: str = "Edit") -> dict[str, Any]:
    return {"type": 9, "data": {"custom_id": "m", "title": title, "components": components}}


def _row(text_input: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": [text_input]}


def _label(text_input: dict[str, Any], label: str = "Name") -> dict[str, Any]:
    inner = {k: v for k, v in text_input.items() if k != "label"}
    return {"type": 18, "label": label, "component": inner}


MODALS: list[tuple[str, dict[str, Any], str]] = [
    ("title", _modal([_row(_text_input())], title="t" * 46), "data.title"),
    ("empty title", _modal([_row(_text_input())], title=""), "data.title"),
    ("6 components", _modal([_row(_text_input(custom_id=f"f{i}")) for i in range(6)]), "data.components"),
    ("no components", _modal([]), "data.components"),
    ("input label", _modal([_row(_text_input(label="l" * 46))]), "data.components.0.components.0.label"),
    (
        "input placeholder",
        _modal([_row(_text_input(placeholder="p" * 101))]),
        "data.components.0.components.0.placeholder",
    ),
    ("input value", _modal([_row(_text_input(value="v" * 4001))]), "data.components.0.components.0.value"),
    (
        "input max_length",
        _modal([_row(_text_input(max_length=4001))]),
        "data.components.0.components.0.max_length",
    ),
    (
        "input min_length",
        _modal([_row(_text_input(min_length=-1))]),
        "data.components.0.components.0.min_length",
    ),
    ("input style", _modal([_row(_text_input(style=3))]), "data.components.0.components.0.style"),
    (
        "two inputs in a row",
        _modal([{"type": 1, "components": [_text_input(), _text_input(custom_id="b")]}]),
        "data.components.0.components",
    ),
    ("label text", _modal([_label(_text_input(), label="l" * 46)]), "data.components.0.label"),
    (
        "labelled input value",
        _modal([_label(_text_input(value="v" * 4001))]),
        "data.components.0.component.value",
    ),
]


async def _modal_status(
    server: FakeDiscord, http: aiohttp.ClientSession, body: dict[str, Any]
) -> tuple[int, Any]:
    ids = payloads.Ids()
    interaction_id, token = ids.next(), "tok-modal"
    server.register_interaction(interaction_id, token, channel_id=CHANNEL, message_id=None)
    return await _post(http, f"{server.rest_url}/interactions/{interaction_id}/{token}/callback", body)


@pytest.mark.parametrize(("body", "path"), [m[1:] for m in MODALS], ids=[m[0] for m in MODALS])
async def test_a_modal_over_a_limit_gets_discords_400(
    server: FakeDiscord, http: aiohttp.ClientSession, body: dict[str, Any], path: str
) -> None:
    status, answer = await _modal_status(server, http, body)
    assert status == 400
    assert answer["code"] == 50035 and answer["message"] == "Invalid Form Body"
    assert _error_paths(answer["errors"]) == {path}


@pytest.mark.parametrize(
    "body",
    [
        _modal(
            [_row(_text_input(custom_id=f"f{i}", label="l" * 45, value="v" * 4000)) for i in range(5)],
            "t" * 45,
        ),
        _modal([_label(_text_input(custom_id=f"f{i}", max_length=4000, min_length=0)) for i in range(5)]),
    ],
    ids=["action rows", "labels"],
)
async def test_a_modal_within_the_limits_is_accepted(
    server: FakeDiscord, http: aiohttp.ClientSession, body: dict[str, Any]
) -> None:
    status, answer = await _modal_status(server, http, body)
    assert status == 204, answer


async def test_hikari_gets_the_400_as_a_bad_request_error(server: FakeDiscord) -> None:
    bot = hikari.GatewayBot(
        server.bot_token, rest_url=server.rest_url, banner=None, logs=None, suppress_optimization_warning=True
    )
    cast(hikari.impl.RESTClientImpl, bot.rest).start()
    try:
        with pytest.raises(hikari.BadRequestError) as caught:
            await bot.rest.create_message(CHANNEL, embed=hikari.Embed(title="t" * 257))
        assert caught.value.code == 50035 and "embeds" in (caught.value.errors or {})
    finally:
        await bot.rest.close()
