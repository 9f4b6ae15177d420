"""A live auction: a countdown that ticks by itself, your bids, and bids from outside Discord.

* Timed edges: ``tick`` fires every 10 seconds while the lot is open (the countdown line
  updates), ``close`` fires 60 seconds after the lot opened and sells it. No task per menu: the
  manager's one timer drives every open auction, and tests drive it with the harness's clock.
* External triggers: a bid from a web page or a webhook is :func:`external_bid`, which sends
  ``outbid`` to every open auction menu (``flows.send``) — under each session's lock, so it never
  interleaves with the user's own click; the menu is edited in place.
* The ``outbid`` transition's condition keeps only higher bids: a lower one is refused and the
  result says so (nothing changes on screen).

States: ``bidding`` (the open lot) -> ``sold`` (the countdown ran out) or ``left`` (the user
left); both final. Run it with ``DISCORD_TOKEN=... python -m examples.auction`` and type
``/auction``; a web handler of your bot calls ``await external_bid(flows, "Carol", 150)``.
"""

from __future__ import annotations

import hikari

from flowfsm import Button, Context, Flow, FlowManager, Screen, SendResult

__all__ = ["LOT_SECONDS", "STEP", "TICK_SECONDS", "auction", "external_bid", "main"]

LOT_SECONDS = 60
"""How long a lot stays open (the ``close`` timed edge)."""
TICK_SECONDS = 10
"""How often the countdown line updates (the ``tick`` timed edge)."""
STEP = 10
"""How much one click raises the bid."""

auction = Flow(
    "auction",
    timeout=LOT_SECONDS + 120,  # longer than the lot: the session must outlive its countdown
    command="auction",
    description="A live auction: a countdown, your bids, bids from outside",
)


def open_lot(ctx: Context) -> None:
    """Entering the lot: the opening bid (start option ``start``, default 100) and the countdown."""
    ctx.data.setdefault("high", int(ctx.options.get("start", 100)))
    ctx.data.setdefault("bidder", "opening bid")
    ctx.data.setdefault("left", LOT_SECONDS)


def count_down(ctx: Context) -> None:
    """Before each ``tick``: ten seconds less on the clock."""
    ctx.data["left"] = max(0, ctx.data["left"] - TICK_SECONDS)


def raise_bid(ctx: Context) -> None:
    """Before ``bid`` (the user's click): the user now holds the highest bid."""
    ctx.data["high"] += STEP
    ctx.data["bidder"] = "you"


def higher(ctx: Context) -> bool:
    """``outbid`` fires only for a bid above the current one."""
    return int(ctx.trigger_options.get("amount", 0)) > ctx.data["high"]


def take_outside_bid(ctx: Context) -> None:
    """Before ``outbid``: someone outside Discord bid more."""
    ctx.data["high"] = int(ctx.trigger_options["amount"])
    ctx.data["bidder"] = str(ctx.trigger_options.get("bidder", "someone"))


@auction.state(initial=True, on_enter=open_lot)
def bidding(ctx: Context) -> Screen:
    """The open lot: the highest bid, who holds it, the time left."""
    high, bidder, left = ctx.data["high"], ctx.data["bidder"], ctx.data["left"]
    return Screen(
        content=f"**Antique clock** · highest bid **{high}** coins ({bidder}) · ⏳ {left} s left",
        items=[
            Button(f"Bid {high + STEP}", trigger="bid", id="bid", style=hikari.ButtonStyle.PRIMARY),
            Button("Leave", trigger="leave", id="leave"),
        ],
    )


@auction.state(final=True)
def sold(ctx: Context) -> Screen:
    """The countdown ran out."""
    winner = "You win" if ctx.data["bidder"] == "you" else f"Sold to {ctx.data['bidder']}"
    return Screen(content=f"🔨 {winner}: the antique clock for **{ctx.data['high']}** coins.")


@auction.state(final=True)
def left(ctx: Context) -> Screen:
    """The user left before the end."""
    return Screen(content=f"You left the auction at **{ctx.data['high']}** coins.")


auction.transition("tick", "bidding", None, every=TICK_SECONDS, before=count_down)
auction.transition("close", "bidding", "sold", after=LOT_SECONDS)
auction.transition("bid", "bidding", None, before=raise_bid)
auction.transition("outbid", "bidding", None, conditions=higher, before=take_outside_bid)
auction.transition("leave", "bidding", "left")
auction.sample("sold", data={"high": 120, "bidder": "you"})
auction.sample("left", data={"high": 100})


async def external_bid(flows: FlowManager, bidder: str, amount: int) -> list[SendResult]:
    """A bid from outside Discord: every open auction menu hears of it (``flows.send``).

    Returns one :class:`~flowfsm.SendResult` per open menu: ``sent`` where it became the highest
    bid, ``refused`` where the menu already shows a higher one."""
    return [
        await flows.send(session, "outbid", bidder=bidder, amount=amount)
        for session in flows.open_sessions(flow=auction)
    ]


def main() -> None:
    """Run the auction as a gateway bot with an /auction command."""
    from examples._bot import run_bot

    run_bot([auction])


if __name__ == "__main__":
    main()
