"""Navigation: history across tracked and untracked states, Back, and a fallback.

``main`` and ``settings`` are tracked: leaving them pushes them on the history stack, so Back
from ``profile`` returns to ``settings``, then to ``main``. The confirmation dialog
``confirm_delete`` is not tracked, so Back from ``deleted`` skips it and lands on ``main``.
``profile`` can also be opened directly by its own command (``/profile``): its history is
empty then, and Back goes to its fallback, ``main``, with options saying where the user came from.
"""

from __future__ import annotations

import hikari

from flowfsm import Button, Context, Flow, Screen

nav = Flow("navigation", command="menu", description="Main menu, settings, profile, back and fallback")


@nav.state(initial=True, tracked=True)
def main(ctx: Context) -> Screen:
    """The main menu."""
    came_from = ctx.state_options.get("from")
    greeting = f"Main menu (back from {came_from})" if came_from else "Main menu"
    return Screen(
        greeting,
        items=[
            Button("Settings", trigger="settings", emoji="⚙️"),
            Button("Delete my data", trigger="delete", style=hikari.ButtonStyle.DANGER),
        ],
    )


@nav.state(tracked=True, returnable=True)
def settings(ctx: Context) -> Screen:
    """Settings: leads on to the profile."""
    return Screen("Settings", items=[Button("Profile", trigger="profile")])


@nav.state(returnable=True, cancellable=True, fallback="main", fallback_options={"from": "profile"})
def profile(ctx: Context) -> Screen:
    """The user's profile; Back goes to the previous tracked state, or to main when opened directly."""
    trail = " → ".join(ctx.history) or "nothing"
    return Screen(f"Profile of <@{ctx.user_id}>. Back returns to: {trail}.")


@nav.state()
def confirm_delete(ctx: Context) -> Screen:
    """An untracked confirmation dialog: Back never returns here."""
    return Screen(
        "Really delete your data?",
        items=[
            Button("Yes, delete", trigger="confirm", style=hikari.ButtonStyle.DANGER),
            Button("No", trigger="abort"),
        ],
    )


@nav.state(returnable=True)
def deleted(ctx: Context) -> Screen:
    """Done; Back skips the confirmation."""
    return Screen("Your data was deleted.")


nav.transition("settings", "main", "settings")
nav.transition("profile", "settings", "profile")
nav.transition("delete", "main", "confirm_delete")
nav.transition("confirm", "confirm_delete", "deleted")
nav.transition("abort", "confirm_delete", "main")


def main_bot() -> None:
    """Run on Discord: /menu opens the main menu, /profile opens the profile directly."""
    from examples._bot import run_bot

    run_bot([nav], starts={"profile": (nav, "profile")})


if __name__ == "__main__":
    main_bot()
