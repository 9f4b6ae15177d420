"""``python bench/cooldowns.py``: memory of the cooldown table (flowfsm.engine.cooldowns) per entry,
and that it stays at its bound however many users click.

Each of 100,000 users clicks a button with a 30-second cooldown on a flow with a rate limit,
all within the cooldown (the worst case: no entry expires). Prints bytes per entry (tracemalloc)
and the table's size against its bound.
"""

from __future__ import annotations

import tracemalloc

from flowfsm import Flow, RateLimit
from flowfsm.engine.cooldowns import DEFAULT_MAX_ENTRIES, Cooldowns
from flowfsm.testing.harness import FakeClock

USERS = 100_000


def main() -> None:
    """Fill a default-sized table past its bound and print what it costs."""
    clock = FakeClock()
    flow = Flow("tap", rate_limit=RateLimit(5, per=10.0))
    table = Cooldowns(clock)
    tracemalloc.start()
    for user in range(USERS):
        table.rate_wait(flow, 10**17 + user)
        table.button_wait("sessabcd", "tap", 30.0, 10**17 + user)
        if len(table) == DEFAULT_MAX_ENTRIES and user < DEFAULT_MAX_ENTRIES:
            full = tracemalloc.get_traced_memory()[0]
    peak = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    print(
        f"cooldowns: {USERS} users x 2 entries -> {len(table)} kept (bound {table.max_entries}); "
        f"{full / DEFAULT_MAX_ENTRIES:.0f} bytes/entry at the bound, {peak / 1e6:.1f} MB after all users"
    )


if __name__ == "__main__":
    main()
