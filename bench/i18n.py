"""What translations cost per click: ``python -m bench.i18n`` (a few seconds).

* the only work a click on a flow *without* translations gained: picking the screen's built-in
  texts (``LocalizedTexts.for_screen``: one attribute test, one dict lookup);
* ``ctx.t`` on a translated flow: a plain message, and one with a plural and a number;
* a whole render of the bakery's counter screen (7 lookups) in German.

Medians of repeated runs; the machine is shared, so absolute figures move with its load.
"""

from __future__ import annotations

import asyncio
import statistics
import timeit
from collections.abc import Callable

from examples.i18n import bakery
from examples.quickstart import weather
from flowfsm import Context
from flowfsm.testing import Harness


def _median_us(fn: Callable[[], object], number: int = 2000, repeat: int = 7) -> float:
    return statistics.median(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


async def measure() -> dict[str, float]:
    """The figures, in microseconds."""
    async with Harness([weather, bakery]) as h:
        h.locale = "de"
        await h.command("weather")
        plain = Context(h.manager, h.session(), None)
        await h.command("bakery")
        session = next(s for s in h.manager.sessions if s.flow is bakery)
        german = Context(h.manager, session, None)
        german._locales = ("de", "en-US")
        localized = h.manager.localized
        render = bakery.states["counter"].render
        assert render is not None
        return {
            "untranslated flow: built-in texts for a screen": _median_us(lambda: localized.for_screen(plain)),
            "ctx.t plain message (de)": _median_us(lambda: german.t("counter.buy")),
            "ctx.t plural with a number (de)": _median_us(lambda: german.t("counter.basket", count=3)),
            "render the bakery counter (7 lookups, de)": _median_us(lambda: render(german), number=500),
        }


def main() -> None:
    """Print the figures."""
    for name, value in asyncio.run(measure()).items():
        print(f"{name:48} {value:8.2f} µs")


if __name__ == "__main__":
    main()
