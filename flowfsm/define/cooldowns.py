"""Cooldowns and click rate limits: ``Button(cooldown=2.0)`` and ``Flow(rate_limit=RateLimit(...))``.

A click inside a cooldown, or past a user's rate, runs nothing: the user gets an ephemeral
"slow down, try again in N s" (``Texts.cooldown``, in their language). Both are per user: on a
shared menu each member has their own cooldown of a button. The engine keeps them in one table
of bounded size (see :mod:`flowfsm.engine.cooldowns`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["RateLimit", "check_cooldown"]


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``clicks`` clicks per user in any ``per`` seconds, across a flow's menus.

    Bursts of up to ``clicks`` are allowed; after that, one click every ``per / clicks`` seconds
    (a token bucket, kept as one number per user).
    """

    clicks: int
    per: float

    def __post_init__(self) -> None:
        if isinstance(self.clicks, bool) or not isinstance(self.clicks, int) or self.clicks < 1:
            raise ValueError(f"RateLimit clicks must be a positive int, got {self.clicks!r}")
        check_cooldown(self.per, "RateLimit per")

    @property
    def interval(self) -> float:
        """Seconds one click uses up of the allowance."""
        return self.per / self.clicks


def check_cooldown(value: object, what: str = "cooldown") -> float:
    """``value`` as positive finite seconds, else ``ValueError``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(f"{what} must be a positive number of seconds, got {value!r}")
    return float(value)
