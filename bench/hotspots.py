"""Profile one framework's clicks or starts with cProfile, through the same set-up as the benchmark.

    python bench/hotspots.py                      # flowfsm clicks
    python bench/hotspots.py --what start         # flowfsm starts
    python bench/hotspots.py --framework miru_menu --show miru

Prints where the time goes by package, the event-loop turns and tasks per operation (each turn costs
a trip through the selector), and the most expensive functions of the packages named by ``--show``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import cProfile
import json
import os
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import flows
from bench.env import Env, OpenMenu, dumps
from bench.measure import open_many, settle

PACKAGES = ("transitions", "flowfsm", "miru", "hikari", "asyncio", "json", "bench")


async def profile(framework: str, what: str, count: int, show: str, lines: int) -> None:
    """Run ``count`` operations under cProfile and print the summary."""
    env = await Env(framework).start()
    menus: list[OpenMenu] = []
    await open_many(env, 300, 10_000, menus)
    profiler = cProfile.Profile()
    for index in range(count):
        if what == "click":
            menu = menus[index % len(menus)]
            interaction, _ = env.next_click(menu)
            profiler.enable()
            builder = await env.client.handle_component_interaction(interaction)
            assert builder is not None
            body = dumps(builder.build(env.entity_factory)[0])
            profiler.disable()
            menu.apply(json.loads(body))
            menu.step += 1
        else:
            command = env.command(50_000 + index)
            profiler.enable()
            builder = await env.menus.start(command)
            dumps(builder.build(env.entity_factory)[0])
            profiler.disable()
        await settle()
    await env.close()

    stats = pstats.Stats(profiler)
    by_package: collections.Counter[str] = collections.Counter()
    raw = stats.stats  # type: ignore[attr-defined]
    for (filename, _, _), (_, _, own, _, _) in raw.items():
        package = next((p for p in PACKAGES if f"/{p}/" in filename), "other")
        by_package[package] += own
    total = sum(by_package.values()) or 1.0
    print(f"{framework}, {count} {what}s")
    print("own time by package: " + ", ".join(f"{p} {t / total:.0%}" for p, t in by_package.most_common()))
    turns = sum(v[1] for k, v in raw.items() if k[2] == "_run_once") / count
    tasks = sum(v[1] for k, v in raw.items() if k[2] == "create_task") / count
    print(f"per {what}: {turns:.1f} event-loop turns, {tasks:.1f} tasks created")
    stats.sort_stats(os.environ.get("HOTSPOTS_SORT", "cumulative")).print_stats(show, lines)


def main() -> None:
    """Parse arguments and profile."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--framework", default="flowfsm", choices=flows.FRAMEWORKS)
    parser.add_argument("--what", default="click", choices=("click", "start"))
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--show", default="flowfsm|transitions", help="regex of the files to list")
    parser.add_argument("--lines", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(profile(args.framework, args.what, args.count, args.show, args.lines))


if __name__ == "__main__":
    main()
