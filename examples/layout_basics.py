"""Components v2 basics: text, separators and containers.

The ``layout_basics`` flow (command ``/layout_basics``) shows a status board built from layout
nodes instead of content and embeds: a heading :class:`~flowfsm.define.layout.Text`, a
:class:`~flowfsm.define.layout.Container` with an accent colour holding texts and separators (with and
without a divider line, small and large spacing), a spoiler container, an image gallery, and an
:class:`~flowfsm.define.layout.ActionRow` of buttons. "Refresh" re-renders with new numbers; the colour of
the container follows the load; "Close" moves to the final ``closed`` state, itself a layout.
The engine sends such messages with the ``IS_COMPONENTS_V2`` flag and no content or embeds.
"""

from __future__ import annotations

import random

import hikari

from flowfsm import Button, Context, Flow, Screen
from flowfsm.define.layout import ActionRow, Container, MediaGallery, MediaItem, Separator, Text

basics = Flow("layout_basics", description="Components v2: text, separators, containers")

GREEN, AMBER, RED = 0x57F287, 0xFEE75C, 0xED4245


def measure(ctx: Context) -> dict[str, int]:
    """A fake reading of the servers' load, kept in the session data (plain values only, so that
    a Redis store can keep it: the generator is made again from the seed and the count)."""
    count = ctx.data.get("refreshes", -1) + 1
    seed = ctx.options.get("seed")
    rng = random.Random(None if seed is None else f"{seed}:{count}")
    ctx.data["load"] = {name: rng.randint(5, 99) for name in ("api", "web", "db")}
    ctx.data["refreshes"] = count
    return ctx.data["load"]


def refresh(ctx: Context) -> None:
    """Action: take a new reading; the board re-renders."""
    measure(ctx)


@basics.state(initial=True)
def board(ctx: Context) -> Screen:
    """The status board."""
    load = ctx.data.get("load") or measure(ctx)
    worst = max(load.values())
    colour = GREEN if worst < 60 else AMBER if worst < 85 else RED
    lines = "\n".join(f"`{name:>3}` {'█' * (value // 10):<10} {value}%" for name, value in load.items())
    return Screen(
        layout=[
            Text("# Status board"),
            Container(
                [
                    Text("## Load"),
                    Text(lines),
                    Separator(divider=True, spacing=hikari.SpacingType.LARGE),
                    Text(f"-# refreshed {ctx.data['refreshes']} time(s)"),
                ],
                accent_color=colour,
            ),
            Separator(divider=False),
            Container([Text("Incident notes: the db had a hiccup at 03:12, all fine since.")], spoiler=True),
            MediaGallery(
                [
                    MediaItem("https://placehold.co/600x200/png?text=api", "api graph"),
                    MediaItem("https://placehold.co/600x200/png?text=web", "web graph"),
                ]
            ),
            ActionRow(
                [
                    Button("Refresh", action=refresh, emoji="🔄", style=hikari.ButtonStyle.PRIMARY),
                    Button("Close", trigger="close"),
                    Button("Status page", url="https://example.com/status"),
                ]
            ),
        ]
    )


@basics.state(final=True)
def closed(ctx: Context) -> Screen:
    """The closed board: a layout without items."""
    return Screen(layout=[Container([Text("Status board closed.")], accent_color=0x99AAB5)])


basics.transition("close", "board", "closed")


def main() -> None:
    """Run on Discord with ``DISCORD_TOKEN``: /layout_basics."""
    from examples._bot import run_bot

    run_bot([basics])


if __name__ == "__main__":
    main()
