"""Switching render modes: one flow moving between an embeds state and a layout state.

The ``mode_switch`` flow (command ``/mode_switch``) shows the same order summary two ways:
``classic`` renders content, an embed and buttons (embeds mode); ``modern`` renders a Components
v2 layout. Each has a button to the other. The engine handles the switch: embeds to layout edits
the message with the ``IS_COMPONENTS_V2`` flag; since Discord never removes that flag, layout
back to embeds needs a new message, and the old one is cleaned up by the flow's cleanup policy.
Both states share the order kept in ``ctx.data``; "Add a coffee" is an action in both modes.
"""

from __future__ import annotations

import hikari

from flowfsm import Button, Context, Flow, Screen
from flowfsm.define.layout import ActionRow, Container, Section, Separator, Text, Thumbnail

switch = Flow("mode_switch", description="One flow, an embeds state and a layout state")

COFFEE_IMAGE = "https://placehold.co/96x96/png?text=%E2%98%95"
PRICE = 3


def order_of(ctx: Context) -> dict[str, int]:
    """The order (item -> count), kept in the session data."""
    return ctx.data.setdefault("order", {"coffee": 1})


def add_coffee(ctx: Context) -> None:
    """Action: one more coffee; the current state re-renders in its own mode."""
    order = order_of(ctx)
    order["coffee"] += 1


@switch.state(initial=True)
def classic(ctx: Context) -> Screen:
    """Embeds mode: content, an embed, buttons."""
    count = order_of(ctx)["coffee"]
    embed = hikari.Embed(title="Your order", description=f"☕ coffee x {count}", color=0x8B5A2B)
    embed.set_thumbnail(COFFEE_IMAGE)
    embed.set_footer(f"total {count * PRICE} €")
    return Screen(
        content="Classic view (embeds)",
        embeds=[embed],
        items=[
            Button("Add a coffee", action=add_coffee, emoji="☕"),
            Button("Modern view", trigger="modern", style=hikari.ButtonStyle.PRIMARY),
        ],
    )


@switch.state()
def modern(ctx: Context) -> Screen:
    """Layout mode: a container with a section, a separator and a row of buttons."""
    count = order_of(ctx)["coffee"]
    return Screen(
        layout=[
            Container(
                [
                    Section(["## Your order", f"☕ coffee x {count}"], Thumbnail(COFFEE_IMAGE, "a coffee")),
                    Separator(),
                    Text(f"-# total {count * PRICE} €"),
                ],
                accent_color=0x8B5A2B,
            ),
            ActionRow(
                [
                    Button("Add a coffee", action=add_coffee, emoji="☕"),
                    Button("Classic view", trigger="classic", style=hikari.ButtonStyle.PRIMARY),
                ]
            ),
        ]
    )


switch.transition("modern", "classic", "modern")
switch.transition("classic", "modern", "classic")


def main() -> None:
    """Run on Discord with ``DISCORD_TOKEN``: /mode_switch."""
    from examples._bot import run_bot

    run_bot([switch])


if __name__ == "__main__":
    main()
