"""Count the Python bytecodes one click executes, per function: a figure that does not move with the
machine's load, for comparing two checkouts of the engine.

    python bench/opcodes.py                       # total per click, then flowfsm's functions
    python bench/opcodes.py --json > now.json     # every function, for a diff against another checkout

The click is the benchmark's (``bench/measure.py``): a real ``hikari.ComponentInteraction`` through
the miru client to the encoded reply, with ``--sessions`` menus open. Only that region is traced
(``sys.settrace`` with opcode events); building the interaction and letting the loop settle are not.
Bytecodes are not time: C work (hikari's builders, dict lookups) and the memory a click touches
count too, so a change is confirmed with the paired wall-time comparison the README describes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.env import Env, dumps
from bench.measure import open_many, settle, timed_click

ROOT = Path(__file__).resolve().parent.parent
FIRST_USER = 10_000


class OpcodeCounter:
    """A ``sys.settrace`` function counting opcode events by (file, function)."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()

    def __call__(self, frame: FrameType, event: str, arg: Any) -> OpcodeCounter:
        frame.f_trace_opcodes = True
        if event == "opcode":
            code = frame.f_code
            self.counts[code.co_filename, code.co_name] += 1
        return self


async def counted_click(env: Env, menu: Any, counter: OpcodeCounter) -> None:
    """One click of the benchmark cycle, traced from the interaction to the encoded reply."""
    interaction, _ = env.next_click(menu)
    sys.settrace(counter)
    try:
        builder = await env.client.handle_component_interaction(interaction)
        if builder is None:
            raise AssertionError(f"no reply to {interaction.custom_id!r}")
        payload, _ = builder.build(env.entity_factory)
        body = dumps(payload)
    finally:
        sys.settrace(None)
    menu.apply(json.loads(body))
    menu.step += 1
    await settle()


async def count(sessions: int, clicks: int, seed: int) -> dict[str, float]:
    """Bytecodes per click by ``path:function`` (paths relative to the checkout or site-packages)."""
    env = await Env("flowfsm").start()
    try:
        menus: list[Any] = []
        await open_many(env, sessions, FIRST_USER, menus)
        rng = random.Random(seed)
        for _ in range(200):  # first-use costs (specialization, caches) are not a running bot's
            await timed_click(env, rng.choice(menus))
        counter = OpcodeCounter()
        for _ in range(clicks):
            await counted_click(env, rng.choice(menus), counter)
    finally:
        await env.close()
    per_click: dict[str, float] = {}
    for (filename, function), n in counter.counts.items():
        name = filename.replace(str(ROOT) + "/", "").split("site-packages/")[-1]
        key = f"{name}:{function}"
        per_click[key] = per_click.get(key, 0.0) + n / clicks
    return per_click


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--clicks", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--top", type=int, default=40, help="flowfsm functions to list")
    parser.add_argument("--json", action="store_true", help="print every function as JSON")
    args = parser.parse_args()
    per_click = asyncio.run(count(args.sessions, args.clicks, args.seed))
    if args.json:
        print(json.dumps(per_click, indent=1, sort_keys=True))
        return
    total = sum(per_click.values())
    ours = {key: n for key, n in per_click.items() if key.startswith("flowfsm/")}
    print(f"bytecodes per click: {total:,.0f} (flowfsm {sum(ours.values()):,.0f}, {len(ours)} functions)")
    for key, n in sorted(ours.items(), key=lambda item: -item[1])[: args.top]:
        print(f"{n:8.1f}  {key}")


if __name__ == "__main__":
    main()
