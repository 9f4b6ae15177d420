"""Select menus: the JSON hikari builds from them, their limit checks, and the values read back.

Real parts only: hikari's builders make the payloads, FakeDiscord (which enforces Discord's
component limits) stores a message carrying all five kinds, and hikari's entity factory reads
select interactions built from Discord-shaped JSON.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, cast

import hikari
import pytest

from examples.selects_modals import profile
from flowfsm.define.selects import (
    SELECT_TYPES,
    ChannelSelect,
    MentionableSelect,
    RoleSelect,
    Select,
    SelectOption,
    TextSelect,
    UserSelect,
    add_select,
    select_problems,
    values_from,
)
from flowfsm.testing import Harness, Reply, components_of, payloads
from flowfsm.testing.discord_api import FakeDiscord

CHANNEL = 222
USER = 777


def noop(ctx: Any, values: list[str]) -> None:
    """An action that does nothing."""


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


def built(select: Select, custom_id: str = "cid", **kwargs: Any) -> dict[str, Any]:
    payload, attachments = add_select(None, select, custom_id, **kwargs).build()
    assert attachments == []
    return dict(payload)


# ---------------------------------------------------------------------- the dataclasses


def test_option_value_defaults_to_label() -> None:
    assert SelectOption("Red").value == "Red" and SelectOption("Red").key == "Red"
    assert SelectOption("Red", "r").value == "r"
    select = TextSelect(["a", SelectOption("B", "b")], action=noop)
    assert select.choices == (SelectOption("a"), SelectOption("B", "b"))
    assert isinstance(select.options, tuple)


def test_describe_and_fires() -> None:
    assert TextSelect(["a"], id="colour", placeholder="Pick", trigger="go").describe() == "colour"
    assert TextSelect(["a"], placeholder="Pick", trigger="go").describe() == "Pick"
    assert UserSelect(trigger="go").describe() == "user select"
    assert ChannelSelect(action=noop).describe() == "channel select"
    assert MentionableSelect().describe() == "mentionable select"
    assert RoleSelect(trigger="go").fires and UserSelect(action=noop).fires
    assert not RoleSelect(disabled=True).fires
    assert all(isinstance(s, SELECT_TYPES) for s in (TextSelect(["a"]), UserSelect(), RoleSelect()))


def test_selects_are_frozen() -> None:
    select = UserSelect(default_values=[1, 2], max_values=2, trigger="t")
    with pytest.raises(AttributeError):
        select.max_values = 3  # type: ignore[misc]
    assert select.default_values == (1, 2)


# ---------------------------------------------------------------------- payloads


def test_text_select_payload() -> None:
    select = TextSelect(
        [
            "plain",
            SelectOption("Blue", "blue", description="the sky", emoji="🔵", default=True),
            SelectOption(
                "Custom",
                "custom",
                emoji=hikari.CustomEmoji(id=hikari.Snowflake(99), name="x", is_animated=False),
            ),
        ],
        placeholder="Colour",
        min_values=0,
        max_values=2,
        action=noop,
    )
    assert built(select) == {
        "type": 3,
        "custom_id": "cid",
        "placeholder": "Colour",
        "min_values": 0,
        "max_values": 2,
        "disabled": False,
        "options": [
            {"label": "plain", "value": "plain", "default": False},
            {
                "label": "Blue",
                "value": "blue",
                "default": True,
                "description": "the sky",
                "emoji": {"name": "🔵"},
            },
            {"label": "Custom", "value": "custom", "default": False, "emoji": {"id": "99"}},
        ],
    }


@pytest.mark.parametrize(
    ("select", "component_type", "defaults"),
    [
        (UserSelect(default_values=[11, 12], max_values=3, action=noop), 5, [("11", "user"), ("12", "user")]),
        (RoleSelect(default_values=[21], action=noop), 6, [("21", "role")]),
        (
            MentionableSelect(default_values=[(31, "user"), (32, "role")], max_values=2, action=noop),
            7,
            [("31", "user"), ("32", "role")],
        ),
        (ChannelSelect(default_values=[41], action=noop), 8, [("41", "channel")]),
    ],
)
def test_auto_populated_select_payloads(
    select: Select, component_type: int, defaults: list[tuple[str, str]]
) -> None:
    payload = built(select, "sel")
    assert payload["type"] == component_type and payload["custom_id"] == "sel"
    assert payload["min_values"] == 1 and payload["max_values"] == select.max_values
    assert payload["default_values"] == [{"id": i, "type": t} for i, t in defaults]
    assert "options" not in payload and "placeholder" not in payload


def test_auto_populated_select_without_defaults_has_no_default_values() -> None:
    payload = built(UserSelect(placeholder="Who?", action=noop))
    assert payload == {
        "type": 5,
        "custom_id": "cid",
        "placeholder": "Who?",
        "min_values": 1,
        "max_values": 1,
        "disabled": False,
    }


def test_channel_select_types() -> None:
    select = ChannelSelect(
        channel_types=[hikari.ChannelType.GUILD_TEXT, hikari.ChannelType.GUILD_VOICE], action=noop
    )
    assert built(select)["channel_types"] == [0, 2]
    assert built(ChannelSelect(action=noop))["channel_types"] == []


def test_disabled_flag_and_override() -> None:
    assert built(RoleSelect(disabled=True))["disabled"] is True
    assert built(RoleSelect(action=noop), disabled=True)["disabled"] is True
    assert built(TextSelect(["a"], action=noop), disabled=True)["disabled"] is True
    assert built(RoleSelect(action=noop))["disabled"] is False


def test_add_select_puts_the_menu_alone_in_the_row() -> None:
    row = hikari.impl.MessageActionRowBuilder()
    menu = add_select(row, MentionableSelect(action=noop), "m")
    assert row.components == [menu]
    payload, _ = row.build()
    assert payload["type"] == 1 and [c["type"] for c in payload["components"]] == [7]


# ---------------------------------------------------------------------- limits


def test_valid_selects_have_no_problems() -> None:
    assert select_problems(TextSelect([str(i) for i in range(25)], max_values=25, action=noop)) == []
    assert select_problems(UserSelect(min_values=0, max_values=25, trigger="t")) == []
    assert select_problems(MentionableSelect(default_values=[(1, "user")], trigger="t")) == []
    assert select_problems(RoleSelect(disabled=True)) == []


@pytest.mark.parametrize(
    ("select", "expected"),
    [
        (TextSelect([], action=noop), "a text select has 0 options; Discord allows 1-25"),
        (
            TextSelect([str(i) for i in range(26)], action=noop),
            "a text select has 26 options; Discord allows 1-25",
        ),
        (TextSelect(["x" * 101], action=noop), "option #0 ('" + "x" * 101 + "') label is 101 characters"),
        (TextSelect([SelectOption("a", "v" * 101)], action=noop), "option #0 ('a') value is 101 characters"),
        (TextSelect([SelectOption("", "v")], action=noop), "option #0 ('') label is 0 characters"),
        (
            TextSelect([SelectOption("a", description="d" * 101)], action=noop),
            "option #0 ('a') description is 101 characters; Discord allows at most 100",
        ),
        (
            TextSelect(["a", SelectOption("A", "a")], action=noop),
            "option #1 ('A'): duplicate option value 'a'",
        ),
        (TextSelect(["a"], placeholder="p" * 151, action=noop), "placeholder is 151 characters"),
        (
            TextSelect(["a", "b"], max_values=3, action=noop),
            "max_values (3) exceeds the number of options (2)",
        ),
        (
            TextSelect(["a"], min_values=2, max_values=1, action=noop),
            "min_values (2) is greater than max_values (1)",
        ),
        (
            TextSelect([SelectOption("a", default=True), SelectOption("b", default=True)], action=noop),
            "2 options are marked default but max_values is 1",
        ),
        (UserSelect(min_values=-1, action=noop), "min_values is -1; it must be 0-25"),
        (UserSelect(max_values=0, min_values=0, action=noop), "max_values is 0; it must be 1-25"),
        (RoleSelect(max_values=26, action=noop), "max_values is 26; it must be 1-25"),
        (UserSelect(default_values=[1, 2], action=noop), "2 default values; Discord wants min_values (1)"),
        (UserSelect(default_values=[0], action=noop), "default value #0 is 0; give the id"),
        (
            MentionableSelect(default_values=[(5, "channel")], action=noop),  # type: ignore[list-item]
            "default value #0 is (5, 'channel'); a mentionable select takes (id, 'user') or (id, 'role')",
        ),
        (
            MentionableSelect(default_values=[5], action=noop),  # type: ignore[list-item]
            "default value #0 is 5; a mentionable select takes",
        ),
        (ChannelSelect(channel_types=[0], action=noop), "channel type 0 is not a hikari.ChannelType"),  # type: ignore[list-item]
        (UserSelect(id="12", action=noop), "id '12': an item id is 1-40 letters"),
        (UserSelect(id="a b", action=noop), "id 'a b': an item id is 1-40 letters"),
        (UserSelect(trigger="t", action=noop), "give a select a trigger or an action, not both"),
        (UserSelect(), "a select needs a trigger or an action (or disabled=True)"),
    ],
)
def test_limit_violations_are_reported(select: Select, expected: str) -> None:
    problems = select_problems(select)
    assert any(p.startswith(expected) for p in problems), problems


def test_not_a_select() -> None:
    assert select_problems("nope") == ["not a select: str"]  # type: ignore[arg-type]


# ---------------------------------------------------------------------- against FakeDiscord and hikari


ALL_KINDS: list[Select] = [
    TextSelect(["a", SelectOption("B", "b", default=True)], max_values=2, placeholder="Text", action=noop),
    UserSelect(default_values=[555], trigger="t"),
    RoleSelect(default_values=[666], trigger="t"),
    MentionableSelect(default_values=[(555, "user"), (666, "role")], max_values=2, trigger="t"),
    ChannelSelect(channel_types=[hikari.ChannelType.GUILD_TEXT], default_values=[CHANNEL], trigger="t"),
]


async def test_fake_discord_accepts_all_five_kinds(bot: hikari.GatewayBot, server: FakeDiscord) -> None:
    rows = []
    for index, select in enumerate(ALL_KINDS):
        row = hikari.impl.MessageActionRowBuilder()
        add_select(row, select, f"ff:profile:abcdefgh:0:{index}")
        rows.append(row)
    sent = await bot.rest.create_message(CHANNEL, "pick", components=rows)
    stored = server.messages[sent.id]
    menus = [row["components"][0] for row in stored["components"]]
    assert [m["type"] for m in menus] == [3, 5, 6, 7, 8]
    assert menus[3]["default_values"] == [{"id": "555", "type": "user"}, {"id": "666", "type": "role"}]
    assert [o["value"] for o in menus[0]["options"]] == ["a", "b"]
    # hikari reads the message back with the five menus in place
    kinds = [row.components[0].type for row in sent.components if isinstance(row, hikari.ActionRowComponent)]
    assert kinds == [
        hikari.ComponentType.TEXT_SELECT_MENU,
        hikari.ComponentType.USER_SELECT_MENU,
        hikari.ComponentType.ROLE_SELECT_MENU,
        hikari.ComponentType.MENTIONABLE_SELECT_MENU,
        hikari.ComponentType.CHANNEL_SELECT_MENU,
    ]


async def test_fake_discord_refuses_a_select_sharing_a_row(bot: hikari.GatewayBot) -> None:
    row = hikari.impl.MessageActionRowBuilder()
    add_select(row, UserSelect(trigger="t"), "one")
    row.add_component(add_select(None, UserSelect(trigger="t"), "two"))
    with pytest.raises(hikari.BadRequestError):
        await bot.rest.create_message(CHANNEL, "pick", components=[row])


@pytest.mark.parametrize(
    ("component_type", "values", "resolved"),
    [
        (3, ["a", "b"], None),
        (5, ["555"], {"users": {"555": payloads.user(555)}}),
        (
            6,
            ["666"],
            {
                "roles": {
                    "666": {
                        "id": "666",
                        "name": "mods",
                        "color": 0,
                        "hoist": False,
                        "position": 1,
                        "permissions": "0",
                        "managed": False,
                        "mentionable": True,
                        "flags": 0,
                    }
                }
            },
        ),
        (8, [str(CHANNEL)], None),
        (7, [], None),
    ],
)
async def test_values_from_a_select_interaction(
    bot: hikari.GatewayBot,
    server: FakeDiscord,
    component_type: int,
    values: list[str],
    resolved: dict[str, Any] | None,
) -> None:
    row = hikari.impl.MessageActionRowBuilder()
    select = next(s for s in ALL_KINDS if s.component_type == component_type)
    add_select(row, select, "pick")
    sent = await bot.rest.create_message(CHANNEL, "pick", components=[row])
    payload = payloads.component_interaction(
        interaction_id=1,
        token="t",
        user_id=USER,
        custom_id="pick",
        message=server.messages[sent.id],
        component_type=component_type,
        values=values,
        resolved=resolved,
    )
    interaction = bot.entity_factory.deserialize_interaction(payload)
    assert isinstance(interaction, hikari.ComponentInteraction)
    assert interaction.component_type == component_type
    got = values_from(interaction)
    assert got == values and isinstance(got, list)
    got.append("x")  # a fresh list each time
    assert values_from(interaction) == values


async def test_values_from_a_button_click_is_empty(bot: hikari.GatewayBot, server: FakeDiscord) -> None:
    row = hikari.impl.MessageActionRowBuilder().add_interactive_button(
        hikari.ButtonStyle.PRIMARY, "b", label="B"
    )
    sent = await bot.rest.create_message(CHANNEL, "x", components=[row])
    payload = payloads.component_interaction(
        interaction_id=2, token="t2", user_id=USER, custom_id="b", message=server.messages[sent.id]
    )
    interaction = bot.entity_factory.deserialize_interaction(payload)
    assert isinstance(interaction, hikari.ComponentInteraction)
    assert values_from(interaction) == []


# ---------------------------------------------------------------------- the example, end to end


def menu(h: Harness) -> dict[str, Any]:
    """The menu message as FakeDiscord holds it (the session's current message when it moved)."""
    session = h.session()
    moved = session.message_id if session is not None and session.message_id is not None else None
    message = h.discord.messages.get(moved) if moved is not None else h.message
    assert message is not None
    return message


def modal_of(reply: Reply) -> dict[str, Any]:
    """The modal a click answered with (its ``data``)."""
    assert reply.type == 9 and reply.callback is not None
    return dict(reply.callback["data"])


@pytest.mark.parametrize("rest_bot", [False, True], ids=["gateway", "rest"])
async def test_selects_modals_example(rest_bot: bool) -> None:
    """examples/selects_modals.py through the real stack, on a gateway bot and on a RESTBot."""
    async with Harness([profile], rest_bot=rest_bot) as h:
        await h.command("profile")
        msg = menu(h)
        assert msg is not None and msg["embeds"][0]["description"] == "*No bio yet.*"
        await h.select(["red", "blue"])
        colours = next(c for c in components_of(menu(h)) if c["type"] == 3)
        assert [o["value"] for o in colours["options"] if o["default"]] == ["red", "blue"]
        opened = await h.click("Edit bio")
        assert opened.type == 9
        modal = modal_of(opened)
        assert modal["title"] == "Edit your bio"
        assert [row["components"][0]["custom_id"] for row in modal["components"]] == [
            "name",
            "pronouns",
            "bio",
        ]
        await h.submit_modal(modal["custom_id"], {"name": "Ada", "pronouns": "she/her", "bio": "Engines."})
        embed = menu(h)["embeds"][0]
        assert embed["title"] == "Ada (she/her)" and embed["description"] == "Engines."
        opened = await h.click("Edit links")
        refused = await h.submit_modal(modal_of(opened)["custom_id"], {"website": "http://x", "github": ""})
        assert "https://" in (refused.ephemeral_text or "")
        assert "links" not in h.session().data
        opened = await h.click("Edit links")
        await h.submit_modal(modal_of(opened)["custom_id"], {"website": "https://ada.dev", "github": ""})
        assert h.session().data["links"] == {"website": "https://ada.dev"}
        await h.click("People & places")
        kinds = [c["type"] for c in components_of(menu(h)) if c["type"] != 2]
        assert kinds == [5, 6, 7, 8]
        await h.select(["555"], placeholder="Best friend")
        await h.select(["666", "667"], placeholder="Roles to ping (up to 3)")
        await h.select([], placeholder="Notify on changes")
        await h.select(["222"], placeholder="Announcement channel")
        data = h.session().data
        assert data["friend"] == 555 and data["roles"] == [666, 667] and data["channel"] == 222
        friend = next(c for c in components_of(menu(h)) if c["type"] == 5)
        assert friend["default_values"] == [{"id": "555", "type": "user"}]
        await h.click("Back")
        await h.click("Done")
        assert h.session() is None
        assert menu(h)["content"] == "Profile saved." and menu(h)["embeds"][0]["title"] == "Ada (she/her)"
