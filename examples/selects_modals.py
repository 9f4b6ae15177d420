"""Selects and modals: a profile editor with all five select kinds and two modals.

States of the ``profile`` flow (command ``/profile``):

- ``card`` (initial): the profile as an embed; a text select of favourite colours (several
  allowed, the current ones pre-selected); "Edit bio" and "Edit links" open modals (the modal is
  the click's initial response); "People & places" goes to ``more``; "Done" ends the session.
- ``more``: a user select (best friend), a role select (roles to ping, up to three), a
  mentionable select (who to notify) and a channel select (text channels only), each pre-filled
  with the current choice, and Back. Four selects and a row of buttons: five rows, Discord's limit.
- ``done`` (final): a summary.

Every select runs ``action(ctx, values)`` (``values`` is always a list of strings; ids for the
user, role, mentionable and channel selects); every modal runs ``on_submit(ctx, values)`` with
the values by field id. The "links" modal refuses a bad URL with :class:`flowfsm.GuardFailure`:
the user sees why, nothing is saved. Values live in ``ctx.data`` for the session.
"""

from __future__ import annotations

import hikari

from flowfsm import Button, Context, Flow, GuardFailure, Screen
from flowfsm.define.modals import Modal, TextField
from flowfsm.define.selects import (
    ChannelSelect,
    MentionableSelect,
    RoleSelect,
    SelectOption,
    TextSelect,
    UserSelect,
)

profile = Flow("profile", description="Profile editor: five select kinds and two modals")

COLOURS = {"red": "🔴", "orange": "🟠", "yellow": "🟡", "green": "🟢", "blue": "🔵", "purple": "🟣"}


# ---------------------------------------------------------------------------------- select actions


def set_colours(ctx: Context, values: list[str]) -> None:
    """Text select: the chosen colour values (0-3 of them)."""
    ctx.data["colours"] = values


def set_friend(ctx: Context, values: list[str]) -> None:
    """User select: one user id."""
    ctx.data["friend"] = int(values[0]) if values else None


def set_roles(ctx: Context, values: list[str]) -> None:
    """Role select: up to three role ids."""
    ctx.data["roles"] = [int(v) for v in values]


def set_notify(ctx: Context, values: list[str]) -> None:
    """Mentionable select: user or role ids; which is which is in ``ctx.interaction.resolved``."""
    resolved = ctx.interaction.resolved if isinstance(ctx.interaction, hikari.ComponentInteraction) else None
    roles = set(resolved.roles) if resolved is not None else set()
    ctx.data["notify"] = [(int(v), "role" if int(v) in roles else "user") for v in values]


def set_channel(ctx: Context, values: list[str]) -> None:
    """Channel select: one text channel id."""
    ctx.data["channel"] = int(values[0]) if values else None


# ---------------------------------------------------------------------------------- modal handlers


def save_bio(ctx: Context, values: dict[str, str]) -> None:
    """Modal "bio": name, pronouns and a free-text bio."""
    ctx.data["name"] = values["name"].strip()
    ctx.data["pronouns"] = values.get("pronouns", "").strip()
    ctx.data["bio"] = values.get("bio", "").strip()


def save_links(ctx: Context, values: dict[str, str]) -> None:
    """Modal "links": refuse anything that is not an https URL, else save."""
    links = {key: value.strip() for key, value in values.items() if value.strip()}
    for key, url in links.items():
        if not url.startswith("https://"):
            raise GuardFailure(f"The {key} link must start with https:// (got {url!r}).")
    ctx.data["links"] = links


def bio_modal(ctx: Context) -> Modal:
    """The bio form, pre-filled with the current values."""
    return Modal(
        "bio",
        "Edit your bio",
        [
            TextField(
                "name", "Display name", min_length=2, max_length=32, value=ctx.data.get("name") or None
            ),
            TextField(
                "pronouns",
                "Pronouns",
                required=False,
                max_length=20,
                placeholder="they/them",
                value=ctx.data.get("pronouns") or None,
            ),
            TextField(
                "bio",
                "About you",
                style=hikari.TextInputStyle.PARAGRAPH,
                required=False,
                max_length=300,
                value=ctx.data.get("bio") or None,
            ),
        ],
        on_submit=save_bio,
    )


def links_modal(ctx: Context) -> Modal:
    """The links form, pre-filled with the current values."""
    links = ctx.data.get("links", {})
    return Modal(
        "links",
        "Edit your links",
        [
            TextField(
                "website", "Website", required=False, placeholder="https://…", value=links.get("website")
            ),
            TextField(
                "github",
                "GitHub",
                required=False,
                placeholder="https://github.com/…",
                value=links.get("github"),
            ),
        ],
        on_submit=save_links,
    )


# ---------------------------------------------------------------------------------- states


def profile_embed(ctx: Context) -> hikari.Embed:
    """The profile as an embed, from ``ctx.data``."""
    data = ctx.data
    name = data.get("name") or f"user {ctx.user_id}"
    pronouns = f" ({data['pronouns']})" if data.get("pronouns") else ""
    embed = hikari.Embed(
        title=f"{name}{pronouns}", description=data.get("bio") or "*No bio yet.*", color=0x5865F2
    )
    colours = " ".join(COLOURS[c] for c in data.get("colours", ())) or "—"
    embed.add_field("Favourite colours", colours, inline=True)
    embed.add_field("Best friend", f"<@{data['friend']}>" if data.get("friend") else "—", inline=True)
    embed.add_field("Roles to ping", " ".join(f"<@&{r}>" for r in data.get("roles", ())) or "—", inline=True)
    mentions = " ".join(f"<@&{i}>" if kind == "role" else f"<@{i}>" for i, kind in data.get("notify", ()))
    embed.add_field("Notify", mentions or "—", inline=True)
    embed.add_field("Announcements", f"<#{data['channel']}>" if data.get("channel") else "—", inline=True)
    links = "\n".join(f"{key}: {url}" for key, url in data.get("links", {}).items())
    embed.add_field("Links", links or "—")
    return embed


@profile.state(initial=True)
def card(ctx: Context) -> Screen:
    """The profile card: colours select, two modal buttons, more, done."""
    chosen = set(ctx.data.get("colours", ()))
    colours = TextSelect(
        [
            SelectOption(name.title(), name, emoji=emoji, default=name in chosen)
            for name, emoji in COLOURS.items()
        ],
        placeholder="Favourite colours (up to 3)",
        min_values=0,
        max_values=3,
        action=set_colours,
        id="colours",
    )
    return Screen(
        embeds=[profile_embed(ctx)],
        items=[
            colours,
            Button("Edit bio", modal="bio", emoji="📝", style=hikari.ButtonStyle.PRIMARY),
            Button("Edit links", modal="links", emoji="🔗"),
            Button("People & places", trigger="more"),
            Button("Done", trigger="done", style=hikari.ButtonStyle.SUCCESS),
        ],
        modals=[bio_modal(ctx), links_modal(ctx)],
    )


@profile.state()
def more(ctx: Context) -> Screen:
    """The four auto-populated selects, pre-filled with the current choices."""
    data = ctx.data
    friend = [data["friend"]] if data.get("friend") else []
    channel = [data["channel"]] if data.get("channel") else []
    return Screen(
        embeds=[profile_embed(ctx)],
        items=[
            UserSelect(placeholder="Best friend", default_values=friend, action=set_friend, id="friend"),
            RoleSelect(
                placeholder="Roles to ping (up to 3)",
                min_values=0,
                max_values=3,
                default_values=data.get("roles", []),
                action=set_roles,
                id="roles",
            ),
            MentionableSelect(
                placeholder="Notify on changes",
                min_values=0,
                max_values=5,
                default_values=data.get("notify", []),
                action=set_notify,
                id="notify",
            ),
            ChannelSelect(
                placeholder="Announcement channel",
                channel_types=[hikari.ChannelType.GUILD_TEXT, hikari.ChannelType.GUILD_NEWS],
                default_values=channel,
                action=set_channel,
                id="channel",
            ),
            Button("Back", trigger="back_to_card", emoji="⬅️"),
        ],
    )


@profile.state(final=True)
def done(ctx: Context) -> Screen:
    """Shown once when the user is done."""
    return Screen("Profile saved.", embeds=[profile_embed(ctx)])


profile.transition("more", "card", "more")
profile.transition("back_to_card", "more", "card")
profile.transition("done", "card", "done")


def main() -> None:
    """Run on Discord with ``DISCORD_TOKEN``: /profile."""
    from examples._bot import run_bot

    run_bot([profile])


if __name__ == "__main__":
    main()
