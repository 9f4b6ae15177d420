"""Components v2 pagination: a group of twelve buttons shown four at a time.

The ``layout_paginated`` flow (command ``/layout_paginated``) lets the user pick a month. The
months are a :class:`~flowfsm.define.layout.ButtonGroup` with ``per_page=4``: the engine shows one page
of the group (rows of at most five buttons) with Previous/Next under it, keeps the page number
on the session, and disables Previous on the first page and Next on the last. Each month button
runs an action storing the choice; the layout re-renders on the same page. "Confirm" (outside the
group, in its own row) moves to the final ``chosen`` state.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable

import hikari

from flowfsm import Button, Context, Flow, GuardFailure, Screen
from flowfsm.define.layout import ActionRow, ButtonGroup, Container, Text

paginated = Flow("layout_paginated", description="Components v2: a paginated group of buttons")

MONTHS = list(calendar.month_name)[1:]


def chooser(month: str) -> Callable[[Context], None]:
    """An action choosing ``month``."""

    def choose(ctx: Context) -> None:
        """Remember the month; the page re-renders with it highlighted."""
        ctx.data["month"] = month

    return choose


CHOOSE = {month: chooser(month) for month in MONTHS}


def must_have_chosen(ctx: Context) -> bool:
    """Condition of "confirm": refuse until a month is chosen."""
    if not ctx.data.get("month"):
        raise GuardFailure("Pick a month first.")
    return True


@paginated.state(initial=True)
def pick(ctx: Context) -> Screen:
    """Twelve month buttons, four per page, and Confirm."""
    chosen = ctx.data.get("month")
    months = ButtonGroup(
        [
            Button(
                month,
                action=CHOOSE[month],
                id=f"month.{month.lower()}",
                style=hikari.ButtonStyle.SUCCESS if month == chosen else hikari.ButtonStyle.SECONDARY,
            )
            for month in MONTHS
        ],
        per_page=4,
        id="months",
    )
    return Screen(
        layout=[
            Container(
                [Text("## Pick a month"), Text(f"Chosen: **{chosen}**" if chosen else "Nothing chosen yet.")],
                accent_color=0xFEE75C,
            ),
            months,
            ActionRow([Button("Confirm", trigger="confirm", style=hikari.ButtonStyle.PRIMARY)]),
        ]
    )


@paginated.state(final=True)
def chosen(ctx: Context) -> Screen:
    """The confirmed month."""
    return Screen(layout=[Text(f"You picked **{ctx.data['month']}**.")])


paginated.transition("confirm", "pick", "chosen", conditions=[must_have_chosen])
paginated.sample("chosen", data={"month": "May"})  # for `flowfsm check`, which opens each state on its own


def main() -> None:
    """Run on Discord with ``DISCORD_TOKEN``: /layout_paginated."""
    from examples._bot import run_bot

    run_bot([paginated])


if __name__ == "__main__":
    main()
