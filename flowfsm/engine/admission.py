"""Who may click, how fast, and on which screen: access of shared menus, cooldowns and rate
limits, the screen identity of many users' clicks, and notes to the user who clicked.

A part of :class:`~flowfsm.engine.manager.FlowManager` (see ARCHITECTURE.md), between the step
and routing: :class:`~flowfsm.engine.routing.Routing` asks :meth:`Admission._admit` where it used
to compare the clicking user with the owner, before the click waits for the session (access, the
flow's rate limit), and :meth:`Admission._cooled_down` once the clicked item is found (a
button's cooldown: looking the item up twice would cost every click, cooldown or not).

**Access** (``Flow(access=...)``, :mod:`flowfsm.define.access`) is decided from what Discord
vouches for: the interaction's user id and, in a guild, its member's role ids. The root flow's
access counts (a sub-flow runs inside its parent's menu).

**Screen identity on a shared menu.** An opener-only menu runs a click only from its current
screen: any earlier screen is a double click or a replay. On a shared menu, users click the
same message at the same time; one click's re-render must not refuse everybody else's. So a
click made on an earlier screen runs against the current one when all of these hold: the screen
is of the same state, at most :data:`SHARED_LAG` screens old; the item has an explicit ``id``
(positions can change meaning between screens) and is on the current screen; the screen was
shown in the current visit of the state (a click seen in another state starts a new visit); and
*that user* has had no click run on that screen or a later one — their own double click stays
stale. (Visits are told apart by the clicks the engine sees: a state left and entered again by
transitions without any click in between counts as one visit.)
Everything else the current screen requires (the message, the values offered) is checked as
for any click.
"""

from __future__ import annotations

import math

import hikari

from flowfsm.define.access import Access
from flowfsm.define.context import Context
from flowfsm.define.machine import call_hook
from flowfsm.engine import custom_id, logs, trust
from flowfsm.engine.response import Responder
from flowfsm.engine.session import Session
from flowfsm.engine.step import Steps

__all__ = ["SHARED_LAG", "Admission", "ScreenMarks"]

_LOG = logs.get_logger("flowfsm")

SHARED_LAG = 64
"""How many screens behind a shared menu's click may be made and still run (see the module doc)."""


class ScreenMarks:
    """What a shared menu's screen checks remember: the state of the current visit (as clicks
    saw it) and its first screen, and the screen each user's last click ran on."""

    __slots__ = ("since", "state", "users")

    def __init__(self, state: int, since: int) -> None:
        self.state = state
        self.since = since
        self.users: dict[int, int] = {}


class Admission(Steps):
    """Who may click, how fast, and on which screen (see the module doc)."""

    async def _admit(
        self,
        session: Session,
        parsed: custom_id.ParsedId,
        interaction: hikari.ComponentInteraction | hikari.ModalInteraction,
    ) -> tuple[str, str] | None:
        """Why this click may not even wait for the session, as (reply text, refusal reason);
        ``None`` when it may. Access first, then the flow's rate limit (a refused user counts no
        click). A button's own cooldown is checked once the click found its item
        (:meth:`_cooled_down`)."""
        user_id = int(interaction.user.id)
        if user_id != session.user_id:
            access = session.root_flow.access
            if not await self._allowed(access, session, interaction, user_id):
                return self.texts.not_yours, "not_yours"
        if session.flow.rate_limit is not None and isinstance(interaction, hikari.ComponentInteraction):
            wait = self.cooldowns.rate_wait(session.flow, user_id)
            if wait > 0:
                return self._slow_down(session, interaction, wait), "rate_limited"
        return None

    def _cooled_down(
        self,
        session: Session,
        parsed: custom_id.ParsedId,
        item: object,
        interaction: hikari.PartialInteraction,
    ) -> str | None:
        """The "slow down" reply for a click on a button still in its cooldown for this user
        (``None`` when the click may run: the cooldown starts again)."""
        cooldown = getattr(item, "cooldown", None)
        if cooldown is None or not isinstance(interaction, hikari.ComponentInteraction):
            return None
        wait = self.cooldowns.button_wait(session.id, parsed.item, cooldown, int(interaction.user.id))
        return self._slow_down(session, interaction, wait) if wait > 0 else None

    def _slow_down(self, session: Session, interaction: hikari.PartialInteraction, wait: float) -> str:
        """``Texts.cooldown`` in the user's language, with the whole seconds to wait."""
        text = self.localized.for_user(interaction).cooldown
        return text.format(seconds=math.ceil(wait), command=session.root_flow.command)

    async def _allowed(
        self,
        access: Access,
        session: Session,
        interaction: hikari.ComponentInteraction | hikari.ModalInteraction,
        user_id: int,
    ) -> bool:
        """Whether ``access`` lets ``user_id`` (not the opener) click ``session``'s menu."""
        if access.kind == "opener":
            return False
        if session.channel_id is not None and int(interaction.channel_id) != session.channel_id:
            return False  # the menu's message is in the session's channel; nothing else is it
        if access.kind == "channel":
            return True
        if access.kind == "members":
            member = interaction.member  # as Discord sent it: roles of this guild, never the payload's data
            return access.lists(user_id, member.role_ids if member is not None else ())
        assert access.predicate is not None
        try:
            return bool(await call_hook(access.predicate, Context(self, session, interaction)))
        except Exception as exc:
            _LOG.error(
                "flowfsm: the access predicate of flow %r failed, click refused: %s",
                session.root_flow.name,
                trust.redact(repr(exc)),
                extra=logs.fields(session),
            )
            return False

    def _max_waiting(self, session: Session) -> int:
        """Clicks that may wait for ``session``'s running step: more on a shared menu."""
        access = session.root_flow.access
        return access.max_waiting if access.shared else self.max_waiting

    def _busy_text(self, session: Session) -> str:
        """The reply to a click past the queue: "your earlier clicks", or on a shared menu
        "many people are clicking"."""
        return self.texts.crowded if session.root_flow.access.shared else self.texts.busy

    def _on_screen(self, session: Session, parsed: custom_id.ParsedId, item: object, user_id: int) -> bool:
        """Whether a click made on screen ``parsed.screen`` may run on the current screen (the
        caller has checked that the id's state is the current one and the item is on the
        screen): the current screen, or on a shared menu an earlier one under the rules of the
        module doc. Notes the user's click."""
        current = session.screen
        behind = (current - parsed.screen) % custom_id.SCREENS
        if not session.root_flow.access.shared:
            return behind == 0
        marks = session.member_screens
        if marks is None:
            marks = session.member_screens = ScreenMarks(parsed.state_index, 0)
        elif marks.state != parsed.state_index:
            # A click shows us the menu in another state: this visit's screens start here.
            marks.state, marks.since = parsed.state_index, current
        if behind:
            shown = current - behind
            last = marks.users.get(user_id)
            if (
                behind > SHARED_LAG
                or shown < marks.since
                or getattr(item, "id", None) != parsed.item
                or (last is not None and last >= shown)
            ):
                return False
        marks.users[user_id] = current
        return True

    async def _tell(self, ctx: Context, responder: Responder) -> None:
        """Send what the step's callbacks wrote with ``ctx.tell`` to the user who clicked."""
        notes, ctx.notes = ctx.notes, None
        if not notes or not responder.responded:
            return
        try:
            await responder.ephemeral_text("\n".join(notes)[:2000])
        except hikari.HikariError:
            _LOG.warning("flowfsm: could not send a note to the user", exc_info=True)
