"""Live menus, one measurement per process: ``python bench/live.py PART [--sessions N]``.

* **timed** — ``--sessions`` menus whose every state has a timed edge (``every=5``), on a manager
  with its real expiry timer armed: asyncio tasks per idle session (the target is 0: one timer
  handle for every session), and the event-loop time one timer tick takes to queue every due edge.
* **invalidate** — ``--sessions`` menus whose render functions watch one key (``ctx.watch``):
  the event-loop time of ``flows.invalidate(key)`` marking them and queueing their edits on the
  outbox (target: 50 ms for 10,000), the time the outbox takes to drain those edits against the
  loopback Discord, and a burst of 100 more invalidations in the same interval (coalesced: no edit
  beyond one per session per ``refresh_interval``).
* **watch_click** — the click cost of menus that watch keys: the benchmark menu (bench/flows.py)
  as is, the same menu whose render functions each watch two keys, and miru.ext.menu, clicked
  interleaved click by click in one process (as bench/measure.py's ``latency`` does), so the ratio
  watching / plain is paired (target: within 5%).

The last line printed is a JSON object; bench/run.py reads it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp

from bench import flows
from bench.env import CHANNEL_ID, Env, full_gc
from bench.measure import FIRST_USER, _interleaved, _open_interleaved, settle
from flowfsm import Context, Flow, FlowManager

SHARDS = 10
"""Menus watch ``("shard", user % SHARDS)`` too: the drain is measured on one shard's menus."""


def watching(flow: Flow) -> Flow:
    """``flow`` with each render function watching three keys (the item shown, the catalog, a shard)."""
    for spec in flow.states.values():
        render = spec.render
        assert render is not None

        def watched(ctx: Context, render: Any = render, state: str = spec.name) -> Any:
            ctx.watch("item", state)
            ctx.watch("catalog")
            ctx.watch("shard", ctx.user_id % SHARDS)
            return render(ctx)

        spec.render = watched
    return flow


def ticking(flow: Flow) -> Flow:
    """``flow`` with a timed edge (``every=5``) on every state."""
    flow.transition("tick", list(flow.states), None, every=5)
    return flow


def _register(env: Env, flow: Flow, name: str, **settings: Any) -> FlowManager:
    """Register ``flow`` (renamed ``name``, beside the benchmark's own) on ``env``'s manager."""
    flow.name = name
    manager: FlowManager = env.menus.manager
    for key, value in settings.items():
        setattr(manager, key, value)
    manager.register(flow)
    return manager


async def _open(
    env: Env, manager: FlowManager, flow: Flow, count: int, http: aiohttp.ClientSession | None
) -> None:
    """Open ``count`` menus; with ``http``, hand each reply to the fake Discord as Discord would, so
    that later edits through the interaction's webhook find the message."""
    for index in range(count):
        interaction = env.command(FIRST_USER + index)
        if http is not None:
            env.discord.register_interaction(int(interaction.id), interaction.token, channel_id=CHANNEL_ID)
        builder = await manager.start(interaction, flow)
        payload, _ = builder.build(env.entity_factory)
        if http is not None:
            url = f"{env.discord.rest_url}/interactions/{int(interaction.id)}/{interaction.token}/callback"
            async with http.post(url, json=payload) as response:
                await response.read()


async def part_timed(args: argparse.Namespace) -> dict[str, Any]:
    """Tasks per idle session with a timed edge on every session; the tick's loop time."""
    env = await Env("flowfsm").start()
    flow = ticking(flows.build_flow())
    manager = _register(env, flow, "bench_timed", auto_expire=True)  # the real timer, armed
    await settle()
    full_gc()
    tasks_before = len(asyncio.all_tasks())
    await _open(env, manager, flow, args.sessions, None)
    await settle()
    tasks = len(asyncio.all_tasks()) - tasks_before
    plans = len(manager.timed_plans())
    armed = manager._timer is not None
    env.clock.advance(5)
    t0 = time.perf_counter()
    manager.tick()  # what the one timer does when it fires: every session's tick is due
    tick_ms = (time.perf_counter() - t0) * 1e3
    return {
        "sessions": args.sessions,
        "tasks": tasks,
        "tasks_per_idle_session": tasks / args.sessions,
        "timed_plans": plans,
        "timer_armed": armed,
        "tick_queue_ms": tick_ms,
        "queued_timed_edges": len(manager.outbox),
    }


async def part_invalidate(args: argparse.Namespace) -> dict[str, Any]:
    """Invalidate a key watched by ``--sessions`` menus: loop time to queue, drain time, a burst."""
    env = await Env("flowfsm").start()
    flow = watching(flows.build_flow())
    manager = _register(env, flow, "bench_watch", refresh_interval=1.0)
    async with aiohttp.ClientSession() as http:
        await _open(env, manager, flow, args.sessions, http)
    await settle()
    full_gc()
    # The drain, on one shard's menus (a tenth): each edit is a render and a REST call through hikari.
    requests_before = len(env.discord.requests)
    shard = manager.invalidate("shard", 0)
    for _ in range(100):  # a burst within the same interval: coalesced, nothing more is queued now
        manager.invalidate("shard", 0)
    queued_after_burst = len(manager.outbox)
    t0 = time.perf_counter()
    await manager.outbox.join()
    drain_s = time.perf_counter() - t0
    edits = len(env.discord.requests) - requests_before
    env.clock.advance(manager.refresh_interval)
    manager.tick()  # the next interval: the burst's one refresh per menu
    await manager.outbox.join()
    edits_after_burst = len(env.discord.requests) - requests_before - edits
    # The figure: every menu watches "catalog"; invalidating it marks them all and queues their edits.
    env.clock.advance(manager.refresh_interval)
    full_gc()
    t0 = time.perf_counter()
    marked = manager.invalidate("catalog")
    queue_ms = (time.perf_counter() - t0) * 1e3
    stats = manager.live_stats
    return {
        "sessions": args.sessions,
        "marked": marked,
        "queue_ms": queue_ms,
        "queued": len(manager.outbox),
        "drain_sessions": shard,
        "queued_after_burst": queued_after_burst,
        "drain_s": drain_s,
        "edits": edits,
        "edits_per_s": edits / drain_s if drain_s else 0.0,
        "edits_after_burst": edits_after_burst,
        "burst_bound": shard,
        "invalidations": stats.invalidations,
        "coalesced": stats.coalesced,
        "outbox_concurrency": manager.outbox.concurrency,
    }


async def part_watch_click(args: argparse.Namespace) -> dict[str, Any]:
    """Click latency: plain flowfsm, flowfsm whose screens watch keys, miru.ext.menu; interleaved."""
    plain = await Env("flowfsm").start()
    watched = await Env("flowfsm", label="flowfsm_watch").start()
    watching(watched.menus.flow)
    menu = await Env("miru_menu").start()
    envs = [plain, watched, menu]
    rng = random.Random(args.seed)
    try:
        warm: dict[str, list[Any]] = {env.label: [] for env in envs}
        await _open_interleaved(envs, warm, 20, FIRST_USER + 900_000, rng)
        await _interleaved(envs, warm, rng, 80)
        menus: dict[str, list[Any]] = {env.label: [] for env in envs}
        await _open_interleaved(envs, menus, args.sessions, FIRST_USER, rng)
        full_gc()
        clicks = await _interleaved(envs, menus, rng, args.clicks)
        median = {label: statistics.median(times) / 1e3 for label, times in clicks.items()}
        cpu = {env.label: statistics.median(env.cpu_ns["click"][-args.clicks :]) / 1e3 for env in envs}
        return {
            "click_us": median,
            "click_cpu_us": cpu,
            "watch_cpu_ratio_vs_plain": cpu["flowfsm_watch"] / cpu["flowfsm"],
            "watch_ratio_vs_plain": median["flowfsm_watch"] / median["flowfsm"],
            "plain_ratio_vs_miru_menu": median["flowfsm"] / median["miru_menu"],
            "watch_ratio_vs_miru_menu": median["flowfsm_watch"] / median["miru_menu"],
            "watched_keys": len(watched.menus.manager.watched_keys()),
        }
    finally:
        for env in envs:
            await env.close()


PARTS = {"timed": part_timed, "invalidate": part_invalidate, "watch_click": part_watch_click}


def main(argv: list[str] | None = None) -> None:
    """Run one part and print its JSON result as the last line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("part", choices=sorted(PARTS))
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--clicks", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args(argv)
    result = asyncio.run(PARTS[args.part](args))
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    if args.part in ("timed", "invalidate"):
        # Every session's edit is queued on the outbox; draining it all is not this figure: leave now.
        os._exit(0)


if __name__ == "__main__":
    main()
