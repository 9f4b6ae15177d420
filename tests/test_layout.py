"""Components v2 layout: the builders' JSON, item indexes, button-group pages, limits, and FakeDiscord.

The "engine" here is a few lines of callbacks, as the real engine will supply: custom ids from
the item index, :func:`~flowfsm.define.layout.button_builder` and :func:`~flowfsm.define.selects.add_select`.
Payloads go through hikari's REST client to FakeDiscord, which enforces Discord's component limits.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import hikari
import pytest

from examples.layout_basics import basics
from examples.layout_navigation import helpdesk
from examples.layout_paginated import paginated
from examples.layout_sections import sections
from examples.mode_switch import switch
from flowfsm.define.layout import (
    ActionRow,
    ButtonGroup,
    Container,
    File,
    LayoutNode,
    MediaGallery,
    MediaItem,
    Section,
    Separator,
    Text,
    Thumbnail,
    build_layout,
    button_builder,
    component_count,
    iter_items,
    layout_problems,
)
from flowfsm.define.screen import Button
from flowfsm.define.selects import Select, TextSelect, UserSelect, add_select, values_from
from flowfsm.testing import Harness, payloads
from flowfsm.testing.discord_api import FakeDiscord

CHANNEL = 222
USER = 777
PREFIX = "ff:layout:abcdefgh:0:"


def noop(ctx: Any, values: list[str]) -> None:
    """A select action that does nothing."""


@dataclass
class Engine:
    """Callbacks standing in for the engine: custom ids from ids or indexes; a fixed group page."""

    page: int = 0
    disabled: bool = False
    calls: list[tuple[Button | Select, int | None]] = field(default_factory=list)

    def button(self, button: Button, index: int | None) -> hikari.api.ButtonBuilder:
        self.calls.append((button, index))
        key = button.id or str(index)
        return button_builder(button, PREFIX + key, disabled=self.disabled)

    def select(self, select: Select, index: int) -> hikari.api.SelectMenuBuilder:
        self.calls.append((select, index))
        return add_select(None, select, PREFIX + (select.id or str(index)), disabled=self.disabled)

    def group_page(self, group: ButtonGroup) -> tuple[int, Sequence[Button]]:
        _, has_prev, has_next = group.page(self.page)
        return self.page, [
            Button("← Previous", id=f"{group.id}.prev", trigger="prev", disabled=not has_prev),
            Button("Next →", id=f"{group.id}.next", trigger="next", disabled=not has_next),
        ]

    def build(self, nodes: Sequence[LayoutNode]) -> list[dict[str, Any]]:
        built = build_layout(nodes, button=self.button, select=self.select, group_page=self.group_page)
        return [dict(component.build()[0]) for component in built]

    def builders(self, nodes: Sequence[LayoutNode]) -> list[hikari.api.ComponentBuilder]:
        return build_layout(nodes, button=self.button, select=self.select, group_page=self.group_page)


def tree_size(components: Sequence[dict[str, Any]]) -> int:
    """Components in a JSON tree, counted as Discord does (nested ones and accessories included)."""
    total = 0
    for node in components:
        total += 1 + tree_size(node.get("components") or [])
        if isinstance(node.get("accessory"), dict):
            total += 1
    return total


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


GROUP = ButtonGroup([Button(f"Item {i}", trigger="pick", id=f"item{i}") for i in range(12)], per_page=4)

FULL: list[LayoutNode] = [
    Text("# Profile"),
    Container(
        [
            Text("Inside the box"),
            Section(["one", Text("two")], Button("Edit", trigger="edit", style=hikari.ButtonStyle.PRIMARY)),
            Separator(divider=False, spacing=hikari.SpacingType.LARGE),
            MediaGallery(
                ["https://example.com/a.png", MediaItem("attachment://b.png", "B side", spoiler=True)]
            ),
            File("attachment://notes.txt", spoiler=True),
            ActionRow([UserSelect(placeholder="Who?", default_values=[555], action=noop)]),
        ],
        accent_color=0x5865F2,
        spoiler=True,
    ),
    Section(["with a thumbnail"], Thumbnail("https://example.com/t.png", "alt", spoiler=True)),
    Separator(),
    ActionRow([Button("Save", trigger="save", emoji="💾"), Button("Docs", url="https://example.com/docs")]),
    GROUP,
]


# ---------------------------------------------------------------------- dataclasses


def test_nodes_are_frozen_with_tuples() -> None:
    container = Container([Text("a")], accent_color=0xFF0000)
    assert isinstance(container.children, tuple)
    assert isinstance(Section(["a"], Thumbnail("https://x")).texts, tuple)
    assert isinstance(MediaGallery(["https://x"]).items, tuple)
    assert MediaGallery(["https://x"]).media == (MediaItem("https://x"),)
    with pytest.raises(AttributeError):
        container.spoiler = True  # type: ignore[misc]
    assert Separator() == Separator(divider=True, spacing=hikari.SpacingType.SMALL)
    assert ButtonGroup([]).per_page == 5 and ButtonGroup([]).id == "group"


def test_button_group_pages() -> None:
    assert GROUP.pages == 3
    buttons, has_prev, has_next = GROUP.page(0)
    assert [b.label for b in buttons] == ["Item 0", "Item 1", "Item 2", "Item 3"]
    assert (has_prev, has_next) == (False, True)
    buttons, has_prev, has_next = GROUP.page(1)
    assert [b.id for b in buttons] == ["item4", "item5", "item6", "item7"] and has_prev and has_next
    buttons, has_prev, has_next = GROUP.page(2)
    assert [b.id for b in buttons] == ["item8", "item9", "item10", "item11"]
    assert (has_prev, has_next) == (True, False)
    assert GROUP.page(9) == GROUP.page(2) and GROUP.page(-1) == GROUP.page(0)  # clamped
    odd = ButtonGroup([Button(str(i), trigger="t") for i in range(5)], per_page=2)
    assert odd.pages == 3 and [b.label for b in odd.page(2)[0]] == ["4"]
    assert ButtonGroup([]).pages == 1 and ButtonGroup([]).page(0) == ([], False, False)


def test_iter_items_in_document_order() -> None:
    items = list(iter_items(FULL))
    section_button = cast(Section, cast(Container, FULL[1]).children[1]).accessory
    select = cast(ActionRow, cast(Container, FULL[1]).children[5]).items[0]
    row = cast(ActionRow, FULL[4]).items
    assert items[:4] == [section_button, select, *row]
    assert items[4:] == list(GROUP.buttons)  # every button of the group, not just one page
    assert len(items) == 16


# ---------------------------------------------------------------------- payloads


def test_full_layout_payload() -> None:
    engine = Engine(page=1)
    top = engine.build(FULL)
    assert [c["type"] for c in top] == [10, 17, 9, 14, 1, 1, 1]
    assert top[0] == {"type": 10, "content": "# Profile"}
    box = top[1]
    assert box["accent_color"] == 0x5865F2 and box["spoiler"] is True
    assert [c["type"] for c in box["components"]] == [10, 9, 14, 12, 13, 1]
    section = box["components"][1]
    assert [t["content"] for t in section["components"]] == ["one", "two"]
    assert section["accessory"] == {
        "type": 2,
        "style": 1,
        "disabled": False,
        "label": "Edit",
        "custom_id": PREFIX + "0",
    }
    assert box["components"][2] == {"type": 14, "spacing": 2, "divider": False}
    assert box["components"][3]["items"] == [
        {"media": {"url": "https://example.com/a.png"}, "spoiler": False},
        {"media": {"url": "attachment://b.png"}, "spoiler": True, "description": "B side"},
    ]
    assert box["components"][4] == {"type": 13, "spoiler": True, "file": {"url": "attachment://notes.txt"}}
    [menu] = box["components"][5]["components"]
    assert menu["type"] == 5 and menu["custom_id"] == PREFIX + "1"
    assert menu["default_values"] == [{"id": "555", "type": "user"}] and menu["placeholder"] == "Who?"
    assert top[2]["accessory"] == {
        "type": 11,
        "media": {"url": "https://example.com/t.png"},
        "spoiler": True,
        "description": "alt",
    }
    assert top[3] == {"type": 14, "spacing": 1, "divider": True}
    save, docs = top[4]["components"]
    assert save["custom_id"] == PREFIX + "2" and save["emoji"] == {"name": "💾"}
    assert docs == {
        "type": 2,
        "style": 5,
        "disabled": False,
        "label": "Docs",
        "url": "https://example.com/docs",
    }
    page_row, nav_row = top[5], top[6]
    assert [b["custom_id"] for b in page_row["components"]] == [PREFIX + f"item{i}" for i in range(4, 8)]
    assert [(b["custom_id"], b["disabled"]) for b in nav_row["components"]] == [
        (PREFIX + "group.prev", False),
        (PREFIX + "group.next", False),
    ]


def test_callbacks_get_iter_items_indexes() -> None:
    engine = Engine(page=2)
    engine.build(FULL)
    items = list(iter_items(FULL))
    indexed = [(item, index) for item, index in engine.calls if index is not None]
    assert [index for _, index in indexed] == [0, 1, 2, 3, 12, 13, 14, 15]
    assert all(items[index] is item for item, index in indexed)
    nav = [item for item, index in engine.calls if index is None]
    assert [b.id for b in nav if isinstance(b, Button)] == ["group.prev", "group.next"]


def test_group_without_ids_uses_positions_and_clamps_the_page() -> None:
    group = ButtonGroup([Button(f"B{i}", trigger="t") for i in range(7)], per_page=3, id="g")
    engine = Engine(page=5)  # beyond the last page: the last page is shown
    rows = engine.build([Text("x"), group])
    assert [b["label"] for b in rows[1]["components"]] == ["B6"]
    assert rows[1]["components"][0]["custom_id"] == PREFIX + "6"
    assert [b["disabled"] for b in rows[2]["components"]] == [False, True]  # page 5 clamps to the last


def test_wide_pages_fill_rows_of_five_and_nav_can_be_left_out() -> None:
    group = ButtonGroup([Button(f"B{i}", trigger="t") for i in range(12)], per_page=12)
    built = build_layout(
        [group],
        button=lambda b, i: button_builder(b, f"c{i}"),
        select=lambda s, i: add_select(None, s, f"c{i}"),
        group_page=lambda g: (0, ()),
    )
    rows = [dict(c.build()[0]) for c in built]
    assert [len(r["components"]) for r in rows] == [5, 5, 2]
    assert rows[2]["components"][1]["custom_id"] == "c11"


def test_disabled_menu_greys_interactive_items_but_not_links() -> None:
    top = Engine(disabled=True).build(FULL)
    save, docs = top[4]["components"]
    assert save["disabled"] is True and docs["disabled"] is False
    assert top[1]["components"][5]["components"][0]["disabled"] is True
    assert top[1]["components"][1]["accessory"]["disabled"] is True


def test_container_colour_forms_and_select_row() -> None:
    for colour in (0x00FF00, "#00FF00", (0, 255, 0), hikari.Color(0x00FF00)):
        [box] = Engine().build([Container([Text("x")], accent_color=colour)])
        assert box["accent_color"] == 0x00FF00
    [plain] = Engine().build([Container([Text("x")])])
    assert "accent_color" not in plain and plain["spoiler"] is False
    [row] = Engine().build([ActionRow([TextSelect(["a", "b"], id="pick", action=noop)])])
    assert row["components"][0]["type"] == 3 and row["components"][0]["custom_id"] == PREFIX + "pick"


def test_button_builder() -> None:
    link = button_builder(Button("Docs", url="https://example.com"), None)
    assert isinstance(link, hikari.api.LinkButtonBuilder) and link.url == "https://example.com"
    interactive = button_builder(Button(emoji="✅", trigger="ok", disabled=True), "cid")
    assert isinstance(interactive, hikari.api.InteractiveButtonBuilder) and interactive.custom_id == "cid"
    assert interactive.is_disabled and interactive.label is hikari.UNDEFINED
    with pytest.raises(ValueError, match="needs a custom id"):
        button_builder(Button("Go", trigger="go"), None)


@pytest.mark.parametrize(
    ("nodes", "message"),
    [
        ([Thumbnail("https://x")], "screen 'x': layout[0]: a thumbnail can only be a Section accessory"),
        (
            [Container([Container([Text("x")])])],
            "screen 'x': layout[0].children[0]: containers cannot be nested",
        ),
        (["text"], "screen 'x': layout[0]: str is not a layout node"),
    ],
)
def test_build_layout_refuses_what_cannot_be_built(nodes: list[Any], message: str) -> None:
    engine = Engine()
    with pytest.raises(ValueError) as caught:
        build_layout(
            nodes,
            button=engine.button,
            select=engine.select,
            group_page=engine.group_page,
            where="screen 'x'",
        )
    assert str(caught.value) == message


# ---------------------------------------------------------------------- limits


def test_valid_layouts_have_no_problems() -> None:
    assert layout_problems(FULL) == []
    assert layout_problems([Section(["a", "b", "c"], Button("Go", trigger="go"))]) == []
    assert layout_problems([MediaGallery([f"https://example.com/{i}.png" for i in range(10)])]) == []
    assert layout_problems([ActionRow([Button(str(i), trigger="t", id=f"b{i}") for i in range(5)])]) == []
    assert layout_problems([Text("x" * 4000)]) == []
    assert layout_problems([ActionRow([Button("Wait", disabled=True)])]) == []


def _buttons(count: int) -> list[Button]:
    return [Button(f"B{i}", trigger="t") for i in range(count)]


@pytest.mark.parametrize(
    ("nodes", "expected"),
    [
        ([], "layout: a layout needs at least one component"),
        ([Text("")], "layout[0] (Text): a text needs some content"),
        (
            [Text("x" * 2000), Section(["y" * 2001], Thumbnail("https://x"))],
            "layout: 4001 characters of text",
        ),
        ([Text(str(i)) for i in range(41)], "layout: 41 components; Discord allows 40"),
        (
            [ButtonGroup(_buttons(30), per_page=25), *[Text(str(i)) for i in range(8)]],
            "layout: 41 components; Discord allows 40",
        ),
        ([Section([], Thumbnail("https://x"))], "layout[0] (Section): a section holds 1-3 texts, got 0"),
        ([Section(["a", "b", "c", "d"], Thumbnail("https://x"))], "layout[0] (Section): a section holds 1-3"),
        ([Section([""], Thumbnail("https://x"))], "layout[0] (Section): text #0 is empty"),
        ([Section(["a"], Text("b"))], "layout[0] (Section): the accessory must be a Button or a Thumbnail"),  # type: ignore[arg-type]
        ([Section(["a"], Button("Go"))], "layout[0] (Section): accessory: a button needs a trigger"),
        ([Section(["a"], Thumbnail("ftp://x"))], "layout[0] (Section): thumbnail: media url must start with"),
        (
            [Section(["a"], Thumbnail("https://x", "d" * 1025))],
            "layout[0] (Section): thumbnail: description is 1025 characters; Discord allows 1024",
        ),
        ([Thumbnail("https://x")], "layout[0] (Thumbnail): a thumbnail can only be a Section accessory"),
        (
            [Container([Thumbnail("https://x")])],
            "layout[0].children[0] (Thumbnail): a thumbnail can only be a Section accessory",
        ),
        (
            [Container([Container([Text("x")])])],
            "layout[0].children[0] (Container): containers cannot be nested",
        ),
        ([Container([])], "layout[0] (Container): a container needs at least one child"),
        ([Container([Text("x")], accent_color="nope")], "layout[0] (Container): accent_color 'nope' is not"),
        ([Separator(spacing=3)], "layout[0] (Separator): spacing 3 is not a hikari.SpacingType"),  # type: ignore[arg-type]
        ([MediaGallery([])], "layout[0] (MediaGallery): a media gallery has 0 items; Discord allows 1-10"),
        ([MediaGallery(["https://x"] * 11)], "layout[0] (MediaGallery): a media gallery has 11 items"),
        ([MediaGallery(["x.png"])], "layout[0] (MediaGallery): item #0: media url must start with"),
        (
            [MediaGallery([MediaItem("https://x", "d" * 1025)])],
            "layout[0] (MediaGallery): item #0: description is 1025 characters",
        ),
        ([File("https://example.com/a.txt")], "layout[0] (File): a file url is 'attachment://<filename>'"),
        ([File("attachment://")], "layout[0] (File): a file url is 'attachment://<filename>'"),
        ([ActionRow([])], "layout[0] (ActionRow): an action row needs 1-5 buttons or one select"),
        ([ActionRow(_buttons(6))], "layout[0] (ActionRow): an action row holds at most 5 buttons, got 6"),
        (
            [ActionRow([*_buttons(1), UserSelect(trigger="t")])],
            "layout[0] (ActionRow): a select fills its action row alone; this row has 2 items",
        ),
        (
            [ActionRow([UserSelect(trigger="t", action=noop)])],
            "layout[0] (ActionRow): item 'user select': give a select a trigger or an action, not both",
        ),
        (
            [ActionRow([Button("x" * 81, trigger="t")])],
            "layout[0] (ActionRow): item '" + "x" * 81 + "': label is 81",
        ),
        (
            [ActionRow([Button(trigger="t")])],
            "layout[0] (ActionRow): item '?': a button needs a label or an emoji",
        ),
        (
            [ActionRow([Button("L", url="https://x", trigger="t")])],
            "layout[0] (ActionRow): item 'L': a link button cannot also have a trigger or an action",
        ),
        (
            [ActionRow([Button("L", url="ftp://x")])],
            "layout[0] (ActionRow): item 'L': link url must start with",
        ),
        (
            [ActionRow([Button("B", trigger="t", action=print)])],
            "layout[0] (ActionRow): item 'B': give a button a trigger or an action, not both",
        ),
        (
            [ActionRow([Button("B", trigger="t", style=hikari.ButtonStyle.LINK)])],
            "layout[0] (ActionRow): item 'B': style LINK needs url=...",
        ),
        (
            [ActionRow([Button("B", trigger="t", id="9")])],
            "layout[0] (ActionRow): item '9': id '9': an item id",
        ),
        ([ActionRow([Text("x")])], "layout[0] (ActionRow): item '#0': Text is not a Button or a select"),  # type: ignore[list-item]
        ([ButtonGroup([])], "layout[0] (ButtonGroup): a button group needs at least one button"),
        (
            [ButtonGroup(_buttons(2), per_page=0)],
            "layout[0] (ButtonGroup): per_page is 0; it must be at least 1",
        ),
        ([ButtonGroup(_buttons(2), id="a b")], "layout[0] (ButtonGroup): group id 'a b'"),
        ([ButtonGroup([Button("B")])], "layout[0] (ButtonGroup): button #0: a button needs a trigger"),
        (
            [ButtonGroup(_buttons(2), id="a"), Container([ButtonGroup(_buttons(2), id="b")])],
            "layout: 2 button groups; a layout has at most one",
        ),
        ([Button("Loose", trigger="t")], "layout[0] (Button): put buttons and selects in an ActionRow"),
        ([UserSelect(trigger="t")], "layout[0] (UserSelect): put buttons and selects in an ActionRow"),
        (["text"], "layout[0] (str): not a layout node"),
        (
            [ActionRow([Button("A", trigger="t", id="x")]), Section(["s"], Button("B", trigger="t", id="x"))],
            "layout: two items or groups share the id 'x'",
        ),
        (
            [ButtonGroup(_buttons(2), id="g"), ActionRow([Button("A", trigger="t", id="g")])],
            "layout: two items or groups share the id 'g'",
        ),
    ],
)
def test_limit_violations_are_reported(nodes: list[Any], expected: str) -> None:
    problems = layout_problems(nodes)
    assert any(p.startswith(expected) for p in problems), problems


def test_component_count_matches_the_built_tree() -> None:
    for page in range(GROUP.pages):
        built = Engine(page=page).build(FULL)
        assert tree_size(built) == component_count(FULL) == 27
    assert component_count([Section(["a", "b"], Thumbnail("https://x"))]) == 4
    assert component_count([Container([ActionRow(_buttons(3)), Separator()])]) == 6


# ---------------------------------------------------------------------- against FakeDiscord and hikari


async def test_fake_discord_accepts_a_full_layout(bot: hikari.GatewayBot, server: FakeDiscord) -> None:
    files = [hikari.Bytes(b"hello", "notes.txt"), hikari.Bytes(b"\x89PNG", "b.png")]
    sent = await bot.rest.create_message(
        CHANNEL,
        components=Engine(page=1).builders(FULL),
        attachments=files,
        flags=hikari.MessageFlag.IS_COMPONENTS_V2,
    )
    request = server.requests[-1]
    assert request.json["flags"] == payloads.IS_COMPONENTS_V2 and "content" not in request.json
    # only the two real files are uploaded: http(s) and attachment:// media urls are sent as urls
    assert request.json["attachments"] == [{"id": 0, "filename": "notes.txt"}, {"id": 1, "filename": "b.png"}]
    stored = server.messages[sent.id]
    assert stored["flags"] == payloads.IS_COMPONENTS_V2
    assert tree_size(stored["components"]) == component_count(FULL)
    assert sent.flags & hikari.MessageFlag.IS_COMPONENTS_V2
    box = sent.components[1]
    assert isinstance(box, hikari.ContainerComponent) and box.accent_color == hikari.Color(0x5865F2)
    assert box.is_spoiler


async def test_forty_components_pass_and_forty_one_fail_in_both(bot: hikari.GatewayBot) -> None:
    fits = [Text(str(i)) for i in range(38)] + [ActionRow(_buttons(1))]
    assert component_count(fits) == 40 and layout_problems(fits) == []
    await bot.rest.create_message(
        CHANNEL, components=Engine().builders(fits), flags=hikari.MessageFlag.IS_COMPONENTS_V2
    )
    too_many = [*fits, Separator()]
    assert any("41 components" in p for p in layout_problems(too_many))
    with pytest.raises(hikari.BadRequestError) as caught:
        await bot.rest.create_message(
            CHANNEL,
            components=Engine().builders(too_many),
            flags=hikari.MessageFlag.IS_COMPONENTS_V2,
        )
    assert "COMPONENT_MAX_TOTAL_COMPONENTS_EXCEEDED" in str(caught.value.errors)


async def test_a_layout_of_rows_only_still_needs_the_flag(
    bot: hikari.GatewayBot, server: FakeDiscord
) -> None:
    rows = Engine().builders([ActionRow(_buttons(2))])
    sent = await bot.rest.create_message(CHANNEL, components=rows)
    assert server.messages[sent.id]["flags"] == 0  # hikari adds the flag only for v2 component types
    sent = await bot.rest.create_message(CHANNEL, components=rows, flags=hikari.MessageFlag.IS_COMPONENTS_V2)
    assert server.messages[sent.id]["flags"] == payloads.IS_COMPONENTS_V2


async def test_clicks_on_a_layout_come_back_with_our_custom_ids(
    bot: hikari.GatewayBot, server: FakeDiscord
) -> None:
    sent = await bot.rest.create_message(
        CHANNEL,
        components=Engine().builders([FULL[1], FULL[4]]),
        attachments=[hikari.Bytes(b"x", "notes.txt"), hikari.Bytes(b"y", "b.png")],
        flags=hikari.MessageFlag.IS_COMPONENTS_V2,
    )
    message = server.messages[sent.id]
    click = bot.entity_factory.deserialize_interaction(
        payloads.component_interaction(
            interaction_id=1, token="t", user_id=USER, custom_id=PREFIX + "0", message=message
        )
    )
    assert isinstance(click, hikari.ComponentInteraction) and click.custom_id == PREFIX + "0"
    section = cast(hikari.ContainerComponent, click.message.components[0]).components[1]
    assert isinstance(section, hikari.SectionComponent)
    assert isinstance(section.accessory, hikari.ButtonComponent)
    assert section.accessory.custom_id == PREFIX + "0"
    chosen = bot.entity_factory.deserialize_interaction(
        payloads.component_interaction(
            interaction_id=2,
            token="t2",
            user_id=USER,
            custom_id=PREFIX + "1",
            message=message,
            component_type=5,
            values=["555"],
            resolved={"users": {"555": payloads.user(555)}},
        )
    )
    assert isinstance(chosen, hikari.ComponentInteraction) and values_from(chosen) == ["555"]


# ---------------------------------------------------------------------- the examples, end to end


def menu(h: Harness) -> dict[str, Any]:
    """The menu message as FakeDiscord holds it (the session's current message when it moved)."""
    session = h.session()
    moved = session.message_id if session is not None and session.message_id is not None else None
    message = h.discord.messages.get(moved) if moved is not None else h.message
    assert message is not None
    return message


def types(nodes: list[dict[str, Any]]) -> list[int]:
    """The component types of a list of components."""
    return [n["type"] for n in nodes]


async def test_layout_basics_example() -> None:
    async with Harness([basics]) as h:
        await h.command("layout_basics", options={"seed": 1})
        msg = menu(h)
        assert msg["flags"] & payloads.IS_COMPONENTS_V2 and msg["content"] == "" and msg["embeds"] == []
        assert types(msg["components"]) == [10, 17, 14, 17, 12, 1]
        assert msg["components"][3]["spoiler"] is True
        before = msg["components"][1]["components"][3]["content"]
        await h.click("Refresh")
        assert menu(h)["components"][1]["components"][3]["content"] != before
        await h.click("Close")
        assert types(menu(h)["components"]) == [17] and h.session() is None


async def test_layout_sections_example() -> None:
    async with Harness([sections]) as h:
        await h.command("layout_sections")
        msg = menu(h)
        assert msg["components"][0]["accessory"]["type"] == 11
        box = msg["components"][1]
        assert [s["accessory"]["label"] for s in box["components"]] == ["On", "Off", "Off"]
        await h.click("Off")  # the digest
        assert [s["accessory"]["label"] for s in menu(h)["components"][1]["components"]] == [
            "On",
            "On",
            "Off",
        ]
        await h.click("Reset…")
        await h.click("Reset")
        assert h.session().state == "page"
        assert [s["accessory"]["label"] for s in menu(h)["components"][1]["components"]] == [
            "On",
            "Off",
            "Off",
        ]


async def test_layout_navigation_example() -> None:
    async with Harness([helpdesk]) as h:
        await h.command("layout_navigation")
        assert h.labels() == ["Open", "Open", "Open", "Close"]
        await h.click("Open")
        assert h.session().state == "billing"
        await h.click("Account")
        assert h.session().state == "account"
        await h.click("Search")
        await h.select(["privacy"])
        assert h.session().state == "privacy"
        await h.click("Home")
        await h.click("Close")
        assert h.session() is None


async def test_mode_switch_example() -> None:
    async with Harness([switch]) as h:
        await h.command("mode_switch")
        assert (
            menu(h)["content"] == "Classic view (embeds)" and not menu(h)["flags"] & payloads.IS_COMPONENTS_V2
        )
        await h.click("Modern view")
        msg = menu(h)
        assert msg["flags"] & payloads.IS_COMPONENTS_V2 and msg["content"] == "" and msg["embeds"] == []
        await h.click("Add a coffee")
        assert "x 2" in menu(h)["components"][0]["components"][0]["components"][1]["content"]
        old = menu(h)
        await h.click("Classic view")
        # Discord never removes the v2 flag: the engine posts a new message for the embeds state
        new = h.discord.messages[h.session().message_id]
        assert (
            new["embeds"][0]["description"].endswith("x 2") and not new["flags"] & payloads.IS_COMPONENTS_V2
        )
        assert int(new["id"]) != int(old["id"])


async def test_layout_paginated_example() -> None:
    async with Harness([paginated]) as h:
        await h.command("layout_paginated")
        assert h.labels()[:4] == ["January", "February", "March", "April"]
        refused = await h.click("Confirm")
        assert refused.ephemeral_text == "Pick a month first."
        assert h.labels()[4:] == ["← Previous", "Next →", "Confirm"]
        assert h.button("← Previous")["disabled"] is True
        await h.click("Next →")
        assert h.labels()[:4] == ["May", "June", "July", "August"]
        await h.click("June")
        assert h.session().data["month"] == "June"
        assert h.labels()[:4] == ["May", "June", "July", "August"]
        await h.click("Confirm")
        assert h.session() is None
