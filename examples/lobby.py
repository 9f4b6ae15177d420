"""A lobby with a ready-check: one menu the whole channel clicks (a shared menu).

The host opens it with ``/lobby`` and is its first player. Anyone in the channel may Join,
Leave and toggle Ready on the same message (``Flow(access="channel")``); the message shows the
live count and who is ready. Each player's own state is their ``ctx.member_data``; the message
is built from everyone's (``ctx.members``). What concerns one player only — "you joined", "the
lobby is full" — goes to that player alone with ``ctx.tell``. Clicks of many players run one at
a time on the lobby's session, so no join is lost.

Join, Leave and Ready each have a 2-second cooldown per player, and a player may click at most
5 times in 10 seconds (``Flow(rate_limit=...)``): a faster click runs nothing and gets an
ephemeral "slow down". Start and Close are the host's (a guard refuses anyone else); Start
needs at least two players, all ready.

Run it as a real bot with ``DISCORD_TOKEN=... python -m examples.lobby`` and type ``/lobby``.
"""

from __future__ import annotations

import hikari

from flowfsm import Access, Button, Context, Flow, RateLimit, Screen, guard

lobby = Flow(
    "lobby",
    access=Access.channel(),
    rate_limit=RateLimit(5, per=10.0),
    timeout=900,
    description="A lobby the whole channel joins, with a ready-check",
)

DEFAULT_SIZE = 4
COOLDOWN = 2.0


def size(ctx: Context) -> int:
    """How many players the lobby takes (start option ``size``)."""
    return int(ctx.options.get("size", DEFAULT_SIZE))


def players(ctx: Context) -> list[int]:
    """The user ids of the players who joined, in the order they joined."""
    return [user for user, data in ctx.members.items() if data.get("joined")]


def host_joins(ctx: Context) -> None:
    """Setup: the host is the first player."""
    ctx.member_data.update(joined=True, ready=False)


def join(ctx: Context) -> None:
    """Join, if there is room."""
    me = ctx.member_data
    if me.get("joined"):
        ctx.tell("You are already in the lobby.")
        return
    if len(players(ctx)) >= size(ctx):
        ctx.tell("The lobby is full.")
        return
    me.update(joined=True, ready=False)
    ctx.tell(f"You joined the lobby ({len(players(ctx))}/{size(ctx)}).")


def leave(ctx: Context) -> None:
    """Leave the lobby."""
    me = ctx.member_data
    if not me.get("joined"):
        ctx.tell("You are not in the lobby.")
        return
    me.update(joined=False, ready=False)
    ctx.tell("You left the lobby.")


def toggle_ready(ctx: Context) -> None:
    """Ready, or not ready any more."""
    me = ctx.member_data
    if not me.get("joined"):
        ctx.tell("Join the lobby first.")
        return
    me["ready"] = not me.get("ready")
    ctx.tell("You are ready." if me["ready"] else "You are not ready any more.")


@guard(message="Only the host can do that.")
def is_host(ctx: Context) -> bool:
    """The user who opened the lobby."""
    return ctx.is_opener


@guard
def all_ready(ctx: Context) -> bool | str:
    """At least two players, every one of them ready."""
    joined = players(ctx)
    if len(joined) < 2:
        return "At least two players must join."
    waiting = sum(1 for user in joined if not ctx.members[user].get("ready"))
    if waiting:
        return f"Still waiting for {waiting} player(s) to be ready."
    return True


@lobby.state(initial=True, setup=host_joins)
def waiting(ctx: Context) -> Screen:
    """The lobby: who joined, who is ready."""
    joined = players(ctx)
    ready = [user for user in joined if ctx.members[user].get("ready")]
    lines = [f"{'✅' if user in ready else '⏳'} <@{user}>" for user in joined]
    return Screen(
        f"**Lobby** hosted by <@{ctx.user_id}>: {len(joined)}/{size(ctx)} joined, {len(ready)} ready\n"
        + "\n".join(lines),
        items=[
            Button("Join", id="join", action=join, style=hikari.ButtonStyle.SUCCESS, cooldown=COOLDOWN),
            Button("Leave", id="leave", action=leave, cooldown=COOLDOWN),
            Button(
                "Ready", id="ready", action=toggle_ready, style=hikari.ButtonStyle.PRIMARY, cooldown=COOLDOWN
            ),
            Button("Start", id="start", trigger="start"),
            Button("Close", id="close", trigger="close", style=hikari.ButtonStyle.DANGER),
        ],
    )


@lobby.state(final=True)
def playing(ctx: Context) -> Screen:
    """The game started: the lobby's message shows the line-up."""
    return Screen("🎮 Game on: " + ", ".join(f"<@{user}>" for user in players(ctx)))


@lobby.state(final=True)
def closed(ctx: Context) -> Screen:
    """The host closed the lobby."""
    return Screen("The host closed the lobby.")


lobby.transition("start", "waiting", "playing", conditions=[is_host, all_ready])
lobby.transition("close", "waiting", "closed", conditions=[is_host])


def main() -> None:
    """Run the lobby as a gateway bot with a /lobby command."""
    from examples._bot import run_bot

    run_bot([lobby])


if __name__ == "__main__":
    main()
