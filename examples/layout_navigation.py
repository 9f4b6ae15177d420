"""Components v2 navigation: moving between layout states with triggers.

The ``layout_navigation`` flow (command ``/layout_navigation``) is a small help centre, every
state a layout. ``home`` lists the topics as sections whose buttons fire triggers (``topic_*``);
each topic page links to the next topic and back home; ``search`` is reached from any topic
(source ``"*"``-style list) and offers the topics in a text select that fires a trigger per
choice through an action. ``bye`` is final. Each move edits the same message: the engine
re-renders the new state's layout in place.
"""

from __future__ import annotations

import hikari

from flowfsm import Button, Context, Flow, Screen
from flowfsm.define.layout import ActionRow, Container, Section, Separator, Text
from flowfsm.define.selects import SelectOption, TextSelect

helpdesk = Flow("layout_navigation", description="Components v2: navigation between layout states")

TOPICS = {
    "billing": ("💳", "Billing", "Invoices, refunds and payment methods.", 0x57F287),
    "account": ("👤", "Account", "Sign-in, two-factor authentication and deleting your account.", 0x5865F2),
    "privacy": ("🔒", "Privacy", "What we store, for how long, and how to export it.", 0xEB459E),
}
ORDER = list(TOPICS)


def topic_page(key: str) -> Screen:
    """One topic: a coloured container, links to the next topic, search and home."""
    emoji, title, blurb, colour = TOPICS[key]
    following = ORDER[(ORDER.index(key) + 1) % len(ORDER)]
    return Screen(
        layout=[
            Container(
                [
                    Text(f"# {emoji} {title}"),
                    Text(blurb),
                    Separator(),
                    Section(
                        [f"Next: **{TOPICS[following][1]}**"],
                        Button(
                            TOPICS[following][1], trigger=f"topic_{following}", emoji=TOPICS[following][0]
                        ),
                    ),
                ],
                accent_color=colour,
            ),
            ActionRow(
                [
                    Button("Home", trigger="home", emoji="🏠"),
                    Button("Search", trigger="search", emoji="🔎"),
                ]
            ),
        ]
    )


@helpdesk.state(initial=True)
def home(ctx: Context) -> Screen:
    """The list of topics."""
    return Screen(
        layout=[
            Text("# Help centre"),
            Text("Pick a topic."),
            Container(
                [
                    Section([f"**{title}**", blurb], Button("Open", trigger=f"topic_{key}", emoji=emoji))
                    for key, (emoji, title, blurb, _) in TOPICS.items()
                ]
            ),
            ActionRow([Button("Close", trigger="bye", style=hikari.ButtonStyle.DANGER)]),
        ]
    )


@helpdesk.state()
def billing(ctx: Context) -> Screen:
    """The billing topic."""
    return topic_page("billing")


@helpdesk.state()
def account(ctx: Context) -> Screen:
    """The account topic."""
    return topic_page("account")


@helpdesk.state()
def privacy(ctx: Context) -> Screen:
    """The privacy topic."""
    return topic_page("privacy")


async def go_to_topic(ctx: Context, values: list[str]) -> None:
    """Select action: fire the chosen topic's trigger."""
    await ctx.fire(f"topic_{values[0]}")


@helpdesk.state()
def search(ctx: Context) -> Screen:
    """Jump to a topic by choosing it in a select."""
    return Screen(
        layout=[
            Text("## Search"),
            ActionRow(
                [
                    TextSelect(
                        [
                            SelectOption(title, key, description=blurb, emoji=emoji)
                            for key, (emoji, title, blurb, _) in TOPICS.items()
                        ],
                        placeholder="Jump to a topic",
                        action=go_to_topic,
                        id="jump",
                    )
                ]
            ),
            ActionRow([Button("Home", trigger="home", emoji="🏠")]),
        ]
    )


@helpdesk.state(final=True)
def bye(ctx: Context) -> Screen:
    """Closed."""
    return Screen(layout=[Text("Help centre closed. Run /layout_navigation to open it again.")])


for index, topic in enumerate(ORDER):
    # Reached from home, from search, and from the topic whose page links to it (the one before):
    # flow coverage showed the other topic-to-topic transitions had no button to fire them.
    helpdesk.transition(f"topic_{topic}", ["home", "search", ORDER[index - 1]], topic)
helpdesk.transition("home", [*ORDER, "search"], "home")
helpdesk.transition("search", ORDER, "search")
helpdesk.transition("bye", "home", "bye")


def main() -> None:
    """Run on Discord with ``DISCORD_TOKEN``: /layout_navigation."""
    from examples._bot import run_bot

    run_bot([helpdesk])


if __name__ == "__main__":
    main()
