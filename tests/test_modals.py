"""Modals: the response hikari builds, the limit checks, and the submitted values read back.

Real parts only: modals are built from interactions deserialized by hikari's entity factory, sent
to FakeDiscord through hikari's REST client, and submissions are read from MODAL_SUBMIT payloads.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any, cast

import hikari
import pytest

from flowfsm.define.modals import Modal, TextField, build_modal, fields_from, modal_problems
from flowfsm.testing import payloads
from flowfsm.testing.discord_api import FakeDiscord
from flowfsm.testing.signing import generate_keypair, post_interaction

CHANNEL = 222
USER = 777


def save(ctx: Any, values: dict[str, str]) -> None:
    """A submit handler that does nothing."""


BIO = Modal(
    "bio",
    "Edit your bio",
    [
        TextField("name", "Display name", min_length=2, max_length=32, placeholder="Ada", value="Ada L."),
        TextField("about", "About you", style=hikari.TextInputStyle.PARAGRAPH, required=False),
    ],
    on_submit=save,
)


@pytest.fixture
async def server() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        yield fake


@pytest.fixture
async def bot(server: FakeDiscord) -> AsyncIterator[hikari.GatewayBot]:
    gateway_bot = hikari.GatewayBot(
        server.bot_token, rest_url=server.rest_url, banner=None, logs=None, suppress_optimization_warning=True
    )
    cast(hikari.impl.RESTClientImpl, gateway_bot.rest).start()
    yield gateway_bot
    await gateway_bot.rest.close()


async def _click(bot: hikari.GatewayBot, server: FakeDiscord, iid: int) -> hikari.ComponentInteraction:
    row = hikari.impl.MessageActionRowBuilder().add_interactive_button(
        hikari.ButtonStyle.PRIMARY, "edit", label="E"
    )
    sent = await bot.rest.create_message(CHANNEL, "profile", components=[row])
    token = f"tok-{iid}"
    server.register_interaction(iid, token, channel_id=CHANNEL, message_id=sent.id)
    payload = payloads.component_interaction(
        interaction_id=iid, token=token, user_id=USER, custom_id="edit", message=server.messages[sent.id]
    )
    interaction = bot.entity_factory.deserialize_interaction(payload)
    assert isinstance(interaction, hikari.ComponentInteraction)
    return interaction


EXPECTED_ROWS = [
    {
        "type": 1,
        "components": [
            {
                "type": 4,
                "style": 1,
                "custom_id": "name",
                "label": "Display name",
                "placeholder": "Ada",
                "value": "Ada L.",
                "required": True,
                "min_length": 2,
                "max_length": 32,
            }
        ],
    },
    {
        "type": 1,
        "components": [
            {
                "type": 4,
                "style": 2,
                "custom_id": "about",
                "label": "About you",
                "required": False,
                "min_length": 0,
                "max_length": 4000,
            }
        ],
    },
]


# ---------------------------------------------------------------------- dataclasses and payload


def test_modal_dataclasses() -> None:
    assert isinstance(BIO.fields, tuple) and BIO.describe() == "bio"
    field = TextField("x", "X")
    assert field.style is hikari.TextInputStyle.SHORT and field.required is True
    assert field.min_length is None and field.max_length is None and field.value is None
    with pytest.raises(AttributeError):
        field.label = "Y"  # type: ignore[misc]


async def test_build_modal_from_a_click(bot: hikari.GatewayBot, server: FakeDiscord) -> None:
    click = await _click(bot, server, 10)
    builder = build_modal(click, BIO, "ff:profile:abcdefgh:0:bio")
    assert builder.title == "Edit your bio" and builder.custom_id == "ff:profile:abcdefgh:0:bio"
    body, attachments = builder.build(bot.entity_factory)
    assert attachments == ()
    assert body == {
        "type": 9,
        "data": {
            "title": "Edit your bio",
            "custom_id": "ff:profile:abcdefgh:0:bio",
            "components": EXPECTED_ROWS,
        },
    }


async def test_build_modal_from_a_command(bot: hikari.GatewayBot) -> None:
    payload = payloads.command_interaction(interaction_id=1, token="t", user_id=USER, command_name="profile")
    command = bot.entity_factory.deserialize_interaction(payload)
    assert isinstance(command, hikari.CommandInteraction)
    body, _ = build_modal(command, BIO, "m").build(bot.entity_factory)
    assert body["type"] == 9 and body["data"]["components"] == EXPECTED_ROWS


async def test_modal_sent_to_fake_discord_as_the_initial_response(
    bot: hikari.GatewayBot, server: FakeDiscord
) -> None:
    click = await _click(bot, server, 11)
    builder = build_modal(click, BIO, "ff:profile:abcdefgh:0:bio")
    await click.create_modal_response(builder.title, builder.custom_id, components=builder.components)
    [callback] = server.responses_for(11)
    assert callback.status in (200, 204)
    assert callback.json == {
        "type": 9,
        "data": {
            "title": "Edit your bio",
            "custom_id": "ff:profile:abcdefgh:0:bio",
            "components": EXPECTED_ROWS,
        },
    }


async def test_hikari_own_modal_builder_emits_pairs(bot: hikari.GatewayBot) -> None:
    """Why build_modal has its own builder: hikari 2.7's build() nests (payload, files) pairs.

    If this starts failing, hikari fixed it and the workaround in flowfsm.define.modals can go.
    """
    payload = payloads.command_interaction(interaction_id=1, token="t", user_id=USER, command_name="profile")
    command = bot.entity_factory.deserialize_interaction(payload)
    assert isinstance(command, hikari.CommandInteraction)
    row = hikari.impl.ModalActionRowBuilder().add_text_input("a", "A")
    body, _ = command.build_modal_response("T", "m").add_component(row).build(bot.entity_factory)
    assert isinstance(body["data"]["components"][0], tuple)


async def test_modal_returned_by_a_restbot_listener(server: FakeDiscord) -> None:
    signing_key, public_key_hex = generate_keypair()
    rest_bot = hikari.RESTBot(
        server.bot_token,
        "Bot",
        public_key_hex,
        rest_url=server.rest_url,
        banner=None,
        logs=None,
        suppress_optimization_warning=True,
    )

    async def on_command(interaction: hikari.CommandInteraction) -> hikari.api.InteractionModalBuilder:
        return build_modal(interaction, BIO, "ff:profile:abcdefgh:0:bio")

    rest_bot.set_listener(hikari.CommandInteraction, on_command)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    await rest_bot.start(check_for_updates=False, socket=sock)
    try:
        payload = payloads.command_interaction(
            interaction_id=1, token="t", user_id=USER, command_name="profile"
        )
        status, answer = await post_interaction(url, payload, signing_key)
    finally:
        await rest_bot.close()
    assert status == 200
    assert answer == {
        "type": 9,
        "data": {
            "title": "Edit your bio",
            "custom_id": "ff:profile:abcdefgh:0:bio",
            "components": EXPECTED_ROWS,
        },
    }


async def test_build_modal_refuses_a_modal_submission(bot: hikari.GatewayBot) -> None:
    payload = payloads.modal_interaction(interaction_id=4, token="t", user_id=USER, custom_id="m", fields={})
    submitted = bot.entity_factory.deserialize_interaction(payload)
    with pytest.raises(TypeError, match="not ModalInteraction"):
        build_modal(submitted, BIO, "m")  # type: ignore[arg-type]


# ---------------------------------------------------------------------- limits


def test_valid_modal_has_no_problems() -> None:
    assert modal_problems(BIO) == []
    five = Modal("m.1-x", "t" * 45, [TextField(f"f{i}", "l" * 45) for i in range(5)], trigger="done")
    assert modal_problems(five) == []
    both = Modal("m", "T", [TextField("a", "A", value="v" * 4000)], on_submit=save, trigger="done")
    assert modal_problems(both) == []


@pytest.mark.parametrize(
    ("modal", "expected"),
    [
        (Modal("m", "", [TextField("a", "A")], trigger="t"), "title is 0 characters; Discord allows 1-45"),
        (
            Modal("m", "t" * 46, [TextField("a", "A")], trigger="t"),
            "title is 46 characters; Discord allows 1-45",
        ),
        (Modal("m", "T", [], trigger="t"), "a modal has 0 fields; Discord allows 1-5"),
        (
            Modal("m", "T", [TextField(f"f{i}", "L") for i in range(6)], trigger="t"),
            "a modal has 6 fields; Discord allows 1-5",
        ),
        (Modal("m", "T", [TextField("a", "l" * 46)], trigger="t"), "field 'a': label is 46 characters"),
        (Modal("m", "T", [TextField("a", "")], trigger="t"), "field 'a': label is 0 characters"),
        (Modal("m", "T", [TextField("a b", "A")], trigger="t"), "field 'a b': a field id is 1-40 letters"),
        (Modal("m", "T", [TextField("x" * 41, "A")], trigger="t"), f"field '{'x' * 41}': a field id is 1-40"),
        (
            Modal("m", "T", [TextField("a", "A"), TextField("a", "B")], trigger="t"),
            "field 'a': two fields share",
        ),
        (
            Modal("m", "T", [TextField("a", "A", placeholder="p" * 101)], trigger="t"),
            "field 'a': placeholder is 101 characters; Discord allows 100",
        ),
        (
            Modal("m", "T", [TextField("a", "A", value="v" * 4001)], trigger="t"),
            "field 'a': value is 4001 characters",
        ),
        (
            Modal("m", "T", [TextField("a", "A", max_length=3, value="long")], trigger="t"),
            "field 'a': value is 4 characters; at most 3 fit",
        ),
        (
            Modal("m", "T", [TextField("a", "A", min_length=4001)], trigger="t"),
            "field 'a': min_length is 4001",
        ),
        (Modal("m", "T", [TextField("a", "A", max_length=0)], trigger="t"), "field 'a': max_length is 0"),
        (
            Modal("m", "T", [TextField("a", "A", max_length=4001)], trigger="t"),
            "field 'a': max_length is 4001",
        ),
        (
            Modal("m", "T", [TextField("a", "A", min_length=5, max_length=2)], trigger="t"),
            "field 'a': min_length (5) is greater than max_length (2)",
        ),
        (
            Modal("m", "T", [TextField("a", "A", style=3)], trigger="t"),  # type: ignore[arg-type]
            "field 'a': style 3 is not a hikari.TextInputStyle",
        ),
        (Modal("m", "T", ["a"], trigger="t"), "field #0 is a str, not a TextField"),  # type: ignore[list-item]
        (Modal("bad id", "T", [TextField("a", "A")], trigger="t"), "modal id 'bad id' must be 1-40 letters"),
        (Modal("7", "T", [TextField("a", "A")], trigger="t"), "modal id '7' must be 1-40 letters"),
        (Modal("m", "T", [TextField("a", "A")]), "a modal needs on_submit, a trigger, or both"),
    ],
)
def test_limit_violations_are_reported(modal: Modal, expected: str) -> None:
    problems = modal_problems(modal)
    assert any(p.startswith(expected) for p in problems), problems


def test_not_a_modal() -> None:
    assert modal_problems(3) == ["not a Modal: int"]  # type: ignore[arg-type]


# ---------------------------------------------------------------------- submissions


async def test_fields_from_a_submission(bot: hikari.GatewayBot, server: FakeDiscord) -> None:
    message = payloads.message(message_id=5, channel_id=CHANNEL, content="profile")
    values = {"name": "Grace", "about": ""}
    payload = payloads.modal_interaction(
        interaction_id=3,
        token="t",
        user_id=USER,
        custom_id="ff:profile:abcdefgh:0:bio",
        fields=values,
        message=message,
    )
    interaction = bot.entity_factory.deserialize_interaction(payload)
    assert isinstance(interaction, hikari.ModalInteraction)
    got = fields_from(interaction)
    assert got == values and list(got) == ["name", "about"]


async def test_fields_from_ignores_what_hikari_cannot_read(bot: hikari.GatewayBot) -> None:
    payload = payloads.modal_interaction(
        interaction_id=4, token="t", user_id=USER, custom_id="m", fields={"a": "1"}
    )
    # a Components v2 "label" (type 18) wrapping a text input: hikari 2.7 drops such top-level components
    payload["data"]["components"].append(
        {"type": 18, "id": 9, "component": {"type": 4, "id": 10, "custom_id": "b", "value": "2"}}
    )
    interaction = bot.entity_factory.deserialize_interaction(payload)
    assert isinstance(interaction, hikari.ModalInteraction)
    assert fields_from(interaction) == {"a": "1"}
