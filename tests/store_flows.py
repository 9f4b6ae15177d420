"""A small flow and sessions of it for the store tests (also imported by their child processes)."""

from __future__ import annotations

from flowfsm import Button, Context, Flow, Screen
from flowfsm.engine.session import Session

tally = Flow("tally", timeout=60)


@tally.state(initial=True, tracked=True)
def menu(ctx: Context) -> Screen:
    """The count, and a way in."""
    return Screen(f"{ctx.data.get('n', 0)}", items=[Button("Open", trigger="open")])


@tally.state(returnable=True, preserve=True)
def detail(ctx: Context) -> Screen:
    """A state to come back from."""
    return Screen("detail", items=[Button("Back", trigger="back")])


tally.transition("open", "menu", "detail")

FLOWS = {"tally": tally}


def new_session(session_id: str, now: float, *, message_id: int | None = 5000) -> Session:
    """A session of ``tally`` in its menu, with a count of 0."""
    session = Session(session_id, tally, 42, options={"from": "test"}, now=now, channel_id=777)
    session.data = {"n": 0}
    session.message_id = message_id
    return session
