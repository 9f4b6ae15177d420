"""Who may click a flow's menus: the opener only (the default), anyone in the channel, listed
users or roles, or a predicate — ``Flow(access=...)``.

A menu anyone may click is a *shared menu*: one session, one message, clicked by many users.
Their clicks run one at a time on that session (its lock), each with its own per-user data
(``ctx.member_data``) next to the session data everyone shares (``ctx.data``).

What decides is only what Discord vouches for: the clicking user's id and, in a guild, the
roles of the member as Discord sent them with the interaction (``interaction.member.role_ids``).
Nothing a client can choose — a custom id, a select's values, ``data.resolved`` — names a user
or a role here. The user who opened the menu may always click it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import hikari

if TYPE_CHECKING:
    from flowfsm.define.context import Context

__all__ = ["OPENER", "Access", "AccessLike", "Predicate", "as_access"]

Predicate = Callable[["Context"], "bool | Awaitable[bool]"]
"""``fn(ctx) -> bool`` (sync or async): may the user of ``ctx.interaction`` click this menu?"""

DEFAULT_MAX_WAITING = 25
"""Clicks that may wait for a shared menu's running step (an opener-only menu has the manager's
``max_waiting``): many users clicking at once queue instead of being told "busy"."""


@dataclass(frozen=True, slots=True)
class Access:
    """Who may click a flow's menus besides the user who opened them.

    Build one with :meth:`opener`, :meth:`channel`, :meth:`members` or :meth:`check`; pass it as
    ``Flow(access=...)``. The strings ``"opener"`` and ``"channel"`` and a bare predicate are
    accepted there too.

    Attributes:
        kind: ``"opener"``, ``"channel"``, ``"members"`` or ``"check"``.
        users: user ids allowed by :meth:`members`.
        roles: role ids allowed by :meth:`members` (the member's roles as Discord sent them).
        predicate: the function of :meth:`check`.
        max_waiting: clicks that may queue behind a shared menu's running step; more are told
            the menu is busy.
    """

    kind: str = "opener"
    users: frozenset[int] = frozenset()
    roles: frozenset[int] = frozenset()
    predicate: Predicate | None = None
    max_waiting: int = DEFAULT_MAX_WAITING

    @classmethod
    def opener(cls) -> Access:
        """Only the user who opened the menu (the default); others get "not your menu"."""
        return OPENER

    @classmethod
    def channel(cls, *, max_waiting: int = DEFAULT_MAX_WAITING) -> Access:
        """Anyone who can see the menu's message (everyone in its channel) may click it."""
        return cls("channel", max_waiting=_waiting(max_waiting))

    @classmethod
    def members(
        cls,
        *,
        users: Iterable[hikari.Snowflakeish] = (),
        roles: Iterable[hikari.Snowflakeish] = (),
        max_waiting: int = DEFAULT_MAX_WAITING,
    ) -> Access:
        """The listed users, and members holding one of the listed roles (in a guild: a DM has
        no roles, so there only the opener and listed users may click)."""
        listed_users, listed_roles = frozenset(map(int, users)), frozenset(map(int, roles))
        if not listed_users and not listed_roles:
            raise ValueError("Access.members needs users=... or roles=... (else use Access.opener())")
        return cls("members", listed_users, listed_roles, max_waiting=_waiting(max_waiting))

    @classmethod
    def check(cls, predicate: Predicate, *, max_waiting: int = DEFAULT_MAX_WAITING) -> Access:
        """Whoever ``predicate(ctx)`` allows: ``ctx.interaction`` is the click, ``ctx.member_id``
        the clicking user, ``ctx.data`` and ``ctx.options`` the session's. It runs before the
        click waits for the session; an exception refuses the click (and is logged). Read
        ``ctx.members.get(ctx.member_id)`` there rather than ``ctx.member_data``, which would
        create an entry for every user who tries."""
        if not callable(predicate):
            raise TypeError(f"Access.check needs a callable, got {predicate!r}")
        return cls("check", predicate=predicate, max_waiting=_waiting(max_waiting))

    @property
    def shared(self) -> bool:
        """Whether anyone but the opener may click (a shared menu)."""
        return self.kind != "opener"

    def describe(self) -> str:
        """One line for diagrams, ``check`` and the playground."""
        if self.kind == "members":
            parts = []
            if self.users:
                parts.append(f"users {', '.join(map(str, sorted(self.users)))}")
            if self.roles:
                parts.append(f"roles {', '.join(map(str, sorted(self.roles)))}")
            return "shared: " + "; ".join(parts)
        if self.kind == "check":
            return f"shared: whoever {getattr(self.predicate, '__name__', 'the predicate')} allows"
        return "shared: anyone in the channel" if self.kind == "channel" else "opener only"

    def lists(self, user_id: int, role_ids: Iterable[hikari.Snowflakeish]) -> bool:
        """For :meth:`members`: whether ``user_id`` is listed or holds a listed role."""
        if user_id in self.users:
            return True
        return bool(self.roles) and any(int(role) in self.roles for role in role_ids)


OPENER = Access()
"""The default: only the user who opened a menu may click it."""

AccessLike = Access | str | Predicate
"""What ``Flow(access=...)`` accepts: an :class:`Access`, ``"opener"``, ``"channel"`` or a predicate."""


def as_access(value: Any) -> Access:
    """An :class:`Access` from what ``Flow(access=...)`` accepts; ``ValueError`` otherwise."""
    if value is None or value == "opener":
        return OPENER
    if isinstance(value, Access):
        return value
    if value == "channel":
        return Access.channel()
    if callable(value):
        return Access.check(value)
    raise ValueError(
        f"access must be an Access, 'opener', 'channel' or a predicate fn(ctx) -> bool, got {value!r}"
    )


def _waiting(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"max_waiting must be a positive int, got {value!r}")
    return value
