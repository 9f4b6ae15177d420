"""Tests of the loopback Discord server, the payload builders and the signing helpers.

Everything here uses real hikari parts: its entity factory reads the payloads, its REST client
talks to FakeDiscord over 127.0.0.1, and a real RESTBot verifies signed requests.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import AsyncIterator
from typing import Any, cast

import aiohttp
import hikari
import pytest

from flowfsm.testing import payloads
from flowfsm.testing.discord_api import FakeDiscord
from flowfsm.testing.signing import generate_keypair, post_interaction, sign

CHANNEL = 222
GUILD = 111
USER = 777


@pytest.fixture
async def server() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def bot(server: FakeDiscord) -> AsyncIterator[hikari.GatewayBot]:
    gateway_bot = hikari.GatewayBot(
        server.bot_token, rest_url=server.rest_url, banner=None, logs=None, suppress_optimization_warning=True
    )
    cast(hikari.impl.RESTClientImpl, gateway_bot.rest).start()
    yield gateway_bot
    await gateway_bot.rest.close()


@pytest.fixture
def ids() -> payloads.Ids:
    return payloads.Ids()


def _row(*custom_ids: str) -> hikari.api.MessageActionRowBuilder:
    row = hikari.impl.MessageActionRowBuilder()
    for custom_id in custom_ids:
        row.add_interactive_button(hikari.ButtonStyle.PRIMARY, custom_id, label=custom_id.upper())
    return row


def _command(
    bot: hikari.GatewayBot, server: FakeDiscord, ids: payloads.Ids, **kwargs: Any
) -> hikari.CommandInteraction:
    interaction_id, token = ids.next(), f"tok-{ids.next()}"
    payload = payloads.command_interaction(
        interaction_id=interaction_id, token=token, user_id=USER, command_name="menu", **kwargs
    )
    server.register_interaction(interaction_id, token, channel_id=int(payload["channel"]["id"]))
    interaction = bot.entity_factory.deserialize_interaction(payload)
    assert isinstance(interaction, hikari.CommandInteraction)
    return interaction


def _click(
    bot: hikari.GatewayBot, server: FakeDiscord, ids: payloads.Ids, message: dict[str, Any], custom_id: str
) -> hikari.ComponentInteraction:
    interaction_id, token = ids.next(), f"tok-{ids.next()}"
    payload = payloads.component_interaction(
        interaction_id=interaction_id, token=token, user_id=USER, custom_id=custom_id, message=message
    )
    server.register_interaction(interaction_id, token, channel_id=CHANNEL, message_id=int(message["id"]))
    interaction = bot.entity_factory.deserialize_interaction(payload)
    assert isinstance(interaction, hikari.ComponentInteraction)
    return interaction


# ---------------------------------------------------------------------- payload builders


async def test_command_interaction_in_guild(bot: hikari.GatewayBot) -> None:
    payload = payloads.command_interaction(
        interaction_id=1,
        token="t",
        user_id=USER,
        command_name="menu",
        options=[{"name": "count", "type": 4, "value": 3}],
    )
    interaction = bot.entity_factory.deserialize_interaction(payload)
    assert isinstance(interaction, hikari.CommandInteraction)
    assert interaction.user.id == USER
    assert interaction.member is not None and interaction.member.id == USER
    assert interaction.guild_id == GUILD and interaction.channel_id == CHANNEL
    assert interaction.command_name == "menu"
    assert interaction.options[0].name == "count" and interaction.options[0].value == 3
    assert interaction.context is hikari.ApplicationContextType.GUILD
    assert interaction.application_id == 4242 and interaction.token == "t"
    assert interaction.locale == hikari.Locale.EN_US


async def test_command_interaction_in_dm(bot: hikari.GatewayBot) -> None:
    payload = payloads.command_interaction(
        interaction_id=1, token="t", user_id=USER, command_name="menu", guild_id=None, channel_id=333
    )
    interaction = bot.entity_factory.deserialize_interaction(payload)
    assert isinstance(interaction, hikari.CommandInteraction)
    assert interaction.guild_id is None and interaction.member is None
    assert interaction.user.id == USER
    assert interaction.channel.type is hikari.ChannelType.DM and interaction.channel_id == 333
    assert interaction.context is hikari.ApplicationContextType.BOT_DM


async def test_component_interaction_button_and_select(bot: hikari.GatewayBot) -> None:
    components = [_row("a", "b").build()[0]]
    message = payloads.message(message_id=55, channel_id=CHANNEL, content="menu", components=components)
    click = bot.entity_factory.deserialize_interaction(
        payloads.component_interaction(
            interaction_id=1, token="t", user_id=USER, custom_id="b", message=message
        )
    )
    assert isinstance(click, hikari.ComponentInteraction)
    assert click.custom_id == "b" and click.user.id == USER and click.values == ()
    assert click.component_type is hikari.ComponentType.BUTTON
    assert click.message.id == 55 and click.message.content == "menu"
    row = click.message.components[0]
    assert isinstance(row, hikari.ActionRowComponent)
    assert [c.custom_id for c in row.components if isinstance(c, hikari.ButtonComponent)] == ["a", "b"]

    select = bot.entity_factory.deserialize_interaction(
        payloads.component_interaction(
            interaction_id=2,
            token="t2",
            user_id=USER,
            custom_id="pick",
            message=message,
            component_type=3,
            values=["x", "y"],
            guild_id=None,
        )
    )
    assert isinstance(select, hikari.ComponentInteraction)
    assert list(select.values) == ["x", "y"] and select.guild_id is None and select.member is None


async def test_modal_interaction(bot: hikari.GatewayBot) -> None:
    fields = {"name": "Ada", "age": "36"}
    modal = bot.entity_factory.deserialize_interaction(
        payloads.modal_interaction(interaction_id=1, token="t", user_id=USER, custom_id="form", fields=fields)
    )
    assert isinstance(modal, hikari.ModalInteraction)
    assert modal.custom_id == "form" and modal.message is None and modal.user.id == USER
    values = {c.custom_id: c.value for row in modal.components for c in row.components}
    assert values == fields

    message = payloads.message(message_id=56, channel_id=CHANNEL, content="x")
    from_component = bot.entity_factory.deserialize_interaction(
        payloads.modal_interaction(
            interaction_id=2,
            token="t",
            user_id=USER,
            custom_id="f",
            fields={},
            message=message,
            guild_id=None,
        )
    )
    assert isinstance(from_component, hikari.ModalInteraction)
    assert from_component.message is not None and from_component.message.id == 56
    assert from_component.guild_id is None


async def test_message_create_event_payload(bot: hikari.GatewayBot) -> None:
    payload = payloads.message_create_event_payload(message_id=9, user_id=USER, content="42")
    event = bot.event_factory.deserialize_message_create_event(None, payload)  # type: ignore[arg-type]
    assert isinstance(event, hikari.GuildMessageCreateEvent)
    assert event.content == "42" and event.author_id == USER and event.channel_id == CHANNEL
    assert event.member is not None and event.member.id == USER
    dm = bot.event_factory.deserialize_message_create_event(
        None,  # type: ignore[arg-type]
        payloads.message_create_event_payload(message_id=10, user_id=USER, content="hi", guild_id=None),
    )
    assert isinstance(dm, hikari.DMMessageCreateEvent)


def test_ids_increase_across_threads() -> None:
    source = payloads.Ids(start=10)
    seen: list[int] = []
    lock = threading.Lock()

    def take() -> None:
        got = [source.next() for _ in range(500)]
        assert got == sorted(got)
        with lock:
            seen.extend(got)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(seen) == list(range(10, 2010))


def test_assign_component_ids_like_discord() -> None:
    tree: list[dict[str, Any]] = [
        {
            "type": 17,
            "components": [{"type": 10, "content": "a", "id": 2}, {"type": 1, "components": [{"type": 2}]}],
        },
        {"type": 9, "components": [{"type": 10, "content": "b"}], "accessory": {"type": 2}},
    ]
    payloads.assign_component_ids(tree)
    assert tree[0]["id"] == 1 and tree[0]["components"][0]["id"] == 2
    assert tree[0]["components"][1]["id"] == 3 and tree[0]["components"][1]["components"][0]["id"] == 4
    assert [tree[1]["id"], tree[1]["components"][0]["id"], tree[1]["accessory"]["id"]] == [5, 6, 7]


# ---------------------------------------------------------------------- hikari REST against FakeDiscord


async def test_command_reply_then_edit(
    bot: hikari.GatewayBot, server: FakeDiscord, ids: payloads.Ids
) -> None:
    interaction = _command(bot, server, ids)
    response = await interaction.create_initial_response(
        hikari.ResponseType.MESSAGE_CREATE, "hi", components=[_row("next")]
    )
    assert response.resource and response.resource.message
    message_id = response.resource.message.id
    assert response.interaction.response_message_id == message_id
    stored = server.messages[message_id]
    assert stored["content"] == "hi" and stored["edited_timestamp"] is None
    assert stored["components"][0]["components"][0]["custom_id"] == "next"
    assert stored["components"][0]["id"] == 1 and stored["webhook_id"] == "4242"
    assert server.message_for_token(interaction.token) is stored
    assert server.last_message(CHANNEL) is stored and server.last_message(999) is None
    [callback] = server.responses_for(interaction.id)
    assert callback.query == {"with_response": "true"} and callback.json["type"] == 4

    edited = await interaction.edit_initial_response("bye", components=[])
    assert edited.id == message_id and edited.content == "bye" and edited.edited_timestamp is not None
    assert server.messages[message_id]["content"] == "bye"
    assert server.messages[message_id]["components"] == []
    fetched = await interaction.fetch_initial_response()
    assert fetched.content == "bye"


async def test_component_update_edits_the_message(
    bot: hikari.GatewayBot, server: FakeDiscord, ids: payloads.Ids
) -> None:
    sent = await bot.rest.create_message(CHANNEL, "page 1", component=_row("prev", "next"))
    assert server.messages[sent.id]["author"]["id"] == str(server.bot_user_id)
    click = _click(bot, server, ids, server.messages[sent.id], "next")
    response = await click.create_initial_response(
        hikari.ResponseType.MESSAGE_UPDATE, "page 2", components=[_row("prev")]
    )
    assert response.resource and response.resource.message and response.resource.message.id == sent.id
    stored = server.messages[sent.id]
    assert stored["content"] == "page 2" and stored["edited_timestamp"] is not None
    assert [b["custom_id"] for b in stored["components"][0]["components"]] == ["prev"]
    assert server.message_for_token(click.token) is stored


async def test_deferred_update_then_edit_original(
    bot: hikari.GatewayBot, server: FakeDiscord, ids: payloads.Ids
) -> None:
    sent = await bot.rest.create_message(CHANNEL, "menu", component=_row("go"))
    click = _click(bot, server, ids, server.messages[sent.id], "go")
    response = await click.create_initial_response(hikari.ResponseType.DEFERRED_MESSAGE_UPDATE)
    assert response.interaction.response_message_id == sent.id
    assert server.messages[sent.id]["content"] == "menu"
    await click.edit_initial_response("done")
    assert server.messages[sent.id]["content"] == "done"


async def test_deferred_create_then_followups(
    bot: hikari.GatewayBot, server: FakeDiscord, ids: payloads.Ids
) -> None:
    interaction = _command(bot, server, ids)
    response = await interaction.create_initial_response(hikari.ResponseType.DEFERRED_MESSAGE_CREATE)
    assert response.interaction.response_message_loading is True
    placeholder = server.message_for_token(interaction.token)
    assert placeholder is not None and placeholder["flags"] & payloads.LOADING
    first = await bot.rest.execute_webhook(interaction.application_id, interaction.token, "ready")
    assert first.id == int(placeholder["id"])  # the first followup fills in the "thinking" message
    assert server.messages[first.id]["flags"] & payloads.LOADING == 0
    second = await bot.rest.execute_webhook(interaction.application_id, interaction.token, "more")
    assert second.id != first.id and server.messages[second.id]["content"] == "more"
    assert server.last_message()["content"] == "more"  # type: ignore[index]


async def test_ephemeral_reply_and_followup(
    bot: hikari.GatewayBot, server: FakeDiscord, ids: payloads.Ids
) -> None:
    interaction = _command(bot, server, ids)
    response = await interaction.create_initial_response(
        hikari.ResponseType.MESSAGE_CREATE, "secret", flags=hikari.MessageFlag.EPHEMERAL
    )
    assert response.interaction.response_message_ephemeral is True
    assert response.resource and response.resource.message
    message_id = response.resource.message.id
    with pytest.raises(hikari.NotFoundError):  # ephemeral messages are not reachable through the channel
        await bot.rest.edit_message(CHANNEL, message_id, "nope")
    await interaction.edit_initial_response("still secret")
    followup = await bot.rest.execute_webhook(
        interaction.application_id, interaction.token, "psst", flags=hikari.MessageFlag.EPHEMERAL
    )
    await bot.rest.execute_webhook(interaction.application_id, interaction.token, "public")
    await bot.rest.edit_webhook_message(interaction.application_id, interaction.token, followup.id, "psst!")
    assert [m["content"] for m in server.ephemeral_replies()] == ["still secret", "psst!"]


async def test_second_callback_is_rejected(
    bot: hikari.GatewayBot, server: FakeDiscord, ids: payloads.Ids
) -> None:
    interaction = _command(bot, server, ids)
    await interaction.create_initial_response(hikari.ResponseType.MESSAGE_CREATE, "one")
    with pytest.raises(hikari.BadRequestError) as caught:
        await interaction.create_initial_response(hikari.ResponseType.MESSAGE_CREATE, "two")
    assert caught.value.code == 40060
    assert [r.status for r in server.responses_for(interaction.id)] == [200, 400]


async def test_unknown_interaction(bot: hikari.GatewayBot, ids: payloads.Ids) -> None:
    payload = payloads.command_interaction(
        interaction_id=ids.next(), token="never", user_id=USER, command_name="x"
    )
    interaction = bot.entity_factory.deserialize_interaction(payload)
    assert isinstance(interaction, hikari.CommandInteraction)
    with pytest.raises(hikari.NotFoundError) as caught:
        await interaction.create_initial_response(hikari.ResponseType.MESSAGE_CREATE, "hi")
    assert caught.value.code == 10062
    with pytest.raises(hikari.NotFoundError) as webhook:
        await interaction.edit_initial_response("x")
    assert webhook.value.code == 10015


async def test_modal_response(bot: hikari.GatewayBot, server: FakeDiscord, ids: payloads.Ids) -> None:
    interaction = _command(bot, server, ids)
    row = hikari.impl.ModalActionRowBuilder().add_text_input("name", "Name")
    await interaction.create_modal_response("Tell me", "form", components=[row])
    [callback] = server.responses_for(interaction.id)
    assert callback.json["type"] == 9 and callback.json["data"]["custom_id"] == "form"
    assert server.message_for_token(interaction.token) is None and server.messages == {}


async def test_fail_next_404_then_recovers(
    bot: hikari.GatewayBot, server: FakeDiscord, ids: payloads.Ids
) -> None:
    interaction = _command(bot, server, ids)
    await interaction.create_initial_response(hikari.ResponseType.MESSAGE_CREATE, "hi")
    server.fail_next("PATCH", r"/messages/@original$", 404)
    with pytest.raises(hikari.NotFoundError) as caught:
        await interaction.edit_initial_response("lost")
    assert caught.value.code == 10008
    server.fail_next(
        "PATCH", r"/messages/@original$", 404, body={"code": 10015, "message": "Unknown Webhook"}
    )
    with pytest.raises(hikari.NotFoundError) as custom:
        await interaction.edit_initial_response("lost")
    assert custom.value.code == 10015
    await interaction.edit_initial_response("found")
    assert server.message_for_token(interaction.token)["content"] == "found"  # type: ignore[index]


async def test_fail_next_429_is_retried(
    bot: hikari.GatewayBot, server: FakeDiscord, ids: payloads.Ids
) -> None:
    interaction = _command(bot, server, ids)
    await interaction.create_initial_response(hikari.ResponseType.MESSAGE_CREATE, "hi")
    server.clear()
    server.fail_next("PATCH", r"@original", 429, retry_after=0.001)
    await interaction.edit_initial_response("edited")
    patches = [r for r in server.requests if r.method == "PATCH"]
    assert [r.status for r in patches] == [429, 200]
    assert patches[0].json == patches[1].json and patches[1].json["content"] == "edited"
    message = server.message_for_token(interaction.token)
    assert message is not None and message["content"] == "edited"
    assert server._touched.count(int(message["id"])) == 2  # created once, edited once


async def test_components_v2(bot: hikari.GatewayBot, server: FakeDiscord) -> None:
    container = (
        hikari.impl.ContainerComponentBuilder(accent_color=hikari.Color(0x00FF00))
        .add_text_display("# Menu")
        .add_component(_row("a", "b"))
    )
    sent = await bot.rest.create_message(
        CHANNEL, component=container, flags=hikari.MessageFlag.IS_COMPONENTS_V2
    )
    stored = server.messages[sent.id]
    assert stored["flags"] == payloads.IS_COMPONENTS_V2
    assert stored["components"][0]["type"] == 17 and stored["components"][0]["components"][1]["id"] == 3
    assert isinstance(sent.components[0], hikari.ContainerComponent)
    edited = await bot.rest.edit_message(CHANNEL, sent.id, component=container.add_text_display("more"))
    assert edited.flags & hikari.MessageFlag.IS_COMPONENTS_V2  # the flag sticks
    with pytest.raises(hikari.BadRequestError) as caught:
        await bot.rest.edit_message(CHANNEL, sent.id, "content is not allowed with v2")
    assert caught.value.code == 50035 and "content" in (caught.value.errors or {})
    assert server.messages[sent.id]["content"] == ""


async def test_discord_limits(bot: hikari.GatewayBot, server: FakeDiscord) -> None:
    with pytest.raises(hikari.BadRequestError):
        await bot.rest.create_message(CHANNEL, "rows", components=[_row(f"r{i}") for i in range(6)])
    with pytest.raises(hikari.BadRequestError):
        await bot.rest.create_message(CHANNEL, "wide", component=_row(*[f"b{i}" for i in range(6)]))
    with pytest.raises(hikari.BadRequestError):
        await bot.rest.create_message(CHANNEL, "long", component=_row("x" * 101))
    with pytest.raises(hikari.BadRequestError) as empty:
        await bot.rest.create_message(CHANNEL, "")
    assert empty.value.code == 50006
    assert server.messages == {}


async def test_attachments_from_multipart(bot: hikari.GatewayBot, server: FakeDiscord) -> None:
    sent = await bot.rest.create_message(CHANNEL, "file", attachment=hikari.Bytes(b"data", "a.txt"))
    assert [(a.filename, a.size) for a in sent.attachments] == [("a.txt", 4)]
    assert server.requests[-1].json["content"] == "file"


async def test_delete_and_channel_endpoints(
    bot: hikari.GatewayBot, server: FakeDiscord, ids: payloads.Ids
) -> None:
    interaction = _command(bot, server, ids)
    response = await interaction.create_initial_response(hikari.ResponseType.MESSAGE_CREATE, "bye")
    assert response.resource and response.resource.message
    message_id = response.resource.message.id
    assert (await bot.rest.fetch_message(CHANNEL, message_id)).content == "bye"
    await interaction.delete_initial_response()
    assert message_id in server.deleted and message_id not in server.messages
    with pytest.raises(hikari.NotFoundError):
        await bot.rest.fetch_message(CHANNEL, message_id)
    other = await bot.rest.create_message(CHANNEL, "other")
    await bot.rest.delete_message(CHANNEL, other.id)
    assert other.id in server.deleted


async def test_identity_and_unknown_routes(bot: hikari.GatewayBot, server: FakeDiscord) -> None:
    me = await bot.rest.fetch_my_user()
    assert me.id == server.bot_user_id and me.is_bot
    application = await bot.rest.fetch_application()
    assert application.id == server.application_id
    with pytest.raises(hikari.NotFoundError):
        await bot.rest.fetch_guild(GUILD)
    assert server.requests[-1].path == f"/guilds/{GUILD}" and server.requests[-1].status == 404
    server.clear()
    assert server.requests == []


async def test_interaction_rules(bot: hikari.GatewayBot, server: FakeDiscord, ids: payloads.Ids) -> None:
    interaction = _command(bot, server, ids)
    with pytest.raises(hikari.NotFoundError) as early:  # no followup before the initial response
        await bot.rest.execute_webhook(interaction.application_id, interaction.token, "too early")
    assert early.value.code == 10015
    with pytest.raises(hikari.BadRequestError):  # MESSAGE_UPDATE needs a component's message
        await bot.rest.create_interaction_response(
            interaction, interaction.token, hikari.ResponseType.MESSAGE_UPDATE, "x"
        )
    with pytest.raises(hikari.NotFoundError):  # nothing sent yet, so no @original
        await interaction.fetch_initial_response()
    server.fail_next("*", r"/callback$", 404, body={"code": 10062, "message": "Unknown interaction"}, times=2)
    for _ in range(2):
        with pytest.raises(hikari.NotFoundError):
            await interaction.create_initial_response(hikari.ResponseType.MESSAGE_CREATE, "x")
    await interaction.create_initial_response(hikari.ResponseType.MESSAGE_CREATE, "finally")
    assert [r.status for r in server.responses_for(interaction.id)] == [400, 404, 404, 200]


async def test_raw_http_answers(server: FakeDiscord, ids: payloads.Ids) -> None:
    interaction_id = ids.next()
    server.register_interaction(interaction_id, "raw", channel_id=CHANNEL)
    async with aiohttp.ClientSession() as session:
        url = f"{server.rest_url}/interactions/{interaction_id}/raw/callback"
        async with session.post(url, json={"type": 4, "data": {"content": "plain"}}) as response:
            assert response.status == 204  # without ?with_response=true Discord answers 204
        async with session.put(url, json={}) as response:
            assert response.status == 405
    assert server.message_for_token("raw")["content"] == "plain"  # type: ignore[index]


def test_message_problems() -> None:
    select_and_button = {
        "type": 1,
        "components": [{"type": 3, "custom_id": "s"}, {"type": 2, "custom_id": "b"}],
    }
    assert payloads.message_problems({"components": [select_and_button]})
    v2_tree: list[dict[str, Any]] = [
        {"type": 17, "components": [{"type": 10, "content": str(i)} for i in range(40)]}
    ]
    assert payloads.message_problems({"flags": payloads.IS_COMPONENTS_V2, "components": v2_tree})
    v2_tree[0]["components"].pop()  # 1 container + 39 text displays = 40, the maximum
    assert not payloads.message_problems({"flags": payloads.IS_COMPONENTS_V2, "components": v2_tree})
    assert not payloads.message_problems({"content": "ok", "components": [{"type": 1, "components": []}]})


# ---------------------------------------------------------------------- RESTBot with signed requests


async def test_restbot_answers_signed_interactions(server: FakeDiscord) -> None:
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

    async def on_command(interaction: hikari.CommandInteraction) -> hikari.api.InteractionMessageBuilder:
        return interaction.build_response().set_content(f"pong {interaction.user.id}")

    rest_bot.set_listener(hikari.CommandInteraction, on_command)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    await rest_bot.start(check_for_updates=False, socket=sock)
    try:
        payload = payloads.command_interaction(interaction_id=1, token="t", user_id=USER, command_name="ping")
        async with aiohttp.ClientSession() as session:
            status, answer = await post_interaction(url, payload, signing_key, session=session)
            assert status == 200
            assert answer["type"] == 4 and answer["data"]["content"] == f"pong {USER}"

            status, answer = await post_interaction(url, {"type": 1}, signing_key, session=session)
            assert (status, answer) == (200, {"type": 1})

            wrong_key, _ = generate_keypair()
            status, answer = await post_interaction(url, payload, wrong_key, session=session)
            assert status == 400 and answer == b"Invalid request signature"

            body = b'{"type": 1}'
            headers = {**sign(signing_key, body), "Content-Type": "application/json"}
            async with session.post(url, data=body + b" ", headers=headers) as tampered:
                assert tampered.status == 400
        status, _ = await post_interaction(url, payload, signing_key)  # with its own session
        assert status == 200
    finally:
        await rest_bot.close()


async def test_restbot_fetches_public_key_from_application() -> None:
    signing_key, public_key_hex = generate_keypair()
    async with FakeDiscord(public_key=public_key_hex) as fake:
        rest_bot = hikari.RESTBot(
            fake.bot_token,
            "Bot",
            rest_url=fake.rest_url,
            banner=None,
            logs=None,
            suppress_optimization_warning=True,
        )
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
        await rest_bot.start(check_for_updates=False, socket=sock)
        try:
            assert await post_interaction(url, {"type": 1}, signing_key) == (200, {"type": 1})
            assert any(r.path == "/oauth2/applications/@me" for r in fake.requests)
        finally:
            await rest_bot.close()


def test_sign_matches_discord_scheme() -> None:
    signing_key, public_key_hex = generate_keypair()
    headers = sign(signing_key, b"{}", timestamp="1700000000")
    assert headers["X-Signature-Timestamp"] == "1700000000"
    import nacl.signing

    verify_key = nacl.signing.VerifyKey(bytes.fromhex(public_key_hex))
    verify_key.verify(b"1700000000{}", bytes.fromhex(headers["X-Signature-Ed25519"]))


async def test_rate_limit_headers_count_down_within_a_fixed_window() -> None:
    # Like Discord: Remaining counts down and Reset stays put within a window. With a reset time
    # moving on every answer, hikari took the bucket for a sliding one and let one request a second
    # through once it had counted 50 (the live soak's wind-down crawled). A long window keeps the
    # four requests inside one however loaded the machine is.
    async with FakeDiscord(rate_limit_window=3600.0) as server, aiohttp.ClientSession() as http:
        answers = []
        for _ in range(3):
            async with http.get(f"{server.rest_url}/channels/1/messages/2") as response:
                answers.append(response.headers)
        async with http.get(f"{server.rest_url}/channels/3/messages/4") as response:
            other_channel = response.headers
    assert [a["X-RateLimit-Remaining"] for a in answers] == ["49", "48", "47"]
    assert len({a["X-RateLimit-Reset"] for a in answers}) == 1
    assert len({a["X-RateLimit-Bucket"] for a in answers}) == 1
    assert other_channel["X-RateLimit-Remaining"] == "49"  # each channel has its own budget
