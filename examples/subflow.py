"""Sub-flows with results: a loadout editor opens a pick-a-weapon flow and receives the choice.

``loadout.subflow("pick", "editor", "weapons", on_complete="weapon_chosen")`` declares the call
on the parent's state machine (so diagrams draw it). The child calls ``ctx.complete(weapon)``;
the parent state is re-entered and its declared handler ``weapon_chosen`` receives the weapon.
Back from the child's first screen returns to the editor without calling the handler, so the
loadout is unchanged.
"""

from __future__ import annotations

import hikari

from flowfsm import Button, Context, Flow, Screen

loadout = Flow("loadout", description="Loadout editor that opens a weapon picker sub-flow")
weapons = Flow("weapons", description="Pick a weapon (a sub-flow of loadout)")

ARSENAL = {"primary": ["Bow", "Sword", "Spear"], "secondary": ["Dagger", "Sling"]}


@loadout.state(initial=True)
def editor(ctx: Context) -> Screen:
    """The loadout, with a button to change the primary weapon."""
    embed = hikari.Embed(title="Loadout", color=0x5865F2)
    embed.add_field("Primary", ctx.data.get("primary", "—"))
    embed.add_field("Changes", str(ctx.data.get("changes", 0)))
    return Screen(
        embeds=[embed],
        items=[
            Button("Change weapon", trigger="pick", style=hikari.ButtonStyle.PRIMARY),
            Button("Save", trigger="save", style=hikari.ButtonStyle.SUCCESS),
        ],
    )


@loadout.state(final=True)
def saved(ctx: Context) -> Screen:
    """Shown once when the loadout is saved."""
    return Screen(f"Loadout saved: {ctx.data.get('primary', 'no weapon')}.")


@loadout.on_complete("weapon_chosen")
def weapon_chosen(ctx: Context, weapon: str) -> None:
    """Completion handler: runs in the parent's context with the child's result."""
    ctx.data["primary"] = weapon
    ctx.data["changes"] = ctx.data.get("changes", 0) + 1


loadout.subflow("pick", "editor", weapons, on_complete="weapon_chosen", options={"slot": "primary"})
loadout.transition("save", "editor", "saved")


def choose(weapon: str) -> object:
    """Action: finish the sub-flow with ``weapon`` as its result."""

    async def action(ctx: Context) -> None:
        await ctx.complete(weapon)

    action.__name__ = f"choose_{weapon.lower()}"
    return action


@weapons.state(initial=True, returnable=True)
def pick(ctx: Context) -> Screen:
    """The weapon list for the slot given in the sub-flow's options."""
    slot = ctx.state_options.get("slot", "primary")
    return Screen(
        f"Pick a {slot} weapon",
        items=[Button(name, action=choose(name)) for name in ARSENAL[slot]],  # type: ignore[arg-type]
    )


def main() -> None:
    """Run on Discord: /loadout."""
    from examples._bot import run_bot

    run_bot([loadout, weapons])


if __name__ == "__main__":
    main()
