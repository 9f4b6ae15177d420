"""Components v2 sections: texts with a button or a thumbnail beside them.

The ``layout_sections`` flow (command ``/layout_sections``) is a settings page. The header is a
:class:`~flowfsm.define.layout.Section` whose accessory is a :class:`~flowfsm.define.layout.Thumbnail` (the
user's avatar); each setting is a section of one to three texts whose accessory is a
:class:`~flowfsm.Button` toggling it (an action: the page re-renders with the new value). A
section's button may also fire a trigger: "Reset…" opens a confirmation state, itself made of
sections.
"""

from __future__ import annotations

from collections.abc import Callable

import hikari

from flowfsm import Button, Context, Flow, Screen
from flowfsm.define.layout import ActionRow, Container, Section, Separator, Thumbnail

sections = Flow(
    "layout_sections", description="Components v2: sections with button and thumbnail accessories"
)

DEFAULT_AVATAR = "https://cdn.discordapp.com/embed/avatars/0.png"
SETTINGS = {
    "dms": ("Direct messages", "Let members of this server message you."),
    "digest": ("Weekly digest", "A summary of what you missed, every Monday."),
    "beta": ("Beta features", "Try new things first. Things may break."),
}


def settings_of(ctx: Context) -> dict[str, bool]:
    """The user's settings, kept in the session data (a real bot would use its database)."""
    return ctx.data.setdefault("settings", {"dms": True, "digest": False, "beta": False})


def toggler(key: str) -> Callable[[Context], None]:
    """An action toggling the setting ``key``."""

    def toggle(ctx: Context) -> None:
        """Flip the setting; the page re-renders afterwards."""
        settings = settings_of(ctx)
        settings[key] = not settings[key]

    return toggle


TOGGLES = {key: toggler(key) for key in SETTINGS}


def reset(ctx: Context) -> None:
    """Transition callback: back to the defaults."""
    ctx.data.pop("settings", None)


@sections.state(initial=True)
def page(ctx: Context) -> Screen:
    """The settings page."""
    avatar = ctx.user.display_avatar_url.url if ctx.user is not None else DEFAULT_AVATAR
    name = ctx.user.display_name if ctx.user is not None else f"user {ctx.user_id}"
    settings = settings_of(ctx)
    rows: list[Section] = []
    for key, (title, blurb) in SETTINGS.items():
        on = settings[key]
        rows.append(
            Section(
                [f"**{title}**", blurb, f"-# currently {'on' if on else 'off'}"],
                Button(
                    "On" if on else "Off",
                    action=TOGGLES[key],
                    id=f"toggle.{key}",
                    style=hikari.ButtonStyle.SUCCESS if on else hikari.ButtonStyle.SECONDARY,
                ),
            )
        )
    return Screen(
        layout=[
            Section([f"## {name}", "Your notification settings"], Thumbnail(avatar, f"{name}'s avatar")),
            Container([*rows], accent_color=0x5865F2),
            Separator(),
            Section(
                ["Start over with the defaults?"],
                Button("Reset…", trigger="reset", style=hikari.ButtonStyle.DANGER),
            ),
        ]
    )


@sections.state()
def confirm(ctx: Context) -> Screen:
    """Confirm the reset."""
    return Screen(
        layout=[
            Container(
                [
                    Section(
                        ["### Reset all settings?", "This cannot be undone."],
                        Thumbnail("https://placehold.co/80x80/png?text=%21", "warning"),
                    ),
                    ActionRow(
                        [
                            Button("Reset", trigger="confirm", style=hikari.ButtonStyle.DANGER),
                            Button("Keep my settings", trigger="keep"),
                        ]
                    ),
                ],
                accent_color=0xED4245,
            )
        ]
    )


sections.transition("reset", "page", "confirm")
sections.transition("confirm", "confirm", "page", before=reset)
sections.transition("keep", "confirm", "page")


def main() -> None:
    """Run on Discord with ``DISCORD_TOKEN``: /layout_sections."""
    from examples._bot import run_bot

    run_bot([sections])


if __name__ == "__main__":
    main()
