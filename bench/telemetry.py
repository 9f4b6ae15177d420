"""The cost of telemetry on a click: off, Prometheus metrics on, metrics and OpenTelemetry spans on.

    python bench/telemetry.py                 # about 30 s
    python bench/telemetry.py --clicks 3000

The bench's 4-state menu (bench/flows.py), one FlowManager per set-up in one process, each with its
own miru client and loopback Discord; clicks are taken exactly as ``make bench`` takes them
(bench/measure.py: a real hikari interaction to the encoded HTTP reply) and interleaved click by click
in a shuffled order, with miru.ext.menu alongside as the reference, so a busy machine slows all
set-ups alike. Prints medians and ratios; the last line is the JSON of the figures.

Run from another checkout (``PYTHONPATH`` unset, the script copied there), it measures that
checkout's flowfsm: set-ups it does not support (no ``flowfsm.engine.metrics``) are skipped, which gives
"off" on an older commit for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.env import Env, OpenMenu, full_gc
from bench.measure import FIRST_USER, _interleaved, _open_interleaved


def setups(off_only: bool = False) -> list[Env]:
    """The set-ups this checkout supports (only miru.ext.menu and "off" with ``off_only``)."""
    envs = [
        Env("miru_menu"),
        Env("flowfsm", label="off", traces=False) if _has_telemetry() else Env("flowfsm", label="off"),
    ]
    if off_only or not _has_telemetry():
        return envs
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from flowfsm.engine.metrics import PrometheusMetrics

    provider = TracerProvider()
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    envs.append(Env("flowfsm", label="auto (OTel api, no provider)"))
    envs.append(Env("flowfsm", label="metrics", metrics=PrometheusMetrics(), traces=False))
    envs.append(Env("flowfsm", label="metrics+spans", metrics=PrometheusMetrics(), traces=provider))
    return envs


def _has_telemetry() -> bool:
    """Whether this checkout's FlowManager takes metrics (an older commit's does not)."""
    import inspect

    from flowfsm import FlowManager

    return "metrics" in inspect.signature(FlowManager).parameters


async def main(clicks: int, sessions: int, seed: int, off_only: bool = False) -> dict[str, Any]:
    """Open ``sessions`` menus per set-up, click ``clicks`` times each, interleaved; medians in µs."""
    envs = [await env.start() for env in setups(off_only)]
    rng = random.Random(seed)
    try:
        warm: dict[str, list[OpenMenu]] = {env.label: [] for env in envs}
        await _open_interleaved(envs, warm, 20, FIRST_USER + 900_000, rng)
        await _interleaved(envs, warm, rng, 200)
        menus: dict[str, list[OpenMenu]] = {env.label: [] for env in envs}
        await _open_interleaved(envs, menus, sessions, FIRST_USER, rng)
        full_gc()
        times = await _interleaved(envs, menus, rng, clicks)
    finally:
        for env in envs:
            await env.close()
    medians = {label: statistics.median(ns) / 1e3 for label, ns in times.items()}
    return {
        "click_us": {label: round(us, 1) for label, us in medians.items()},
        "vs_off": {label: round(us / medians["off"], 3) for label, us in medians.items()},
        "vs_miru_menu": {label: round(us / medians["miru_menu"], 3) for label, us in medians.items()},
        "clicks": clicks,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clicks", type=int, default=2000)
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--off-only", action="store_true", help="only miru.ext.menu and flowfsm off")
    args = parser.parse_args()
    figures = asyncio.run(main(args.clicks, args.sessions, args.seed, args.off_only))
    for label, us in figures["click_us"].items():
        print(
            f"{label:32} {us:8.1f} µs   {figures['vs_off'][label]:.3f}x off   {figures['vs_miru_menu'][label]:.3f}x miru.ext.menu"
        )
    print(json.dumps(figures))
