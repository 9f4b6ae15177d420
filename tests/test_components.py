"""FlowCord parity, part 2 through the real stack: pagination, ephemeral, cleanup, text input."""

from __future__ import annotations

import hikari
import pytest

from examples.behaviours import behaviours
from examples.shop import ITEMS, shop
from flowfsm import Button, Context, Flow, FlowDefinitionError, Screen
from flowfsm.define.selects import TextSelect
from flowfsm.testing import Harness, components_of
from flowfsm.testing.payloads import EPHEMERAL

V2 = 1 << 15


def labels(h: Harness) -> list[str]:
    return [str(label) for label in h.labels()]


# -- button pagination ----------------------------------------------------------------------------


async def test_buttons_are_paginated_with_pinned_buttons_and_stable_nav() -> None:
    async with Harness([shop]) as h:
        await h.command("shop")
        first = labels(h)
        assert first[0] == "Inventory" and first[9] == "Done"
        assert first[1:9] == [f"{n} ({p})" for n, p in list(ITEMS.items())[:8]]
        nav = h.message["components"][-1]["components"]  # type: ignore[index]
        assert [b["label"] for b in nav] == ["← Previous", "Next →"]
        assert nav[0]["disabled"] is True and nav[1]["disabled"] is False
        await h.click("Next →")
        second = labels(h)
        assert second[0] == "Inventory" and second[9] == "Done"
        assert second[1] == "Item 09 (14)"
        await h.click("Next →")
        nav = h.message["components"][-1]["components"]  # type: ignore[index]
        assert nav[0]["disabled"] is False and nav[1]["disabled"] is True
        assert h.session().data["turns"] == ["catalog:next:1", "catalog:next:2"]
        await h.click("← Previous")
        assert labels(h)[1] == "Item 09 (14)"


async def test_item_custom_ids_are_stable_across_pages() -> None:
    async with Harness([shop]) as h:
        await h.command("shop")
        await h.click("Next →")
        assert h.button("Item 09 (14)")["custom_id"].endswith(":buy-09")
        await h.click("Item 09 (14)")
        assert h.session().data["wallet"]["owned"] == ["Item 09"]
        assert "Bought Item 09" in h.message["content"]  # type: ignore[index]
        assert h.session().page == 1  # the page survived the re-render


async def test_purchase_guard_refuses_with_the_shortfall() -> None:
    async with Harness([shop]) as h:
        await h.command("shop", options={"balance": 10})
        reply = await h.click("Item 06 (11)")
        assert reply.ephemeral_text == "Item 06 costs 11; you have 10."
        assert h.session().data["wallet"]["owned"] == []


def test_a_select_cannot_share_a_state_with_button_pagination() -> None:
    from flowfsm.engine.render import render_screen
    from flowfsm.errors import RenderError

    flow = Flow("mixed")
    flow.add_state("a", lambda ctx: Screen("a"), initial=True)
    flow.compile()
    screen = Screen(
        "a",
        items=[TextSelect(["x"], action=lambda c, v: None)]
        + [Button(str(i), action=lambda c: None) for i in range(30)],
    )
    with pytest.raises(
        RenderError, match=r"flow 'mixed', state 'a'.*a select cannot be combined with button pagination"
    ):
        render_screen(flow, "a", "abcdefgh", screen)


# -- list pagination ------------------------------------------------------------------------------


async def test_list_pagination_exposes_page_state_and_works_with_a_select() -> None:
    async with Harness([shop]) as h:
        await h.command("shop", options={"balance": 1000})
        for label in [
            "Item 01 (6)",
            "Item 02 (7)",
            "Item 03 (8)",
            "Item 04 (9)",
            "Item 05 (10)",
            "Item 06 (11)",
            "Item 07 (12)",
        ]:
            await h.click(label)
        await h.click("Inventory")
        assert h.message["content"].startswith("Inventory, page 1/2 (7 items)")  # type: ignore[index]
        select = next(c for c in components_of(h.message) if c["type"] == 3)  # type: ignore[arg-type]
        assert [o["value"] for o in select["options"]] == [
            "Item 01",
            "Item 02",
            "Item 03",
            "Item 04",
            "Item 05",
        ]
        await h.click("Next →")
        assert h.message["content"].startswith("Inventory, page 2/2 (7 items)\n6. Item 06")  # type: ignore[index]
        assert h.session().data["turns"][-1] == "inventory:next:1"
        await h.select(["Item 07"], placeholder="Sell an item")
        assert h.session().data["wallet"]["owned"] == [
            "Item 01",
            "Item 02",
            "Item 03",
            "Item 04",
            "Item 05",
            "Item 06",
        ]
        assert "(6 items)" in h.message["content"]  # type: ignore[index]
        await h.click("Back")
        assert h.session().state == "catalog"


# -- ephemeral and cleanup ------------------------------------------------------------------------


async def test_switching_to_an_ephemeral_state_posts_a_new_message_and_strips_the_old() -> None:
    async with Harness([behaviours]) as h:
        await h.command("behaviours")
        public_id = h.menu_id
        reply = await h.click("Private view")
        assert reply.type == 4 and reply.callback["data"]["flags"] & EPHEMERAL  # type: ignore[index]
        old = h.discord.messages[public_id]  # type: ignore[index]
        assert old["components"] == [] and old["content"] == "Hello, stranger!"
        new = h.discord.message_for_token(reply.token)
        assert new is not None and new["flags"] & EPHEMERAL and new["content"] == "Only you can see this."
        # the ephemeral menu is edited through the interaction webhook, never the channel endpoint
        click = await h.click("Back home", message_id=int(new["id"]))
        assert click.type == 4  # back to public: a new message again
        assert not any(r.path.startswith("/channels/") for r in click.requests)


@pytest.mark.parametrize(
    ("button", "check"),
    [
        ("New message, delete old", "delete"),
        ("New message, strip old", "strip"),
        ("New message, replace old", "replace"),
    ],
)
async def test_cleanup_policies(button: str, check: str) -> None:
    async with Harness([behaviours]) as h:
        await h.command("behaviours")
        old_id = h.menu_id
        old_token = h.replies[-1].token
        reply = await h.click(button)
        assert reply.type == 4
        new = h.discord.message_for_token(reply.token)
        assert new is not None and new["id"] != str(old_id)
        hook = f"/webhooks/{h.discord.application_id}/{old_token}/messages/@original"
        if check == "delete":
            assert any(r.method == "DELETE" and r.path == hook for r in reply.requests)
            assert old_id in h.discord.deleted
        elif check == "strip":
            old = h.discord.messages[old_id]  # type: ignore[index]
            assert old["content"] == "Hello, stranger!" and old["components"] == []
        else:
            old = h.discord.messages[old_id]  # type: ignore[index]
            assert old["content"] == h.manager.texts.moved and old["components"] == []
        h.menu_id = int(new["id"])
        await h.click("Home")
        assert h.session().state == "home"


# -- text input -----------------------------------------------------------------------------------


async def test_text_input_reads_the_next_message_and_deletes_it() -> None:
    async with Harness([behaviours]) as h:
        await h.command("behaviours")
        await h.click("Rename")
        assert h.message["content"] == "Type your new name in this channel."  # type: ignore[index]
        await h.say("ignored", user=2002)  # someone else's message is not input
        assert h.session().state == "rename" and "name" not in h.session().data
        await h.say("Ada")
        assert h.session().data["name"] == "Ada"
        assert h.message["content"] == "Renamed to Ada."  # type: ignore[index]
        deletes = [
            r
            for r in h.discord.requests
            if r.method == "DELETE" and r.path.startswith("/channels/222/messages/")
        ]
        assert len(deletes) == 1
        await h.click("Home")
        assert h.message["content"] == "Hello, Ada!"  # type: ignore[index]
        await h.say("not input any more")
        assert h.session().data["name"] == "Ada"


async def test_text_input_without_the_message_content_intent_fails_clearly() -> None:
    with pytest.raises(
        FlowDefinitionError, match=r"flow 'behaviours', state 'rename': text input .* MESSAGE_CONTENT"
    ):
        async with Harness([behaviours], intents=hikari.Intents.ALL_UNPRIVILEGED):
            pass


async def test_text_input_on_a_rest_bot_fails_clearly() -> None:
    with pytest.raises(FlowDefinitionError, match=r"state 'rename': text input .* needs a gateway bot"):
        async with Harness([behaviours], rest_bot=True):
            pass


def _unused(ctx: Context) -> None:
    """Keeps the Context import used for type checkers."""
