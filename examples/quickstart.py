"""Quick start: a weather report menu.

States: ``report`` (refresh re-renders with a new reading; Details; Close; Cancel) ->
``details`` (Back) and the final ``closed`` state. Run it as a real bot with
``DISCORD_TOKEN=... python -m examples.quickstart`` and type ``/weather``.
"""

from __future__ import annotations

import random

import hikari

from flowfsm import Button, Context, Flow, Screen

weather = Flow("weather", timeout=300, description="Weather report with refresh and details")


def reading(ctx: Context) -> dict[str, float]:
    """A fake sensor: a new reading each time it is asked (kept in session data).

    Session data holds only plain values (a Redis store keeps it as a snapshot), so the random
    generator is not kept there: it is made again from the seed option and the reading's number.
    """
    count = ctx.data.get("readings", 0) + 1
    seed = ctx.options.get("seed")
    rng = random.Random(None if seed is None else f"{seed}:{count}")
    ctx.data["reading"] = {"temp": round(rng.uniform(-5, 30), 1), "wind": round(rng.uniform(0, 60), 1)}
    ctx.data["readings"] = count
    return ctx.data["reading"]


def refresh(ctx: Context) -> None:
    """Action: take a new reading; the report re-renders afterwards."""
    reading(ctx)


def cancel(ctx: Context) -> None:
    """Action: end the session, leaving a short note in place of the menu."""
    ctx.close("Weather report cancelled.")


@weather.state(initial=True)
def report(ctx: Context) -> Screen:
    """Current conditions."""
    now = ctx.data.get("reading") or reading(ctx)
    city = ctx.options.get("city", "Paris")
    embed = hikari.Embed(title=f"Weather in {city}", description=f"{now['temp']} °C", color=0x3B88C3)
    embed.set_footer(f"reading #{ctx.data['readings']}")
    return Screen(
        embeds=[embed],
        items=[
            Button("Refresh", action=refresh, emoji="🔄", style=hikari.ButtonStyle.PRIMARY),
            Button("Details", trigger="details"),
            Button("Close", trigger="close", style=hikari.ButtonStyle.SUCCESS),
            Button("Cancel", action=cancel, style=hikari.ButtonStyle.DANGER),
            Button("Forecast", url="https://example.com/forecast"),
        ],
    )


@weather.state()
def details(ctx: Context) -> Screen:
    """Wind and temperature details."""
    now = ctx.data["reading"]
    return Screen(
        content=f"Temperature {now['temp']} °C, wind {now['wind']} km/h.",
        items=[Button("Back", trigger="back", emoji="⬅️")],
    )


@weather.state(final=True)
def closed(ctx: Context) -> Screen:
    """Shown once when the user closes the report."""
    return Screen(content=f"Closed after {ctx.data.get('readings', 0)} reading(s).")


weather.transition("details", "report", "details")
weather.transition("back", "details", "report")
weather.transition("close", "report", "closed")
# What `flowfsm check` opens `details` with (on its own, no reading has been taken yet).
weather.sample("details", data={"reading": {"temp": 21.0, "wind": 12.0}})


def main() -> None:
    """Run the quick start as a gateway bot with a /weather command."""
    from examples._bot import run_bot

    run_bot([weather])


if __name__ == "__main__":
    main()
