"""Prometheus histograms with labels that are cheap to observe (a step observes four on every click).

Part of :mod:`flowfsm.engine.metrics`; needs ``pip install "flowfsm[metrics]"`` (prometheus-client).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import HistogramMetricFamily
from prometheus_client.utils import floatToGoString

__all__ = ["Histograms"]


class Histograms:
    """Histograms with labels, cheap to observe: a step observes four of them on every click.

    prometheus-client's ``Histogram.observe`` takes a lock per bucket it updates; here a series
    is a plain list (a count per bucket, then the sum) that only the event loop's thread writes, and
    the cumulative buckets are computed when the registry is collected (a scrape, in any thread:
    it reads a copy of each list).
    """

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: tuple[str, ...],
        buckets: tuple[float, ...],
        registry: CollectorRegistry,
    ) -> None:
        self.name = name
        self.documentation = documentation
        self.labelnames = labelnames
        self.buckets = tuple(sorted(buckets))
        self._series: dict[tuple[str, ...], list[float]] = {}
        registry.register(self)

    def labels(self, *values: str) -> list[float]:
        """The series of ``values`` (created empty on first use), to pass to :meth:`observe`."""
        series = self._series.get(values)
        if series is None:
            series = self._series[values] = [0.0] * (len(self.buckets) + 2)
        return series

    def observe(self, series: list[float], value: float) -> None:
        """Count ``value`` (seconds) in ``series``."""
        series[bisect_left(self.buckets, value)] += 1
        series[-1] += value

    def describe(self) -> list[HistogramMetricFamily]:
        """The family without samples (the registry checks names with it)."""
        return [HistogramMetricFamily(self.name, self.documentation, labels=self.labelnames)]

    def collect(self) -> Iterator[HistogramMetricFamily]:
        """Every series as Prometheus histogram samples (cumulative buckets, ``+Inf``, sum)."""
        family = HistogramMetricFamily(self.name, self.documentation, labels=self.labelnames)
        bounds = [*(floatToGoString(b) for b in self.buckets), "+Inf"]
        for values, series in list(self._series.items()):
            counts = list(series)
            cumulative, total = [], 0.0
            for bound, count in zip(bounds, counts[:-1], strict=True):
                total += count
                cumulative.append((bound, total))
            family.add_metric(list(values), cumulative, counts[-1])
        yield family
