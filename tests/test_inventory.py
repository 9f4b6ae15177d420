"""The inventory example through the real stack: data survives restarts, sessions stay consistent.

Every test drives ``examples/inventory.py`` through :class:`flowfsm.testing.Harness` (fake Discord
over loopback HTTP, real hikari entities, the real miru client) on a SQLite file in ``tmp_path``.
The catalog cache's clock is frozen, so only explicit invalidation can refresh it.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from examples import inventory
from examples.inventory_db import InventoryDB, Owned
from flowfsm.testing import Harness
from flowfsm.testing.harness import DEFAULT_USER, OTHER_USER, components_of

ALICE, BOB = DEFAULT_USER, OTHER_USER
EXPIRED = "This menu has expired. Run /inventory again."
CATALOG = (
    ("potion", "Healing potion", "potions", 10, 20),
    ("elixir", "Elixir", "potions", 45, 1),  # the last one
    ("sword", "Iron sword", "weapons", 60, 5),
)


def frozen() -> float:
    """The cache's clock: time never passes, so cached rows change only by invalidation."""
    return 0.0


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "shop.sqlite3"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[InventoryDB]:
    """The shop's database for this test (module state of the example, reset afterwards)."""
    current = inventory.configure(db_path, catalog=CATALOG, timer=frozen)
    yield current
    await current.close()


async def snapshot(store: InventoryDB) -> dict[str, Any]:
    """Everything a purchase writes, read straight from the database."""
    return {
        "balances": {user: await store.balance(user) for user in (ALICE, BOB)},
        "owned": {user: await store.owned(user) for user in (ALICE, BOB)},
        "elixir": await store.stock("elixir"),
        "purchases": await store.purchase_count(),
    }


async def open_menu(h: Harness, user: int, **options: Any) -> int:
    """Run /inventory as ``user``; return the menu message id."""
    await h.command("inventory", user=user, options=options or None)
    assert h.menu_id is not None
    return h.menu_id


def content(h: Harness, message_id: int) -> str:
    return str(h.discord.messages[message_id]["content"])


def button(message: dict[str, Any], label: str) -> dict[str, Any]:
    for component in components_of(message):
        if component.get("label") == label:
            return component
    raise AssertionError(f"no button {label!r} in {[c.get('label') for c in components_of(message)]}")


def reply_buttons(reply: Any) -> list[dict[str, Any]]:
    callback = reply.callback or {}
    return components_of(callback.get("data") or {})


# -- the pattern ---------------------------------------------------------------------------------------


async def test_buy_writes_the_database_and_the_menu_shows_it_at_once(store: InventoryDB) -> None:
    async with Harness([inventory.inventory]) as h:
        menu = await open_menu(h, ALICE)
        assert "balance: **100** coins" in content(h, menu)
        await h.click("Potions", message_id=menu)
        assert "Elixir** · 45 coins · 1 left" in content(h, menu)

        reply = await h.click("Buy Elixir", message_id=menu)

        assert reply.type == 7  # the menu itself was updated, in the same response
        text = content(h, menu)
        assert text.startswith("✅ Bought **Elixir** for 45 coins.")
        assert "balance: **55** coins" in text
        assert "Elixir** · 45 coins · **sold out**" in text
        assert button(h.discord.messages[menu], "Elixir (sold out)")["disabled"] is True
    assert await snapshot(store) == {
        "balances": {ALICE: 55, BOB: 100},
        "owned": {ALICE: [Owned("elixir", "Elixir", 1)], BOB: []},
        "elixir": 0,
        "purchases": 1,
    }


async def test_refused_purchase_is_ephemeral_and_writes_nothing(db_path: Path) -> None:
    current = inventory.configure(db_path, catalog=CATALOG, timer=frozen, starting_balance=30)
    try:
        async with Harness([inventory.inventory]) as h:
            menu = await open_menu(h, ALICE)
            await h.click("Potions", message_id=menu)
            shown = content(h, menu)

            reply = await h.click("Buy Elixir", message_id=menu)

            assert reply.ephemeral_text == "Elixir costs 45 coins and you have 30. Nothing was charged."
            assert content(h, menu) == shown  # the menu shows the same (no false "bought" notice)
            assert h.session(ALICE).state == "category"  # and still open
        assert await current.balance(ALICE) == 30
        assert await current.owned(ALICE) == []
        assert await current.stock("elixir") == 1
        assert await current.purchase_count() == 0
    finally:
        await current.close()


# -- restart survival (of data, not of sessions) -----------------------------------------------------------


async def test_restart_loses_the_menu_never_the_purchase(db_path: Path) -> None:
    first = inventory.configure(db_path, catalog=CATALOG, timer=frozen)
    async with Harness([inventory.inventory]) as h1:
        menu = await open_menu(h1, ALICE)
        await h1.click("Potions", message_id=menu)
        await h1.click("Buy Elixir", message_id=menu)
        old_message = copy.deepcopy(h1.discord.messages[menu])
    # The process ends: the manager, the miru client, the sessions and the cache are gone.
    await first.close()

    second = inventory.configure(db_path, catalog=CATALOG, timer=frozen)
    try:
        async with Harness([inventory.inventory]) as h2:
            assert len(h2.manager.sessions) == 0  # nothing of old sessions is assumed

            # A click on the old menu: a clear ephemeral reply, nothing run, nothing written.
            stale = button(old_message, "Buy Healing potion")["custom_id"]
            reply = await h2.send_component(stale, message=old_message, user=ALICE)
            assert reply.type == 4
            assert reply.ephemeral_text == EXPIRED
            assert await second.purchase_count() == 1

            # Re-running the command opens where the database says Alice was, with her purchase.
            menu = await open_menu(h2, ALICE, **await inventory.start_options(ALICE))
            text = content(h2, menu)
            assert text.startswith("**Potions** · your balance: **55** coins")
            assert "Elixir** · 45 coins · **sold out**" in text
            await h2.click("My items", message_id=menu)
            assert "• Elixir: 1" in content(h2, menu)
    finally:
        await second.close()


# -- consistency across sessions ---------------------------------------------------------------------------


async def test_other_sessions_next_render_shows_the_last_item_gone(store: InventoryDB) -> None:
    async with Harness([inventory.inventory]) as h:
        alice, bob = await open_menu(h, ALICE), await open_menu(h, BOB)
        await h.click("Potions", user=ALICE, message_id=alice)
        await h.click("Potions", user=BOB, message_id=bob)
        assert "Elixir** · 45 coins · 1 left" in content(h, bob)  # both drawn from the shared cache

        await h.click("Buy Elixir", user=ALICE, message_id=alice)
        await h.click("Refresh", user=BOB, message_id=bob)

        assert "Elixir** · 45 coins · **sold out**" in content(h, bob)
        assert button(h.discord.messages[bob], "Elixir (sold out)")["disabled"] is True


async def test_purchase_on_a_screen_drawn_before_the_sale_is_refused_by_the_database(
    store: InventoryDB,
) -> None:
    async with Harness([inventory.inventory]) as h:
        alice, bob = await open_menu(h, ALICE), await open_menu(h, BOB)
        await h.click("Potions", user=ALICE, message_id=alice)
        await h.click("Potions", user=BOB, message_id=bob)
        await h.click("Buy Healing potion", user=ALICE, message_id=alice)
        await h.manager.drain()
        assert "Healing potion** · 10 coins · 19 left" in content(h, bob)  # refreshed live
        # Within the same refresh interval, Bob's next refresh waits: his screen predates the sale.
        await h.click("Buy Elixir", user=ALICE, message_id=alice)
        await h.manager.drain()
        before = await snapshot(store)
        bobs_screen = content(h, bob)
        assert "Elixir** · 45 coins · 1 left" in bobs_screen

        reply = await h.click("Buy Elixir", user=BOB, message_id=bob)

        assert reply.ephemeral_text == "Sorry, Elixir just sold out. Nothing was charged."
        assert await snapshot(store) == before  # nothing written
        assert before["balances"][BOB] == 100 and before["owned"][BOB] == [] and before["elixir"] == 0
        assert h.manager.live_stats.flushes == 1  # the second invalidation was rate-limited
        assert h.session(BOB).state == "category"  # Bob keeps his menu...
        text = content(h, bob)  # ...re-rendered from the database after the refusal
        assert "balance: **100** coins" in text and "Elixir** · 45 coins · **sold out**" in text
        assert not text.startswith("✅")


async def test_the_recheck_reads_the_database_even_when_the_cache_is_stale(
    store: InventoryDB, db_path: Path
) -> None:
    async with Harness([inventory.inventory]) as h:
        bob = await open_menu(h, BOB)
        await h.click("Potions", user=BOB, message_id=bob)

        # Another bot process on the same file sells the last Elixir; this process's cache
        # is not told (its TTL clock is frozen), so it still lists one.
        async with InventoryDB(db_path, catalog=CATALOG) as other_process:
            await other_process.purchase(ALICE, "elixir")
        await h.click("Refresh", user=BOB, message_id=bob)
        assert "Elixir** · 45 coins · 1 left" in content(h, bob)
        before = await snapshot(store)

        reply = await h.click("Buy Elixir", user=BOB, message_id=bob)

        assert reply.ephemeral_text == "Sorry, Elixir just sold out. Nothing was charged."
        assert await snapshot(store) == before
        # The refusal proved the cached rows stale: they were dropped, so the menu is right again.
        await h.click("Refresh", user=BOB, message_id=bob)
        assert "Elixir** · 45 coins · **sold out**" in content(h, bob)


# -- expired-menu hygiene: "Open again" -------------------------------------------------------------------


async def test_open_again_after_a_restart_reopens_from_the_database(db_path: Path) -> None:
    first = inventory.configure(db_path, catalog=CATALOG, timer=frozen)
    async with Harness([inventory.inventory]) as h1:
        menu = await open_menu(h1, ALICE)
        await h1.click("Weapons", message_id=menu)
        await h1.click("Buy Iron sword", message_id=menu)
        old_message = copy.deepcopy(h1.discord.messages[menu])
    await first.close()

    second = inventory.configure(db_path, catalog=CATALOG, timer=frozen)
    try:
        async with Harness([inventory.inventory]) as h2:
            stale = button(old_message, "Refresh")["custom_id"]
            reply = await h2.send_component(stale, message=old_message, user=ALICE)
            assert reply.ephemeral_text == EXPIRED
            [open_again] = reply_buttons(reply)
            assert open_again["label"] == "Open again"

            expired_reply = h2.discord.ephemeral_replies()[-1]
            opened = await h2.send_component(open_again["custom_id"], message=expired_reply, user=ALICE)

            assert opened.type == 4  # a new menu message
            new_menu = h2.discord.message_for_token(opened.token)
            assert new_menu is not None and not int(new_menu.get("flags") or 0) & 64
            assert new_menu["content"].startswith("**Weapons** · your balance: **40** coins")
            assert "Iron sword** · 60 coins · 4 left" in new_menu["content"]
            session = h2.session(ALICE)
            assert session is not None and session.state == "category"

            # The new menu works like any other.
            await h2.click("My items", message_id=int(new_menu["id"]))
            assert "• Iron sword: 1" in content(h2, int(new_menu["id"]))
    finally:
        await second.close()


async def test_timed_out_menu_is_disabled_and_offers_open_again(store: InventoryDB) -> None:
    async with Harness([inventory.inventory]) as h:
        menu = await open_menu(h, ALICE)
        await h.click("Potions", message_id=menu)

        assert await h.advance(inventory.inventory.timeout + 1) == 1

        held = h.discord.messages[menu]
        assert all(c.get("disabled") for c in components_of(held))
        reply = await h.send_component(button(held, "Refresh")["custom_id"], message=held)
        assert reply.ephemeral_text == EXPIRED
        [open_again] = reply_buttons(reply)
        opened = await h.send_component(
            open_again["custom_id"], message=h.discord.ephemeral_replies()[-1], user=ALICE
        )
        new_menu = h.discord.message_for_token(opened.token)
        assert new_menu is not None and new_menu["content"].startswith("**Potions**")


async def test_a_new_user_opens_at_the_shop(store: InventoryDB) -> None:
    assert await inventory.start_options(BOB) == {}
    async with Harness([inventory.inventory]) as h:
        menu = await open_menu(h, BOB, **await inventory.start_options(BOB))
        assert content(h, menu).startswith("**Shop** · your balance: **100** coins")
        assert h.labels(h.discord.messages[menu]) == ["Potions", "Weapons", "My items", "Close"]
        await h.click("Close", user=BOB, message_id=menu)
        assert content(h, menu) == "Shop closed. Your balance: 100 coins."
        assert components_of(h.discord.messages[menu]) == []


def test_the_flow_definition_compiles() -> None:
    flow = inventory.inventory
    flow.compile()
    assert flow.initial == "shop"
    assert flow.resume is inventory.resume
    assert set(flow.triggers_from("category")) == {"owned", "back"}


def test_the_store_follows_a_new_event_loop(db_path: Path) -> None:
    """Tools may run the flow in a fresh event loop each time; the store reconnects."""
    store = InventoryDB(db_path, catalog=CATALOG)
    asyncio.run(store.purchase(ALICE, "potion"))
    assert asyncio.run(store.purchase_count()) == 1  # a second loop: same file, same data
    asyncio.run(store.close())


async def test_an_in_memory_database_is_created_on_first_use() -> None:
    async with InventoryDB(":memory:", catalog=CATALOG, starting_balance=50) as store:
        assert await store.categories() == ["potions", "weapons"]
        receipt = await store.purchase(BOB, "potion")
        assert (receipt.balance, receipt.stock) == (40, 19)
        assert [item.stock for item in await store.items("potions")] == [19, 1]


async def test_every_way_between_the_screens(store: InventoryDB) -> None:
    """My items from the shop and from a category, Back from both, Close from both (flow coverage
    showed no test crossed these)."""
    async with Harness([inventory.inventory]) as h:
        await open_menu(h, ALICE)
        await h.click("Potions")
        await h.click("Back")
        assert h.session(ALICE).state == "shop"
        await h.click("My items")
        assert h.session(ALICE).state == "owned"
        await h.click("Back")
        await h.click("Potions")
        await h.click("My items")
        assert h.session(ALICE).state == "owned"
        await h.click("Close")
        assert h.session(ALICE) is None
        await open_menu(h, ALICE)
        await h.click("Close")
        assert h.session(ALICE) is None
