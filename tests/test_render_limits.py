"""Discord's limits that earn a 400 after the step committed: each is a RenderError before sending.

Every case names the flow, the state and (where there is one) the item; ``flowfsm explore`` reports
them; a screen just inside every limit renders and FakeDiscord accepts it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import hikari
import pytest

from flowfsm import Button, Context, Flow, Screen
from flowfsm.define.layout import ActionRow, MediaGallery, MediaItem, Section, Text, Thumbnail
from flowfsm.define.selects import RoleSelect, SelectOption, TextSelect, UserSelect
from flowfsm.engine.render import render_screen
from flowfsm.errors import RenderError
from flowfsm.tools.explore import explore

LONG_URL = "https://example.com/" + "a" * 2048


def _noop(_ctx: Any, *_args: Any) -> None:
    return None


def _flow(*, back: bool = False) -> Flow:
    flow = Flow("limits")
    flow.add_state("menu", lambda ctx: Screen("menu"), initial=True)
    flow.add_state("sub", lambda ctx: Screen("sub"), returnable=back)
    flow.transition("go", "menu", "sub")
    flow.compile()
    return flow


def _render(screen: Screen, *, reserved: tuple[Button, ...] = ()) -> None:
    render_screen(_flow(), "menu", "abcdefgh", screen, reserved=reserved)


def _embed(**texts: str) -> hikari.Embed:
    embed = hikari.Embed(title=texts.get("title"), description=texts.get("description"))
    if "footer" in texts:
        embed.set_footer(texts["footer"])
    if "author" in texts:
        embed.set_author(name=texts["author"])
    return embed


def _fields(count: int, name: str = "n", value: str = "v") -> hikari.Embed:
    embed = hikari.Embed(title="t")
    for _ in range(count):
        embed.add_field(name, value)
    return embed


def _selects(count: int) -> list[UserSelect]:
    return [UserSelect(action=_noop, id=f"s{i}") for i in range(count)]


BACK = (Button("Back", id="~back", action=_noop),)

CASES: list[tuple[str, Callable[[], Screen], tuple[Button, ...], str]] = [
    ("6 selects", lambda: Screen("x", items=_selects(6)), (), r"item 's5'.*6 selects.*need 6 rows.*allows 5"),
    (
        "5 selects and the reserved row",
        lambda: Screen("x", items=_selects(5)),
        BACK,
        r"item 's4'.*5 selects.*Back/Cancel/page navigation need 6 rows",
    ),
    ("embed title", lambda: Screen(embeds=[_embed(title="t" * 257)]), (), r"embed #0: title is 257.*256"),
    (
        "embed description",
        lambda: Screen(embeds=[_embed(description="d" * 4097)]),
        (),
        r"description is 4097.*4096",
    ),
    ("26 embed fields", lambda: Screen(embeds=[_fields(26)]), (), r"26 fields; Discord allows 25"),
    ("field name", lambda: Screen(embeds=[_fields(1, name="n" * 257)]), (), r"field #0 name is 257.*256"),
    (
        "field value",
        lambda: Screen(embeds=[_fields(1, value="v" * 1025)]),
        (),
        r"field #0 value is 1025.*1024",
    ),
    ("footer", lambda: Screen(embeds=[_embed(title="t", footer="f" * 2049)]), (), r"footer is 2049.*2048"),
    ("author", lambda: Screen(embeds=[_embed(title="t", author="a" * 257)]), (), r"author name is 257.*256"),
    (
        "6000 across embeds",
        lambda: Screen(embeds=[_embed(description="d" * 4000), _embed(description="d" * 2001)]),
        (),
        r"6001 characters in all; Discord allows 6000",
    ),
    (
        "link url",
        lambda: Screen("x", items=[Button("Docs", url="https://example.com/" + "a" * 493, id="docs")]),
        (),
        r"item 'docs'.*link url is 513.*512",
    ),
    (
        "button emoji name",
        lambda: Screen("x", items=[Button("Go", trigger="go", emoji="<:" + "e" * 40 + ":123>", id="go")]),
        (),
        r"item 'go'.*emoji name is 47.*32",
    ),
    (
        "option emoji name",
        lambda: Screen("x", items=[TextSelect([SelectOption("A", emoji="x" * 33)], action=_noop, id="pick")]),
        (),
        r"item 'pick'.*option 'A': emoji name is 33.*32",
    ),
    (
        "gallery url",
        lambda: Screen(layout=[MediaGallery([LONG_URL])]),
        (),
        r"layout\[0\].*item #0: media url is 2068.*2048",
    ),
    (
        "empty gallery description",
        lambda: Screen(layout=[MediaGallery([MediaItem("https://x.io/a.png", description="")])]),
        (),
        r"item #0: description is empty",
    ),
    (
        "thumbnail url",
        lambda: Screen(layout=[Section(["x"], Thumbnail(LONG_URL))]),
        (),
        r"thumbnail: media url is 2068",
    ),
    (
        "empty thumbnail description",
        lambda: Screen(layout=[Section(["x"], Thumbnail("https://x.io/a.png", description=""))]),
        (),
        r"thumbnail: description is empty",
    ),
    (
        "layout link url",
        lambda: Screen(layout=[ActionRow([Button("Docs", url="https://e.com/" + "a" * 499, id="docs")])]),
        (),
        r"item 'docs': link url is 513",
    ),
    (
        "layout emoji",
        lambda: Screen(layout=[Text("x"), ActionRow([Button("Go", trigger="go", emoji="e" * 33)])]),
        (),
        r"emoji name is 33",
    ),
]


@pytest.mark.parametrize(("screen", "reserved", "match"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_limit_is_a_render_error_naming_flow_and_state(
    screen: Callable[[], Screen], reserved: tuple[Button, ...], match: str
) -> None:
    with pytest.raises(RenderError, match=r"^flow 'limits', state 'menu'.*" + match):
        _render(screen(), reserved=reserved)


def test_a_screen_just_inside_every_limit_renders() -> None:
    embed = hikari.Embed(title="t" * 256, description="d" * 1000)
    for _ in range(25):
        embed.add_field("n" * 10, "v" * 100)
    embed.set_footer("f" * 100).set_author(name="a" * 256)
    big = hikari.Embed(description="d" * (6000 - 256 - 1000 - 25 * 110 - 100 - 256))
    _render(
        Screen(
            embeds=[embed, big],
            items=[
                *_selects(3),
                Button("Docs", url="https://example.com/" + "a" * 492),
                Button("Go", trigger="go", emoji="e" * 32),
            ],
        ),
        reserved=BACK,
    )
    _render(Screen("x", items=_selects(5)))
    _render(
        Screen(
            layout=[
                MediaGallery([MediaItem("https://x.io/" + "a" * 2035, description="d")]),
                Section(["x"], Thumbnail("https://x.io/a.png", description="d" * 1024)),
            ]
        )
    )


def test_a_closed_menu_is_checked_too() -> None:
    """A final state's screen has no components but still breaks the limit if it would have."""
    with pytest.raises(RenderError, match="6 selects"):
        render_screen(_flow(), "menu", "abcdefgh", Screen("x", items=_selects(6)), interactive=False)


def _limit_breaking_flow() -> Flow:
    flow = Flow("breaks", description="every state breaks one of Discord's limits")

    @flow.state(initial=True)
    def start(ctx: Context) -> Screen:
        return Screen(
            "start",
            items=[
                Button("Roles", trigger="roles"),
                Button("Link", trigger="link"),
                Button("Card", trigger="card"),
            ],
        )

    @flow.state(returnable=True)
    def card(ctx: Context) -> Screen:
        return Screen(embeds=[hikari.Embed(title="t" * 300)])

    @flow.state(returnable=True)
    def roles(ctx: Context) -> Screen:
        return Screen("pick", items=[RoleSelect(action=_noop, id=f"r{i}") for i in range(5)])

    @flow.state(returnable=True)
    def link(ctx: Context) -> Screen:
        return Screen("docs", items=[Button("Docs", url="https://e.com/" + "a" * 600, id="docs")])

    flow.transition("roles", "start", "roles")
    flow.transition("link", "start", "link")
    flow.transition("card", "start", "card")
    return flow


async def test_explore_reports_each_limit_as_a_finding() -> None:
    report = await explore(_limit_breaking_flow(), depth=2)
    texts = {(f.state, f.problem) for f in report.findings}
    assert any(state == "card" and "embed #0: title is 300" in p for state, p in texts), texts
    assert any(state == "roles" and "5 selects" in p and "need 6 rows" in p for state, p in texts), texts
    assert any(state == "link" and "link url is 614" in p for state, p in texts), texts
    assert all("breaks a Discord limit" in p for _, p in texts), texts


BREAKS = _limit_breaking_flow()
"""The target of the command-line test below."""


def test_the_explore_command_prints_each_limit_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    from flowfsm.tools.cli import main

    code = main(["explore", "tests.test_render_limits:BREAKS", "--depth", "2"])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert sorted(line.split(": ")[0] for line in out) == ["breaks:card", "breaks:link", "breaks:roles"]
    assert all("breaks a Discord limit" in line for line in out), out
