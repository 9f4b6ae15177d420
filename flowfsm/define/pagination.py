"""List pagination: a state declares how many items it lists and how many fit on a page.

``flow.state(paginate=Paginate(count=lambda ctx: len(items), per_page=10))``: before each
render the count function runs and ``ctx.page`` gives a :class:`PageState`; the render function
slices its own data with ``ctx.page.start:ctx.page.end``. Previous/Next buttons are injected into
the reserved row; ``on_previous``/``on_next`` hooks fire with the updated page. Button pagination
(too many buttons for one message) needs no declaration: see ``Screen.page_size``.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flowfsm.define.context import Context

__all__ = ["DEFAULT_PER_PAGE", "Nav", "PageState", "Paginate", "page_state"]

DEFAULT_PER_PAGE = 50
"""Items per page when a :class:`Paginate` does not say (FlowCord's default)."""


@dataclass(frozen=True, slots=True)
class Paginate:
    """How a state paginates a list: ``count(ctx)`` (sync or async) gives the total items."""

    count: Callable[[Context], Awaitable[int] | int]
    per_page: int = DEFAULT_PER_PAGE

    def __post_init__(self) -> None:
        if not callable(self.count):
            raise TypeError(f"Paginate.count must be callable, got {self.count!r}")
        if isinstance(self.per_page, bool) or not isinstance(self.per_page, int) or self.per_page < 1:
            raise ValueError(f"Paginate.per_page must be a positive int, got {self.per_page!r}")


@dataclass(frozen=True, slots=True)
class PageState:
    """Where a paginated list stands: 0-based ``current`` page; ``start`` inclusive, ``end`` exclusive."""

    current: int
    total_pages: int
    per_page: int
    total_items: int
    start: int
    end: int

    @property
    def has_previous(self) -> bool:
        """Whether a previous page exists."""
        return self.current > 0

    @property
    def has_next(self) -> bool:
        """Whether a next page exists."""
        return self.current < self.total_pages - 1

    def slice(self, items: Any) -> Any:
        """``items[start:end]``."""
        return items[self.start : self.end]


def page_state(page: int, per_page: int, total_items: int) -> PageState:
    """The page state for a requested page, clamped into range (an empty list has one page)."""
    total_items = max(0, int(total_items))
    total_pages = max(1, math.ceil(total_items / per_page))
    current = min(max(page, 0), total_pages - 1)
    start = current * per_page
    return PageState(current, total_pages, per_page, total_items, start, min(start + per_page, total_items))


@dataclass(frozen=True, slots=True)
class Nav:
    """Labels of the page navigation buttons and whether they stay (disabled) at the ends."""

    previous: str = "← Previous"
    next: str = "Next →"
    stable: bool = True
