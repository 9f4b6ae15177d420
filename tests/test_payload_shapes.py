"""Interaction payloads shaped as Discord sends them: ``data.id``, ``data.resolved``, locales.

The role and channel branches of ``examples/selects_modals.py`` run on realistic payloads: the
mentionable select tells users from roles through ``interaction.resolved``, as Discord fills it.
"""

from __future__ import annotations

from typing import Any

import hikari
import pytest

from examples.selects_modals import profile
from flowfsm.testing import Harness, components_of, payloads

CHANNEL = 222
GUILD = 111


def _message(*components: dict[str, Any]) -> dict[str, Any]:
    return payloads.message(message_id=9001, channel_id=CHANNEL, components=list(components))


def _row(*children: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(children)}


def _deserialize(payload: dict[str, Any]) -> hikari.ComponentInteraction:
    app = hikari.RESTApp()
    interaction = hikari.impl.EntityFactoryImpl(app).deserialize_interaction(payload)  # type: ignore[arg-type]
    assert isinstance(interaction, hikari.ComponentInteraction)
    return interaction


def _select(custom_id: str, kind: int, values: list[str], **kwargs: Any) -> dict[str, Any]:
    message = _message(
        _row({"type": 2, "style": 1, "custom_id": "b", "label": "B"}),
        _row({"type": kind, "custom_id": custom_id}),
    )
    return payloads.component_interaction(
        interaction_id=1,
        token="t",
        user_id=7,
        custom_id=custom_id,
        message=message,
        component_type=kind,
        values=values,
        **kwargs,
    )


def test_a_click_carries_the_numeric_id_of_the_component_clicked() -> None:
    message = _message(
        _row(
            {"type": 2, "style": 1, "custom_id": "a", "label": "A"},
            {"type": 2, "style": 1, "custom_id": "b", "label": "B"},
        ),
        _row({"type": 3, "custom_id": "pick", "options": [{"label": "x", "value": "x"}]}),
    )
    ids = {
        c.get("custom_id"): c["id"]
        for c in components_of(payloads.message(message_id=1, channel_id=1, components=message["components"]))
    }
    for custom_id in ("a", "b", "pick"):
        payload = payloads.component_interaction(
            interaction_id=1, token="t", user_id=7, custom_id=custom_id, message=message
        )
        assert payload["data"]["id"] == ids[custom_id]
    assert ids["a"] == 2 and ids["b"] == 3 and ids["pick"] == 5  # depth-first from 1, rows included


def test_a_forged_custom_id_has_no_component_id() -> None:
    payload = payloads.component_interaction(
        interaction_id=1,
        token="t",
        user_id=7,
        custom_id="forged",
        message=_message(_row({"type": 2, "style": 1, "custom_id": "a", "label": "A"})),
    )
    assert "id" not in payload["data"]


def test_a_user_select_resolves_users_and_their_members() -> None:
    payload = _select("u", 5, ["555", "556"])
    resolved = payload["data"]["resolved"]
    assert set(resolved) == {"users", "members"}
    assert set(resolved["users"]) == set(resolved["members"]) == {"555", "556"}
    assert "user" not in resolved["members"]["555"] and "deaf" not in resolved["members"]["555"]
    interaction = _deserialize(payload)
    assert interaction.resolved is not None
    assert set(interaction.resolved.members) == {555, 556}
    assert interaction.resolved.members[hikari.Snowflake(555)].user.id == 555


def test_a_user_select_in_a_dm_resolves_users_only() -> None:
    payload = _select("u", 5, ["555"], guild_id=None)
    assert set(payload["data"]["resolved"]) == {"users"}
    assert set(_deserialize(payload).resolved.users) == {555}  # type: ignore[union-attr]


def test_a_role_select_resolves_roles() -> None:
    interaction = _deserialize(_select("r", 6, ["666"]))
    assert interaction.resolved is not None
    assert interaction.resolved.roles[hikari.Snowflake(666)].name == "role666"


def test_a_channel_select_resolves_channels() -> None:
    interaction = _deserialize(_select("c", 8, ["333"]))
    assert interaction.resolved is not None
    channel = interaction.resolved.channels[hikari.Snowflake(333)]
    assert channel.type == hikari.ChannelType.GUILD_TEXT and channel.name == "channel333"


def test_a_mentionable_select_resolves_what_it_is_given() -> None:
    given = payloads.resolved(users=[555], roles=[666])
    interaction = _deserialize(_select("m", 7, ["555", "666"], resolved=given))
    assert interaction.resolved is not None
    assert set(interaction.resolved.users) == {555} and set(interaction.resolved.roles) == {666}


def test_a_text_select_and_a_button_have_no_resolved() -> None:
    assert "resolved" not in _select("s", 3, ["a"])["data"]
    assert "resolved" not in _select("s", 5, [])["data"]


@pytest.mark.parametrize("guild_id", [GUILD, None], ids=["guild", "dm"])
def test_locales_are_present_as_discord_sends_them(guild_id: int | None) -> None:
    payload = _select("s", 3, ["a"], guild_id=guild_id, locale="de")
    assert payload["locale"] == "de"
    assert ("guild_locale" in payload) is (guild_id is not None)
    interaction = _deserialize(payload)
    assert interaction.locale == "de"
    assert interaction.guild_locale == ("en-US" if guild_id is not None else None)


@pytest.mark.parametrize("rest_bot", [False, True], ids=["gateway", "rest"])
async def test_the_role_and_channel_branches_of_the_profile_example(rest_bot: bool) -> None:
    async with Harness([profile], rest_bot=rest_bot) as h:
        await h.command("profile")
        await h.click("People & places")
        await h.select(["666", "667"], placeholder="Roles to ping (up to 3)")
        await h.select(
            ["555", "666"],
            placeholder="Notify on changes",
            resolved=payloads.resolved(users=[555], roles=[666]),
        )
        await h.select(["333"], placeholder="Announcement channel")
        data = h.session().data
        assert data["roles"] == [666, 667]
        assert data["notify"] == [(555, "user"), (666, "role")]
        assert data["channel"] == 333
        menu = h.discord.messages[h.session().message_id or 0] if h.session().message_id else h.message
        assert menu is not None
        fields = {f["name"]: f["value"] for f in menu["embeds"][0]["fields"]}
        assert fields["Notify"] == "<@555> <@&666>"
        assert fields["Roles to ping"] == "<@&666> <@&667>" and fields["Announcements"] == "<#333>"
        notify = next(c for c in components_of(menu) if c["type"] == 7)
        assert notify["default_values"] == [{"id": "555", "type": "user"}, {"id": "666", "type": "role"}]
